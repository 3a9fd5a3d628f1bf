// Maps engine objects to the component library's view records (the components never see the engine).
using Leed.Components.Views;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using EngineRunStatus = Leed.Engine.Runs.RunStatus;
using ViewRunStatus = Leed.Components.Views.RunStatus;

namespace Leed.Dashboard.Views;

public static class ViewMapper
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CityMap, CityGridView> GridViews = [];

    /// <summary>The map as the grid component draws it (cached per map: maps are immutable).</summary>
    public static CityGridView ToGridView(CityMap map, RoadGraph? graph = null)
    {
        if (graph is null && GridViews.TryGetValue(map, out CityGridView? cached)) return cached;
        RoadGraph g = graph ?? map.Graph;
        var cells = new byte[map.CellCount];
        for (int cell = 0; cell < cells.Length; cell++) cells[cell] = map.IsRoad(cell) ? (byte)1 : (byte)0;
        var view = new CityGridView(map.Width, map.Height, cells,
            [.. g.IntersectionCells.Select(cell => new GridPoint(cell % map.Width, cell / map.Width))], map.Name);
        if (graph is null) GridViews.AddOrUpdate(map, view);
        return view;
    }

    public static GridPoint Point(CityMap map, int cell) => new(cell % map.Width, cell / map.Width);

    /// <summary>An episode snapshot as the grid replays it: its per-step arrays flattened, step-major.</summary>
    public static EpisodeView ToEpisodeView(EpisodeSnapshot snapshot)
    {
        int agents = snapshot.Destinations.Length, steps = snapshot.Positions.Count;
        var cells = new int[steps * agents];
        var statuses = new byte[steps * agents];
        byte[]? blocked = snapshot.Blocked.Count == steps ? new byte[steps * agents] : null;
        for (int step = 0; step < steps; step++)
        {
            snapshot.Positions[step].CopyTo(cells, step * agents);
            snapshot.Statuses[step].CopyTo(statuses, step * agents);
            if (blocked is not null) snapshot.Blocked[step].CopyTo(blocked, step * agents);
        }
        return new EpisodeView(agents, steps, cells, statuses, blocked, snapshot.Destinations);
    }

    public static RunRow ToRow(RunRecord run) => new(
        run.Id,
        run.Spec.Name,
        run.Spec.Algorithm,
        run.Spec.Map,
        run.Agents,
        run.Demonstrations,
        run.Spec.Seed,
        ToViewStatus(run.Status),
        run.Progress,
        run.BestReturn,
        run.LastReturn,
        run.GlobalStep,
        TimeSpan.FromSeconds(run.WallSeconds),
        run.Tags,
        run.Notes ?? "",
        run.Spec.Group ?? "",
        new DateTimeOffset(DateTime.SpecifyKind(run.CreatedAt, DateTimeKind.Utc)));

    public static ViewRunStatus ToViewStatus(EngineRunStatus status) => status switch
    {
        EngineRunStatus.Queued => ViewRunStatus.Queued,
        EngineRunStatus.Running => ViewRunStatus.Running,
        EngineRunStatus.Paused => ViewRunStatus.Paused,
        EngineRunStatus.Completed => ViewRunStatus.Completed,
        EngineRunStatus.Stopped => ViewRunStatus.Stopped,
        EngineRunStatus.Failed => ViewRunStatus.Failed,
        _ => ViewRunStatus.Interrupted,
    };
}
