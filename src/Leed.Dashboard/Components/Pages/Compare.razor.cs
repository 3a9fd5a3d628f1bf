// The Compare page: pick runs or seed groups, overlay their curves (or group means with 95% bands) for one or several metrics, summarise, export; the link holds the whole selection.
using Leed.Components.Charts;
using Leed.Components.Views;
using Leed.Dashboard.Compare;
using Leed.Dashboard.Replay;
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Leed.Dashboard.Components.Pages;

public partial class Compare : IDisposable
{
    public const string ChartId = "compare-chart";
    private const int MaxListed = 200;

    /// <summary>How often the page reads again the metrics of selected runs that are still training.</summary>
    public static TimeSpan FollowInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The exported PNG: 1200 x 750 CSS pixels drawn at twice the scale (2400 x 1500, 8 x 5 inches at 300 dpi).</summary>
    public const int PngWidth = 1200, PngHeight = 750, PngScale = 2;

    /// <summary>One chart of the page: the main metric's, or a small multiple of another one.</summary>
    private sealed record MetricPanel(string Metric, string ChartId, IReadOnlyList<ChartSeries> Series, IReadOnlyList<BandSeries>? Bands);

    /// <summary>One entry of the run picker: a seed group (all its runs) or a single run.</summary>
    private sealed record PickItem(string Key, string Label, string Detail, IReadOnlyList<string> RunIds, string SearchText);

