// The Live run page: the city grid with agents moving, live curves, progress with ETA, pause/resume/stop.
using Leed.Components.Charts;
using Leed.Components.Views;
using Leed.Dashboard.Runs;
using Leed.Dashboard.Views;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using RunStatus = Leed.Engine.Runs.RunStatus;

namespace Leed.Dashboard.Components.Pages;

public partial class LiveRun : IDisposable
{
    [Parameter] public string Id { get; set; } = "";

    [Inject] private RunRegistry Registry { get; set; } = default!;
    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private RunRecord? _run;
    private CityGridView? _mapView;
    private EpisodeSnapshot? _snapshot;
    private int? _highlight;
    private double _smoothing = 0.6;
    private bool _ready;
    private IDisposable? _subscription;
    private bool _hasWeights;
    private int _weightAgents;
    private LiveLineChart? _rewardChart, _lossChart, _trafficChart, _speedChart;
    private AgentSpreadChart? _weightChart;
    private IReadOnlyList<ChartSeries> _rewardSeries = [], _lossSeries = [], _trafficSeries = [], _speedSeries = [];
    private IReadOnlyList<AgentColumn> _weightColumns = [];
    private PeriodicTimer? _statusTimer;
    private IReadOnlyList<ChartMarker> _markers = [];
    private int _markedEvents = -1;

    private int AgentCount => _run?.Agents ?? 0;

    protected override void OnInitialized()
    {
        _run = Registry.Get(Id);
        if (_run is null) return;
        CityMap? map = MapCatalog.For(Store).Find(_run.Spec.Map);
        if (map is not null) _mapView = ViewMapper.ToGridView(map);
        IReadOnlyList<MetricRecord> metrics = Registry.Metrics(Id);
        _hasWeights = Algorithms.Find(_run.Spec.Algorithm) is { UsesWeightSchedule: true };
        _rewardSeries = RunCharts.Reward.Series(metrics);
        _lossSeries = RunCharts.Losses.Series(metrics);
        _trafficSeries = RunCharts.Traffic.Series(metrics);
        _speedSeries = RunCharts.Speed.Series(metrics);
        _weightAgents = AgentCount;
        _weightColumns = _hasWeights ? RunCharts.WeightColumns(metrics, AgentCount) : [];
        _snapshot = Registry.LatestSnapshot(Id);
        (_markers, _markedEvents) = (RunCharts.Markers(_run), _run.Events.Count);
        _subscription = Registry.Subscribe(Id, OnUpdate);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender || _run is null) return;
        _ready = true;
        StateHasChanged();
        _ = WatchStatusAsync();
    }

    /// <summary>Pushes from the registry (a timer thread, at most ~5 per second): data-only chart appends.</summary>
    private void OnUpdate(RunUpdate update)
    {
        _ = InvokeAsync(async () =>
        {
            if (!Show(update.Run) && update.NewMetrics.Count > 0 && _hasWeights && _weightChart is not null)
                await _weightChart.Append(RunCharts.WeightColumns(update.NewMetrics, AgentCount));
            if (update.NewMetrics.Count > 0)
            {
                _rewardChart?.Post(RunCharts.Reward.Deltas(update.NewMetrics));
                _lossChart?.Post(RunCharts.Losses.Deltas(update.NewMetrics));
                _trafficChart?.Post(RunCharts.Traffic.Deltas(update.NewMetrics));
                _speedChart?.Post(RunCharts.Speed.Deltas(update.NewMetrics));
            }
            if (update.Snapshot is not null) _snapshot = update.Snapshot;
            StateHasChanged();
        });
    }

    /// <summary>
    /// Shows the latest state of the run. The w_i chart has one row per agent of the run; when the count
    /// changes (it becomes known once a run on a map's own agents resolves its scenario) the chart is
    /// rebuilt from the run's metrics so far, and true is returned.
    /// </summary>
    private bool Show(RunRecord run)
    {
        _run = run;
        if (run.Events.Count != _markedEvents) (_markers, _markedEvents) = (RunCharts.Markers(run), run.Events.Count);
        if (_snapshot is null && !run.IsActive) _snapshot = Registry.LatestSnapshot(Id);
        if (!_hasWeights || _weightAgents == AgentCount) return false;
        _weightAgents = AgentCount;
        _weightColumns = RunCharts.WeightColumns(Registry.Metrics(Id), AgentCount);
        return true;
    }

    /// <summary>A run that has finished no longer pushes; a slow poll keeps status and progress honest.</summary>
    private async Task WatchStatusAsync()
    {
        _statusTimer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        try
        {
            while (await _statusTimer.WaitForNextTickAsync())
            {
                RunRecord? latest = Registry.Get(Id);
                if (latest is null || (latest.Status == _run?.Status && latest.Iteration == _run.Iteration && latest.Events.Count == _markedEvents)) continue;
                await InvokeAsync(() =>
                {
                    Show(latest);
                    StateHasChanged();
                });
            }
        }
        catch (ObjectDisposedException) { }
    }

    private Color StatusColor => _run?.Status switch
    {
        RunStatus.Running => Color.Success,
        RunStatus.Paused or RunStatus.Queued => Color.Warning,
        RunStatus.Failed or RunStatus.Interrupted => Color.Error,
        _ => Color.Default,
    };

    private string ProgressText
    {
        get
        {
            if (_run is null) return "";
            string text = $"iteration {_run.Iteration} of {_run.Spec.Iterations} · {_run.GlobalStep:N0} environment steps · {TimeSpan.FromSeconds(_run.WallSeconds):hh\\:mm\\:ss}";
            if (_run.IsActive && _run.Iteration > 0 && _run.Iteration < _run.Spec.Iterations)
            {
                double remaining = _run.WallSeconds / _run.Iteration * (_run.Spec.Iterations - _run.Iteration);
                text += $" · ETA {TimeSpan.FromSeconds(remaining):hh\\:mm\\:ss}";
            }
            if (_run.BestReturn is double best) text += $" · best return {best:0.#}";
            return text;
        }
    }

    private IEnumerable<(string, string)> ConfigRows
    {
        get
        {
            if (_run is null) yield break;
            RunSpec spec = _run.Spec;
            yield return ("run id", _run.Id);
            yield return ("algorithm", spec.Algorithm);
            if (Algorithms.Find(spec.Algorithm) is { UsesWeightSchedule: true }) yield return ("weight schedule", spec.Weight);
            yield return ("map", spec.Map);
            yield return ("agents", spec.Agents > 0 ? spec.Agents.ToString() : _run.ResolvedAgents > 0 ? $"{_run.ResolvedAgents}, the map's own (.scen)" : "the map's own (.scen)");
            yield return ("scenario seed", spec.ScenarioSeed.ToString());
            yield return ("seed", spec.Seed.ToString());
            yield return ("iterations", spec.Iterations.ToString());
            yield return ("environment", spec.EnvVersion);
            foreach ((string name, double value) in spec.Hyperparameters.OrderBy(pair => pair.Key))
                yield return (name, double.IsNaN(value) ? "unset" : HyperparameterValues.Format(value));
        }
    }

    private void Pause() => Act(() => Registry.Pause(Id));
    private void Resume() => Act(() => Registry.Resume(Id));
    private void Stop() => Act(() => Registry.Stop(Id));
    private void Restart() => Act(() => _run = Registry.Restart(Id));

    private void Act(Action action)
    {
        try
        {
            action();
            _run = Registry.Get(Id);
        }
        catch (InvalidOperationException error)
        {
            Snackbar.Add(error.Message, Severity.Warning);
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _statusTimer?.Dispose();
    }
}
