// Checks instruction lists against a scenario's road graph and says, per instruction, what is wrong.
using System.Globalization;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Demonstrations;

/// <summary>One problem with one instruction of one agent.</summary>
/// <param name="Agent">The agent, or -1 when the instruction names an agent the scenario lacks.</param>
/// <param name="Index">Position of the instruction in the agent's list (in the whole answer for unknown agents); the list's length for "does not reach the destination".</param>
/// <param name="Reason">What is wrong, in words a researcher (or a model) can act on.</param>
/// <param name="Neighbours">The intersections the agent could really move to from where it was, for feedback.</param>
public sealed record InstructionError(int Agent, int Index, string Reason, IReadOnlyList<int> Neighbours)
{
    public string Describe() => Agent >= 0 ? $"Agent_{Agent}, instruction {Index}: {Reason}" : $"instruction {Index}: {Reason}";
}

/// <summary>The verdict on one agent's list.</summary>
/// <param name="Route">The nodes visited, origin first (as far as the list could be followed).</param>
/// <param name="FirstInvalidIndex">The first instruction that fails, or null when the list is valid.</param>
/// <param name="ExpectedTravelTime">Free-flow steps: segment lengths plus waits (saturated at <see cref="int.MaxValue"/>).</param>
public sealed record AgentValidation(int Agent, bool Valid, IReadOnlyList<InstructionError> Errors, IReadOnlyList<int> Route,
    int? FirstInvalidIndex, int ExpectedTravelTime);

/// <summary>The verdict on a whole answer.</summary>
public sealed record ValidationReport(IReadOnlyList<AgentValidation> Agents, IReadOnlyList<InstructionError> UnknownAgentErrors)
{
    public int ValidCount => Agents.Count(agent => agent.Valid);
    public double PathValidity => Agents.Count == 0 ? 0 : ValidCount / (double)Agents.Count;
    public IEnumerable<InstructionError> AllErrors => UnknownAgentErrors.Concat(Agents.SelectMany(agent => agent.Errors));
}

/// <summary>
/// A list is valid when every MoveTo names an intersection adjacent to where the agent is, the
/// list starts at the agent's origin, ends at its destination, and its free-flow travel time fits
/// the episode.
/// </summary>
/// <remarks>
/// The episode bound follows the environment's clock: a vehicle enters its origin during its
/// departure step, moves one cell per step from the next step on, and the episode ends after
/// <c>MaxSteps</c> steps. So an agent departing at step d has <c>MaxSteps - 1 - d</c> steps of
/// driving and waiting; a list that needs more cannot arrive even on empty roads.
/// </remarks>
public static class InstructionValidator
{
    /// <summary>Validates every agent of the scenario; instructions are grouped by the agent they name.</summary>
    /// <param name="maxSteps">The episode's length in steps (<see cref="EnvConfig.ResolveMaxSteps(Scenario)"/>).</param>
    public static ValidationReport Validate(Scenario scenario, IReadOnlyList<Instruction> instructions, int maxSteps)
    {
        var unknown = new List<InstructionError>();
        var byAgent = new List<Instruction>[scenario.AgentCount];
        for (int i = 0; i < byAgent.Length; i++) byAgent[i] = [];
        for (int index = 0; index < instructions.Count; index++)
        {
            Instruction instruction = instructions[index];
            if ((uint)instruction.Agent < (uint)scenario.AgentCount) byAgent[instruction.Agent].Add(instruction);
            else unknown.Add(new InstructionError(-1, index,
                $"Agent_{instruction.Agent} is not in this scenario (agents are Agent_0 to Agent_{scenario.AgentCount - 1}).", []));
        }
        var agents = new AgentValidation[scenario.AgentCount];
        for (int agent = 0; agent < agents.Length; agent++) agents[agent] = ValidateAgent(scenario, agent, byAgent[agent], maxSteps);
        return new ValidationReport(agents, unknown);
    }

