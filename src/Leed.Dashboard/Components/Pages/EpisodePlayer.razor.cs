// Picks which of a run's recorded episodes to replay (the latest, following training, or one by iteration) and hands it to the grid.
using Leed.Components.Grid;
using Leed.Components.Views;
using Leed.Dashboard.Views;
using Leed.Engine.Runs;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Pages;

public partial class EpisodePlayer
{
    /// <summary>The picker's value for "the latest snapshot, and the next ones as training records them".</summary>
    private const int Latest = 0;
    private static readonly IReadOnlyList<string> GridIds = ["live-grid"];
    private static readonly IReadOnlyList<string> CounterLabels = ["this episode"];

    [Inject] private RunRegistry Registry { get; set; } = default!;

    [Parameter, EditorRequired] public string RunId { get; set; } = "";
    [Parameter, EditorRequired] public CityGridView Map { get; set; } = default!;
    /// <summary>The run's newest snapshot (pushed while it trains); a new one adds to the picker and is shown when following.</summary>
    [Parameter] public EpisodeSnapshot? Newest { get; set; }
    [Parameter] public int? HighlightAgent { get; set; }
    [Parameter] public EventCallback<int> OnAgentClicked { get; set; }
    /// <summary>The share of the run's training time that recording episodes took, when known.</summary>
    [Parameter] public double? RecordingShare { get; set; }
    /// <summary>False once the run has ended: with no snapshot by then, none will come.</summary>
    [Parameter] public bool RunActive { get; set; } = true;

    private IReadOnlyList<SnapshotEntry> _entries = [];
    private EpisodeSnapshot? _seenNewest;
    private EpisodeSnapshot? _shown;
    private EpisodeView? _episode;
    private int _choice = Latest;
    private int? _shownHighlight;
    private IReadOnlyList<RouteOverlay>? _routes;

    private string LatestLabel => _entries.Count > 0 ? $"latest (iteration {_entries[^1].Iteration})" : "latest";

    private string Caption => _shown is not null
        ? $"Episode after iteration {_shown.Iteration} · {_entries.Count} recorded through training"
          + (RecordingShare is double share ? $" ({share:0.0%} of its training time)" : "")
        : RunActive
            ? "Waiting for the first episode snapshot..."
            : "No episode was recorded for this run.";

    private string SideBySideLink => $"replay?left={Uri.EscapeDataString(RunId)}@{_shown?.Iteration}";

    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(Newest, _seenNewest) || _entries.Count == 0)
        {
            _seenNewest = Newest;
            _entries = Registry.Snapshots(RunId);
            if (_choice == Latest) Show(Newest ?? (_entries.Count > 0 ? Registry.Snapshot(RunId, _entries[^1].Iteration) : null));
        }
        if (_shown is not null && HighlightAgent != _shownHighlight)
        {
            _shownHighlight = HighlightAgent;
            _routes = HighlightAgent is int agent && agent < _shown.Destinations.Length ? [PathOf(agent)] : null;
        }
    }

    private Task ChooseAsync(int iteration)
    {
        _choice = iteration;
        Show(iteration == Latest
            ? Newest ?? (_entries.Count > 0 ? Registry.Snapshot(RunId, _entries[^1].Iteration) : null)
            : Registry.Snapshot(RunId, iteration));
        return Task.CompletedTask;
    }

    private void Show(EpisodeSnapshot? snapshot)
    {
        if (snapshot is null || ReferenceEquals(snapshot, _shown)) return;
        _shown = snapshot;
        _episode = ViewMapper.ToEpisodeView(snapshot);
        _routes = HighlightAgent is int agent && agent < snapshot.Destinations.Length ? [PathOf(agent)] : null;
        _shownHighlight = HighlightAgent;
    }

    /// <summary>The cells an agent visited in the episode, drawn as its route.</summary>
    private RouteOverlay PathOf(int agent)
    {
        IReadOnlyList<GridPoint> cells = _episode!.PathOf(agent, Map.Width);
        int destination = _episode.Destinations[agent];
        var end = new GridPoint(destination % Map.Width, destination / Map.Width);
        return new RouteOverlay(agent, cells, cells.Count > 0 ? cells[0] : end, end, null, AgentPalette.Colour(agent));
    }
}
