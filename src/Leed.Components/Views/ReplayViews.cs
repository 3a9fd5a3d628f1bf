// View record for a recorded episode that the grid replays in the browser, step by step.
namespace Leed.Components.Views;

/// <summary>
/// One recorded episode as the grid replays it. Every array is step-major with the agent fastest
/// (<c>Cells[step * Agents + agent]</c>): the agent's cell (<c>y * width + x</c>) or -1 off the grid,
/// its status (<see cref="AgentStatus"/>), and in <paramref name="Blocked"/> 1 where it was blocked in
/// the step that led there (a move into a full cell, or a departure from a full origin); null when the
/// episode was recorded without. Step 0 is before the first move.
/// </summary>
public sealed record EpisodeView(int Agents, int Steps, int[] Cells, byte[] Statuses, byte[]? Blocked, int[] Destinations)
{
    /// <summary>Every agent at <paramref name="step"/> as grid markers, on a map <paramref name="width"/> cells wide.</summary>
    public GridSnapshot Frame(int step, int width)
    {
        var markers = new AgentMarker[Agents];
        for (var agent = 0; agent < Agents; agent++)
        {
            int cell = Cells[step * Agents + agent], destination = Destinations[agent];
            markers[agent] = new AgentMarker(agent, cell < 0 ? -1 : cell % width, cell < 0 ? -1 : cell / width,
                (AgentStatus)Statuses[step * Agents + agent], destination % width, destination / width);
        }
        return new GridSnapshot(step, markers);
    }

    /// <summary>The cells an agent visited, in order, without repeats: its path through the episode.</summary>
    public IReadOnlyList<GridPoint> PathOf(int agent, int width)
    {
        var cells = new List<GridPoint>();
        for (var step = 0; step < Steps; step++)
        {
            var cell = Cells[step * Agents + agent];
            if (cell < 0) continue;
            var point = new GridPoint(cell % width, cell / width);
            if (cells.Count == 0 || cells[^1] != point) cells.Add(point);
        }
        return cells;
    }
}