    /// <summary>Validates one agent's list (all instructions must name that agent).</summary>
    /// <param name="maxSteps">The episode's length in steps (<see cref="EnvConfig.ResolveMaxSteps(Scenario)"/>).</param>
    public static AgentValidation ValidateAgent(Scenario scenario, int agent, IReadOnlyList<Instruction> list, int maxSteps)
    {
        RoadGraph graph = scenario.Graph;
        int origin = scenario.OriginNode(agent), destination = scenario.DestinationNode(agent);
        int departure = scenario.Agents[agent].Departure;
        long allowance = Math.Max(0L, maxSteps - 1L - departure);
        var errors = new List<InstructionError>();
        var route = new List<int> { origin };
        int current = origin;
        long travel = 0; // long: waits read from an answer may add up past int.MaxValue
        int? outOfTime = null;
        if (list.Count == 0)
            errors.Add(new InstructionError(agent, 0, $"no instructions: Agent_{agent} must drive from Intersection_{origin} to Intersection_{destination}.", Neighbours(graph, origin)));

        for (int index = 0; index < list.Count; index++)
        {
            if (outOfTime is null && travel > allowance) outOfTime = index - 1;
            switch (list[index])
            {
                case { } other when other.Agent != agent:
                    errors.Add(new InstructionError(agent, index, $"names Agent_{other.Agent}, but this list is Agent_{agent}'s.", Neighbours(graph, current)));
                    break;
                case Wait wait:
                    if (wait.Steps < 1) errors.Add(new InstructionError(agent, index, $"waits {wait.Steps} steps; a wait must be at least 1 step.", Neighbours(graph, current)));
                    else travel += wait.Steps;
                    break;
                case MoveTo move when (uint)move.Intersection >= (uint)graph.IntersectionCount:
                    errors.Add(new InstructionError(agent, index,
                        $"Intersection_{move.Intersection} does not exist (intersections are 0 to {graph.IntersectionCount - 1}).", Neighbours(graph, current)));
                    break;
                case MoveTo move when move.Intersection == current:
                    errors.Add(new InstructionError(agent, index,
                        $"Agent_{agent} is already at Intersection_{current}; use [Wait, s, Agent_{agent}] to stay.", Neighbours(graph, current)));
                    break;
                case MoveTo move when !graph.AreAdjacent(current, move.Intersection):
                    errors.Add(new InstructionError(agent, index,
                        $"Intersection_{move.Intersection} is not adjacent to Intersection_{current}, where Agent_{agent} is; its neighbours are {FormatNodes(Neighbours(graph, current))}.",
                        Neighbours(graph, current)));
                    // Judge the following hops from where this one meant to go, so each error stands alone.
                    current = move.Intersection;
                    route.Add(current);
                    break;
                case MoveTo move:
                    travel += graph.SegmentBetween(current, move.Intersection)!.Length;
                    current = move.Intersection;
                    route.Add(current);
                    break;
            }
        }
        if (list.Count > 0 && current != destination)
            errors.Add(new InstructionError(agent, list.Count,
                $"the list ends at Intersection_{current}, not at Agent_{agent}'s destination Intersection_{destination}.", Neighbours(graph, current)));
        if (travel > allowance)
        {
            int at = outOfTime ?? list.Count - 1;
            errors.Add(new InstructionError(agent, at, string.Create(CultureInfo.InvariantCulture,
                $"the list takes {travel:N0} steps without congestion, {travel - allowance:N0} more than the {allowance:N0} steps Agent_{agent} has " +
                $"(it departs at step {departure} of a {maxSteps}-step episode); the time runs out at this instruction, so wait less or take a shorter route."), []));
        }

        int? firstInvalid = errors.Count == 0 ? null : errors.Min(error => error.Index);
        return new AgentValidation(agent, errors.Count == 0, errors, route, firstInvalid, (int)Math.Min(travel, int.MaxValue));
    }

    public static IReadOnlyList<int> Neighbours(RoadGraph graph, int node) =>
        (uint)node < (uint)graph.IntersectionCount ? [.. graph.Links(node).Select(link => link.Neighbour).Distinct()] : [];

    internal static string FormatNodes(IEnumerable<int> nodes)
    {
        string text = string.Join(", ", nodes.Select(node => $"Intersection_{node}"));
        return text.Length == 0 ? "none" : text;
    }
}