    [Inject] private RunRegistry Registry { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    /// <summary>Run ids to preselect, comma-separated (the Runs page links here with them).</summary>
    [SupplyParameterFromQuery(Name = "runs")] public string? RunIds { get; set; }

    /// <summary>Whole groups to preselect, comma-separated.</summary>
    [SupplyParameterFromQuery(Name = "groups")] public string? GroupNames { get; set; }

    /// <summary>Metrics, comma-separated: the first is drawn large and summarised, the others as small multiples.</summary>
    [SupplyParameterFromQuery(Name = "metric")] public string? MetricList { get; set; }

    [SupplyParameterFromQuery(Name = "axis")] public string? AxisText { get; set; }

    [SupplyParameterFromQuery(Name = "smoothing")] public string? SmoothingText { get; set; }

    /// <summary>grouped or separate; missing: grouped as soon as a group has two selected seeds.</summary>
    [SupplyParameterFromQuery(Name = "seeds")] public string? SeedsText { get; set; }

    [SupplyParameterFromQuery(Name = "threshold")] public string? ThresholdText { get; set; }

    private IReadOnlyList<RunRecord> _all = [];
    private IReadOnlyList<PickItem> _groups = [], _runs = [];
    private readonly List<string> _selected = [];
    private IReadOnlyList<ChartMarker> _markers = [];
    private readonly Dictionary<string, ComparedRun> _loaded = [];
    private string? _appliedLink;
    private string? _search, _problem;
    private string _metric = MetricNames.EpisodicReturn;
    private IReadOnlyList<string> _moreMetrics = [];
    private IReadOnlyList<MetricPanel> _panels = [];
    private Timer? _follow;
    private int _following;
    private IReadOnlyList<string> _metrics = [];
    private CompareAxis _axis = CompareAxis.GlobalStep;
    private double _smoothing;
    private double? _threshold;
    private bool? _byGroupChoice;
    private Comparison? _comparison;
    private IReadOnlyList<ChartSeries> _series = [];
    private IReadOnlyList<BandSeries>? _bands;
    private bool _ready;

    /// <summary>Groups seeds unless the user said otherwise: on as soon as a group has two selected seeds.</summary>
    private bool ByGroup => _byGroupChoice ?? _comparison?.Groups.Any(group => group.Runs.Count > 1) ?? false;

    private bool HasData => _comparison?.Runs.Any(curve => curve.Raw.Count > 0) ?? false;

    // Group mode draws bands already built from smoothed seeds; the chart smooths only plain run lines.
    private double ChartSmoothing => ByGroup ? 0 : _smoothing;

    private IReadOnlyList<SummaryRow> SummaryRows => _comparison is null ? [] : ByGroup ? _comparison.GroupRows : _comparison.RunRows;

    private IEnumerable<PickItem> VisibleGroups => _groups.Where(Matches).Take(MaxListed);

    private IEnumerable<PickItem> VisibleRuns => _runs.Where(Matches).Take(Math.Max(0, MaxListed - VisibleGroups.Count()));

    private int HiddenCount => _groups.Count(Matches) + _runs.Count(Matches) - VisibleGroups.Count() - VisibleRuns.Count();

    private string SelectedText => _selected.Count == 1 ? "1 run selected" : $"{_selected.Count} runs selected";

    private string CsvLink => CompareEndpoints.CsvLink(_selected, _metric, wide: false);

    private string WideCsvLink => CompareEndpoints.CsvLink(_selected, _metric, wide: true);

    private string ReplayLink => ReplayTarget.Link(
        _selected.Count > 0 ? new ReplayTarget(_selected[0], null) : null, _selected.Count > 1 ? new ReplayTarget(_selected[1], null) : null);

    private string CsvFileName => CompareEndpoints.CsvFileName(_metric);

    private string WideCsvFileName => CompareEndpoints.CsvFileName(null);

    private string ChartCaption => ByGroup
        ? "Each line is a group's mean over its selected seeds (smoothed first); the band is the 95% Student-t confidence interval "
          + "of that mean, drawn only where every seed has data (seeds are interpolated linearly onto their shared x values). "
          + "A group of one seed has no band."
        : "Each line is one run; with smoothing above 0 the raw values are drawn faintly under the moving average.";

    private string PngTitle => $"{_metric} over {CompareChart.AxisTitle(_axis)}"
        + (ByGroup ? ", mean over seeds with 95% CI" : "")
        + (_smoothing > 0 ? $", smoothing {_smoothing:0.00}" : "");

    protected override void OnInitialized()
    {
        _all = Registry.List();
        BuildPicker();
    }

    protected override void OnParametersSet()
    {
        // The link applies when the page opens and whenever it changes (back, forward, a pasted link);
        // the page's own replacement of it after a change reads as already applied.
        CompareQuery query = CompareQuery.Parse(RunIds, GroupNames, MetricList, AxisText, SmoothingText, SeedsText, ThresholdText, out IReadOnlyList<string> problems);
        if (query.Link() == _appliedLink) return;
        CompareSelection selection = CompareSelection.Resolve(query.Runs, query.Groups, _all);
        _selected.Clear();
        _selected.AddRange(selection.Runs.Select(run => run.Id));
        _axis = query.Axis;
        _smoothing = query.Smoothing;
        _byGroupChoice = query.ByGroup;
        _threshold = query.Threshold;
        if (query.Metrics.Count > 0) _metric = query.Metrics[0];
        _moreMetrics = [.. query.Metrics.Skip(1)];
        // Prerendering shows the picker with this selection but draws no chart (Plotly draws in the
        // circuit): the runs' metrics are read and compared once, by the interactive render.
        if (!RendererInfo.IsInteractive) return;
        Recompute();
        string[] unknownMetrics = [.. query.Metrics.Where(metric => _selected.Count > 0 && !_metrics.Contains(metric))];
        _problem = string.Join(" ", new[] { selection.Problem }.Concat(problems)
            .Append(unknownMetrics.Length == 0 ? null : $"metric={string.Join(",", unknownMetrics)}: the selected runs have no such metric; pick one from the Metric list.")
            .Where(text => text is not null));
        if (_problem.Length == 0) _problem = null;
        _appliedLink = query.Link();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        _follow = new Timer(_ => _ = InvokeAsync(FollowRunningRuns), null, FollowInterval, FollowInterval);
        StateHasChanged();
    }

    public void Dispose() => _follow?.Dispose();

    /// <summary>The selection as it is now, in the link's words.</summary>
    private CompareQuery CurrentQuery()
    {
        (IReadOnlyList<string> runs, IReadOnlyList<string> groups) = CompareQuery.Select(_selected, _all);
        IReadOnlyList<string> metrics = _moreMetrics.Count > 0 || _metric != MetricNames.EpisodicReturn ? [_metric, .. _moreMetrics] : [];
        return new CompareQuery(runs, groups, metrics, _axis, _smoothing, _byGroupChoice, _threshold);
    }

    /// <summary>After a change on the page: the link (replacing the history entry) says what is shown now.</summary>
    private void WriteLink()
    {
        CompareQuery query = CurrentQuery();
        // The selection in the order a fresh page opening this link would have it, so both draw the same chart.
        CompareSelection canonical = CompareSelection.Resolve(query.Runs, query.Groups, _all);
        if (!canonical.Runs.Select(run => run.Id).SequenceEqual(_selected))
        {
            _selected.Clear();
            _selected.AddRange(canonical.Runs.Select(run => run.Id));
            Recompute();
        }
        _appliedLink = query.Link();
        Navigation.NavigateTo(_appliedLink, new NavigationOptions { ReplaceHistoryEntry = true });
    }

    /// <summary>Selected runs that are still training (or have just ended) are read again, so their lines grow as they train.</summary>
    private void FollowRunningRuns()
    {
        if (Interlocked.Exchange(ref _following, 1) == 1) return;
        try
        {
            // A run that ended since the last read is read once more, for the iterations it trained after it.
            string[] grown = [.. _selected.Where(id => _loaded.TryGetValue(id, out ComparedRun? seen) && Registry.Get(id) is { } now
                && (now.IsActive || now.Iteration != (seen.Iterations.Count == 0 ? 0 : seen.Iterations[^1].Iteration)))];
            if (grown.Length == 0) return;
            foreach (string id in grown) _loaded.Remove(id);
            Recompute();
            StateHasChanged();
        }
        finally
        {
            _following = 0;
        }
    }

    private void BuildPicker()
    {
        // Groups by what they ran and their seeds (the stored group name is a generated id unless someone chose it).
        (string? Group, IReadOnlyList<RunRecord> Runs)[] groups = [.. _all.Where(run => !string.IsNullOrWhiteSpace(run.Spec.Group))
            .GroupBy(run => run.Spec.Group!)
            .Select(group => ((string?)group.Key, (IReadOnlyList<RunRecord>)[.. group.OrderBy(run => run.Spec.Seed)]))];
        _groups = [.. groups.Zip(GroupLabels.Names(groups), (group, label) =>
        {
            string detail = $"{(group.Runs.Count == 1 ? "1 run" : $"{group.Runs.Count} runs")} · group {group.Group} · "
                + string.Join("; ", group.Runs.Select(run => run.Demonstrations).Distinct());
            return new PickItem("group:" + group.Group, label, detail, [.. group.Runs.Select(run => run.Id)], $"{label} {detail}");
        })];
        _runs = [.. _all.Select(run =>
        {
            string detail = $"{run.Spec.Algorithm} · seed {run.Spec.Seed} · {run.Demonstrations}"
                + (string.IsNullOrWhiteSpace(run.Spec.Group) ? "" : $" · {run.Spec.Group}");
            string label = string.IsNullOrWhiteSpace(run.Spec.Name) ? run.Id : run.Spec.Name;
            return new PickItem("run:" + run.Id, label, detail, [run.Id], $"{label} {run.Id} {detail}");
        })];
    }

    private bool Matches(PickItem item) =>
        string.IsNullOrWhiteSpace(_search)
        || _search.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(word => item.SearchText.Contains(word, StringComparison.OrdinalIgnoreCase));

    private bool? GroupState(PickItem group)
    {
        int chosen = group.RunIds.Count(_selected.Contains);
        return chosen == 0 ? false : chosen == group.RunIds.Count ? true : null;
    }

    private bool IsSelected(PickItem run) => _selected.Contains(run.RunIds[0]);

    private void OnSearchChanged(string? text) => _search = text;

    private void ToggleGroup(PickItem group)
    {
        // A partly selected group becomes wholly selected; a wholly selected one is cleared.
        if (GroupState(group) == true) _selected.RemoveAll(group.RunIds.Contains);
        else _selected.AddRange(group.RunIds.Where(id => !_selected.Contains(id)));
        Recompute();
        WriteLink();
    }

    private void SetRun(PickItem run, bool chosen)
    {
        string id = run.RunIds[0];
        if (chosen && !_selected.Contains(id)) _selected.Add(id);
        else if (!chosen) _selected.Remove(id);
        Recompute();
        WriteLink();
    }

    private void ClearSelection()
    {
        _selected.Clear();
        Recompute();
        WriteLink();
    }

    private void OnMetricChanged(string metric)
    {
        _metric = metric;
        Recompute();
        WriteLink();
    }

    private void OnAxisChanged(CompareAxis axis)
    {
        _axis = axis;
        Recompute();
        WriteLink();
    }

    private void OnByGroupChanged(bool byGroup)
    {
        _byGroupChoice = byGroup;
        Recompute();
        WriteLink();
    }

    private void OnSmoothingChanged(double smoothing)
    {
        _smoothing = smoothing;
        Recompute();
        WriteLink();
    }

    private void OnMoreMetricsChanged(IEnumerable<string> metrics)
    {
        _moreMetrics = [.. metrics.Where(metric => metric != _metric)];
        Recompute();
        WriteLink();
    }

    private void OnThresholdChanged(double? threshold)
    {
        _threshold = threshold;
        Recompute();
        WriteLink();
    }

    /// <summary>Reads the runs and their metrics again (runs that are still training have grown).</summary>
    private void Refresh()
    {
        _loaded.Clear();
        _all = Registry.List();
        BuildPicker();
        _selected.RemoveAll(id => _all.All(run => run.Id != id));
        Recompute();
    }

    private void Recompute()
    {
        foreach (string id in _selected.Where(id => !_loaded.ContainsKey(id)).ToArray())
            if (Registry.Get(id) is { } run) _loaded[id] = new ComparedRun(run, Registry.Metrics(id));
        ComparedRun[] runs = [.. _selected.Where(_loaded.ContainsKey).Select(id => _loaded[id])];
        _metrics = RunComparison.MetricNamesOf(runs);
        if (!_metrics.Contains(_metric) && _metrics.Count > 0)
            _metric = _metrics.Contains(MetricNames.EpisodicReturn) ? MetricNames.EpisodicReturn : _metrics[0];
        _comparison = RunComparison.Build(runs, new CompareOptions(_metric, _axis, _threshold, CompareChart.Smoothing(_smoothing)));
        _series = ByGroup ? [] : CompareChart.RunLines(_comparison);
        _bands = ByGroup ? CompareChart.GroupBands(_comparison) : null;
        _markers = CompareChart.EventMarkers(runs, _axis);
        var panels = new List<MetricPanel> { new(_metric, ChartId, _series, _bands) };
        foreach ((string metric, int index) in _moreMetrics.Where(_metrics.Contains).Select((metric, index) => (metric, index)))
        {
            Comparison more = RunComparison.Build(runs, new CompareOptions(metric, _axis, null, CompareChart.Smoothing(_smoothing)));
            panels.Add(new MetricPanel(metric, $"{ChartId}-{index + 2}", ByGroup ? [] : CompareChart.RunLines(more), ByGroup ? CompareChart.GroupBands(more) : null));
        }
        _panels = panels;
    }

    /// <summary>The chart of <paramref name="panel"/> as a PNG at publication size, its title above and its legend beneath.</summary>
    private async Task DownloadPngAsync(MetricPanel panel)
    {
        try
        {
            string title = panel.Metric == _metric ? PngTitle : PngTitle.Replace(_metric, panel.Metric, StringComparison.Ordinal);
            await ChartExport.DownloadPngAsync(JS, panel.ChartId, PlotlyText.Escape(title),
                Path.GetFileNameWithoutExtension(CompareEndpoints.CsvFileName(panel.Metric)) + ".png", PngWidth, PngHeight, PngScale);
        }
        catch (JSException)
        {
            Snackbar.Add("The chart is not drawn yet: try again in a moment.", Severity.Warning);
        }
    }

    private static string FinalReturnText(SummaryRow row) => row.FinalReturn switch
    {
        null => "–",
        double mean when row.FinalReturnMargin is > 0 => $"{mean:0.00} ± {row.FinalReturnMargin:0.00}",
        double mean => mean.ToString("0.00"),
    };

    private static string StepsText(ThresholdReached? reached) =>
        reached?.Steps is { } steps ? steps.ToString("N0") : "not reached";

    private static string SecondsText(ThresholdReached? reached) =>
        reached?.Seconds is { } seconds ? TimeText(seconds) : "not reached";

    private static string TimeText(double seconds) =>
        TimeSpan.FromSeconds(Math.Round(seconds)) is var time && time.TotalHours >= 1
            ? $"{(int)time.TotalHours}:{time:mm\\:ss}"
            : time.ToString(@"m\:ss");
}
