// View records for the city grid: the map, the agents at one step, and routes drawn over the map.
namespace Leed.Components.Views;

/// <summary>A cell position on the grid; X is the column, Y the row (row 0 at the top).</summary>
public readonly record struct GridPoint(int X, int Y);

/// <summary>
/// A city map as the grid view draws it. <paramref name="Cells"/> is row-major
/// (<c>Cells[y * Width + x]</c>), 1 for a road cell and 0 for a blocked one; the position of an
/// intersection in <paramref name="Intersections"/> is its id.
/// </summary>
public sealed record CityGridView(
    int Width,
    int Height,
    byte[] Cells,
    IReadOnlyList<GridPoint> Intersections,
    string Name)
{
    /// <summary>True when (x, y) lies on the grid.</summary>
    public bool Contains(int x, int y) => x >= 0 && y >= 0 && x < Width && y < Height;
}

/// <summary>Where an agent is in its lifecycle (waiting agents and arrived agents are not on the grid).</summary>
public enum AgentStatus
{
    Waiting = 0,
    Driving = 1,
    Arrived = 2,
    TimedOut = 3,
}

/// <summary>One agent at one step: its cell, its status and its destination cell.</summary>
public sealed record AgentMarker(int Agent, int X, int Y, AgentStatus Status, int DestX, int DestY);

/// <summary>Every agent at one environment step.</summary>
public sealed record GridSnapshot(int Step, IReadOnlyList<AgentMarker> Agents);

/// <summary>
/// One agent's route drawn as a polyline over cell centres. <paramref name="InvalidHopIndex"/>, when
/// set, is the index into <paramref name="Path"/> of the first point of a hop that is not allowed
/// (the segment from Path[i] to Path[i + 1] is drawn as invalid). <paramref name="Colour"/> is any
/// CSS colour.
/// </summary>
public sealed record RouteOverlay(
    int Agent,
    IReadOnlyList<GridPoint> Path,
    GridPoint Origin,
    GridPoint Destination,
    int? InvalidHopIndex,
    string Colour);
