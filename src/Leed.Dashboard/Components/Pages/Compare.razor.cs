// The Compare page: pick runs or seed groups, overlay their curves (or group means with 95% bands), summarise, export.
using Leed.Components.Views;
using Leed.Dashboard.Compare;
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Leed.Dashboard.Components.Pages;

public partial class Compare
{
    public const string ChartId = "compare-chart";
    private const int MaxListed = 200;

    /// <summary>One entry of the run picker: a seed group (all its runs) or a single run.</summary>
    private sealed record PickItem(string Key, string Label, string Detail, IReadOnlyList<string> RunIds, string SearchText);

    [Inject] private RunRegistry Registry { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    /// <summary>Run ids to preselect, comma-separated (the Runs page links here with them).</summary>
    [SupplyParameterFromQuery(Name = "runs")] public string? RunIds { get; set; }

    /// <summary>Whole groups to preselect, comma-separated.</summary>
    [SupplyParameterFromQuery(Name = "groups")] public string? GroupNames { get; set; }

    private IReadOnlyList<RunRecord> _all = [];
    private IReadOnlyList<PickItem> _groups = [], _runs = [];
    private readonly List<string> _selected = [];
    private IReadOnlyList<ChartMarker> _markers = [];
    private readonly Dictionary<string, ComparedRun> _loaded = [];
    private (string?, string?)? _appliedQuery;
    private string? _search, _problem;
    private string _metric = MetricNames.EpisodicReturn;
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

    private string CsvFileName => CompareEndpoints.CsvFileName(_metric);

    private string WideCsvFileName => CompareEndpoints.CsvFileName(null);

    private string ChartCaption => ByGroup
        ? "Each line is a group's mean over its selected seeds (smoothed first); the band is the 95% Student-t confidence interval "
          + "of that mean, drawn only where every seed has data (seeds are interpolated linearly onto their shared x values). "
          + "A group of one seed has no band."
        : "Each line is one run; with smoothing above 0 the raw values are drawn faintly under the moving average.";

    protected override void OnInitialized()
    {
        _all = Registry.List();
        BuildPicker();
    }

    protected override void OnParametersSet()
    {
        // The link's selection applies when the page opens and whenever the link changes, not on every render.
        if (_appliedQuery == (RunIds, GroupNames)) return;
        _appliedQuery = (RunIds, GroupNames);
        CompareSelection selection = CompareSelection.Resolve(CompareSelection.Split(RunIds), CompareSelection.Split(GroupNames), _all);
        _problem = selection.Problem;
        _selected.Clear();
        _selected.AddRange(selection.Runs.Select(run => run.Id));
        Recompute();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
    }

    private void BuildPicker()
    {
        _groups = [.. _all.Where(run => !string.IsNullOrWhiteSpace(run.Spec.Group)).GroupBy(run => run.Spec.Group!)
            .Select(group =>
            {
                RunRecord[] runs = [.. group.OrderBy(run => run.Spec.Seed)];
                string seeds = runs.Length == 1 ? "1 seed" : $"{runs.Length} seeds";
                string detail = $"{seeds} · {string.Join(", ", runs.Select(run => run.Spec.Algorithm).Distinct())} · "
                    + string.Join("; ", runs.Select(run => run.Demonstrations).Distinct());
                return new PickItem("group:" + group.Key, $"{group.Key} ({seeds})", detail, [.. runs.Select(run => run.Id)],
                    $"{group.Key} {detail}");
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
    }

    private void SetRun(PickItem run, bool chosen)
    {
        string id = run.RunIds[0];
        if (chosen && !_selected.Contains(id)) _selected.Add(id);
        else if (!chosen) _selected.Remove(id);
        Recompute();
    }

    private void ClearSelection()
    {
        _selected.Clear();
        Recompute();
    }

    private void OnMetricChanged(string metric)
    {
        _metric = metric;
        Recompute();
    }

    private void OnAxisChanged(CompareAxis axis)
    {
        _axis = axis;
        Recompute();
    }

    private void OnByGroupChanged(bool byGroup)
    {
        _byGroupChoice = byGroup;
        Recompute();
    }

    private void OnSmoothingChanged(double smoothing)
    {
        _smoothing = smoothing;
        Recompute();
    }

    private void OnThresholdChanged(double? threshold)
    {
        _threshold = threshold;
        Recompute();
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
    }

    private async Task DownloadPngAsync()
    {
        try
        {
            // Plotly.Blazor loads plotly.js as the global Plotly, whose downloadImage saves a drawn chart found by its DOM id.
            await JS.InvokeAsync<string>("Plotly.downloadImage", ChartId,
                new { format = "png", filename = Path.GetFileNameWithoutExtension(CsvFileName) });
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
