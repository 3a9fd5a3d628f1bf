// Steps through an episode snapshot on a timer; only this component re-renders per frame.
using Leed.Components.Grid;
using Leed.Components.Views;
using Leed.Dashboard.Views;
using Leed.Engine.Runs;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Pages;

public partial class EpisodePlayer : IDisposable
{
    [Parameter, EditorRequired] public CityGridView Map { get; set; } = default!;
    [Parameter] public EpisodeSnapshot? Snapshot { get; set; }
    [Parameter] public int? HighlightAgent { get; set; }
    [Parameter] public EventCallback<int> OnAgentClicked { get; set; }
    /// <summary>False once the run has ended: with no snapshot by then, none will come.</summary>
    [Parameter] public bool RunActive { get; set; } = true;

    private EpisodeSnapshot? _shown;
    private int? _shownHighlight;
    private int _step;
    private GridSnapshot? _frame;
    private IReadOnlyList<RouteOverlay>? _routes;
    private PeriodicTimer? _timer;
    private bool _playing = true;

    private string Caption => _shown is not null
        ? $"Episode after iteration {_shown.Iteration}: step {_step} of {_shown.Positions.Count - 1}"
        : RunActive
            ? "Waiting for the first episode snapshot..."
            : "No episode was recorded for this run (one is recorded while the run is watched, and after its last iteration).";

    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(Snapshot, _shown) && Snapshot is not null)
        {
            _shown = Snapshot;
            _step = 0;
            _frame = ViewMapper.ToGridSnapshot(Snapshot, 0, Map.Width);
            _shownHighlight = null;
        }
        if (_shown is not null && HighlightAgent != _shownHighlight)
        {
            _shownHighlight = HighlightAgent;
            _routes = HighlightAgent is int agent && agent < _shown.Destinations.Length ? [PathOf(_shown, agent)] : null;
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender) _ = PlayAsync();
    }

    private async Task PlayAsync()
    {
        _timer = new PeriodicTimer(TimeSpan.FromMilliseconds(125));
        try
        {
            while (await _timer.WaitForNextTickAsync())
            {
                if (!_playing || _shown is null) continue;
                await InvokeAsync(() =>
                {
                    _step = (_step + 1) % _shown.Positions.Count;
                    _frame = ViewMapper.ToGridSnapshot(_shown, _step, Map.Width);
                    StateHasChanged();
                });
            }
        }
        catch (ObjectDisposedException) { }
    }

    private void TogglePlay() => _playing = !_playing;

    /// <summary>The cells an agent visited in the episode, drawn as its route.</summary>
    private RouteOverlay PathOf(EpisodeSnapshot snapshot, int agent)
    {
        var cells = new List<GridPoint>();
        foreach (int[] step in snapshot.Positions)
        {
            int cell = step[agent];
            if (cell < 0) continue;
            var point = new GridPoint(cell % Map.Width, cell / Map.Width);
            if (cells.Count == 0 || cells[^1] != point) cells.Add(point);
        }
        int destination = snapshot.Destinations[agent];
        var end = new GridPoint(destination % Map.Width, destination / Map.Width);
        return new RouteOverlay(agent, cells, cells.Count > 0 ? cells[0] : end, end, null, AgentPalette.Colour(agent));
    }

    public void Dispose() => _timer?.Dispose();
}
