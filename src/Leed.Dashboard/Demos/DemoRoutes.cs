// Draws a draft's agents for the city grid and the agents table: the route over segment cells, the failing hop, lengths.
using Leed.Components.Grid;
using Leed.Components.Views;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Dashboard.Demos;

/// <summary>One row of the agents table.</summary>
/// <param name="Segments">Hops drawn on the map (up to the first error).</param>
/// <param name="Cells">Cells driven along those hops.</param>
/// <param name="TravelTime">Expected free-flow travel time in steps, waits included (valid lists only).</param>
/// <param name="Problems">Parse errors, validator errors and the demonstrator's failure, each located.</param>
/// <param name="Edited">Changed in this draft, or by a person in this version or an earlier one.</param>
/// <param name="InvalidHop">The map shows a hop that is not allowed.</param>
/// <param name="Corrupted">How the stored version corrupted this agent on purpose (a study's corruption level), or null.</param>
public sealed record DemoAgentRow(int Agent, int Origin, int Destination, bool Valid, int Segments, int Cells, int? TravelTime,
    IReadOnlyList<string> Problems, bool Edited, bool Changed, bool InvalidHop, string Colour, string? Corrupted = null);

/// <summary>An agent's route as the grid draws it, with the lengths of what was drawn.</summary>
public sealed record DrawnRoute(RouteOverlay Overlay, int Segments, int Cells);

public static class DemoRoutes
{
    /// <summary>
    /// The route from the origin along each hop's segment cells, up to the first error. When that
    /// error is a MoveTo to an intersection that is not adjacent, the hop is drawn straight to it and
    /// marked (<see cref="RouteOverlay.InvalidHopIndex"/>).
    /// </summary>
    public static DrawnRoute Draw(Scenario scenario, AgentDraft agent)
    {
        RoadGraph graph = scenario.Graph;
        CityMap map = scenario.Map;
        int current = scenario.OriginNode(agent.Agent);
        var path = new List<GridPoint> { Point(map, graph.IntersectionCells[current]) };
        int stop = agent.Validation.FirstInvalidIndex is int first ? Math.Min(first, agent.Instructions.Count) : agent.Instructions.Count;
        int segments = 0;
        for (int index = 0; index < stop; index++)
        {
            if (agent.Instructions[index] is not MoveTo move) continue;
            Segment segment = graph.SegmentBetween(current, move.Intersection)!;
            path.AddRange(segment.CellsFrom(current).Skip(1).Select(cell => Point(map, cell)));
            current = move.Intersection;
            segments++;
        }
        int cells = path.Count - 1;

        int? invalidHop = null;
        if (stop < agent.Instructions.Count && agent.Instructions[stop] is MoveTo bad
            && (uint)bad.Intersection < (uint)graph.IntersectionCount && bad.Intersection != current && !graph.AreAdjacent(current, bad.Intersection))
        {
            invalidHop = path.Count - 1;
            path.Add(Point(map, graph.IntersectionCells[bad.Intersection]));
        }
        // The renderer draws nothing for a one-point path; a zero-length line still shows the origin to start from.
        if (path.Count == 1) path.Add(path[0]);

        var overlay = new RouteOverlay(agent.Agent, path, Point(map, scenario.Agents[agent.Agent].Origin),
            Point(map, scenario.Agents[agent.Agent].Destination), invalidHop, AgentPalette.Colour(agent.Agent));
        return new DrawnRoute(overlay, segments, cells);
    }

    public static DemoAgentRow Row(DemonstrationDraft draft, int agent, DrawnRoute route)
    {
        AgentDraft current = draft.Agents[agent];
        var problems = new List<string>();
        if (current.Failure is not null) problems.Add("the demonstrator failed: " + current.Failure);
        problems.AddRange(current.ParseErrors.Select(error => error.ToString()));
        problems.AddRange(current.Validation.Errors.Select(error => $"{current.Where(error.Index)} (instruction {error.Index}): {error.Reason}"));
        StoredAgentDemonstration stored = draft.Base.Agents.First(candidate => candidate.Agent == agent);
        bool storedEdited = stored.Edited;
        return new DemoAgentRow(agent, draft.Scenario.OriginNode(agent), draft.Scenario.DestinationNode(agent), current.Valid,
            route.Segments, route.Cells, current.Valid ? current.Validation.ExpectedTravelTime : null, problems,
            storedEdited || draft.IsChanged(agent), draft.IsChanged(agent), route.Overlay.InvalidHopIndex is not null, route.Overlay.Colour,
            draft.IsChanged(agent) ? null : stored.Corrupted);
    }

    private static GridPoint Point(CityMap map, int cell) => new(cell % map.Width, cell / map.Width);
}
