// The per-agent metric chart's logic: the band and the agents' lines, the heatmap, clicks on it, and throttled redraws as columns arrive.
using System.Globalization;
using Leed.Components.Grid;
using Leed.Components.Views;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using Plotly.Blazor.Interop;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using HeatMapColorBar = Plotly.Blazor.Traces.HeatMapLib.ColorBar;

namespace Leed.Components.Charts;

/// <summary>
/// A per-agent metric (LEED's expert-loss weight w_i) readable at 8, 20 or 100 agents. By default it
/// draws the mean over agents with the band between their 10% and 90% quantiles, and beneath it a
/// heatmap of agents x iterations; a click on a heatmap row, or the agent picker, adds (or removes)
/// that agent's own line, in the agent's colour on the city grid. Long runs are downsampled for
/// display (<see cref="Downsampling"/>). Columns arrive with <see cref="Append"/>; the charts are
/// redrawn at most once per <see cref="RedrawInterval"/>.
/// </summary>
public sealed partial class AgentSpreadChart : ComponentBase, IAsyncDisposable
{
    /// <summary>Heatmap columns drawn at most (iterations are averaged in runs beyond that).</summary>
    public const int HeatmapColumns = 300;

    private const string BandColour = "#1f77b4";

    /// <summary>The wrapper's id; the line chart is <c>{Id}-lines</c> and the heatmap <c>{Id}-heatmap</c>.</summary>
    [Parameter, EditorRequired] public string Id { get; set; } = "";

    /// <summary>How many agents the run has (rows of the heatmap, entries of the picker).</summary>
    [Parameter, EditorRequired] public int Agents { get; set; }

    /// <summary>The columns so far; a different list replaces what is drawn (later ones come through <see cref="Append"/>).</summary>
    [Parameter] public IReadOnlyList<AgentColumn> Columns { get; set; } = [];

    /// <summary>Said in the charts' place (they are hidden, no empty axes) while there is no column yet: why, and when there will be; null says nothing.</summary>
    [Parameter] public string? EmptyText { get; set; }

    /// <summary>The metric's short name, for the axis, the legend and the hover text (for example w_i).</summary>
    [Parameter] public string MetricLabel { get; set; } = "w_i";

    [Parameter] public string XAxisTitle { get; set; } = "environment steps";

    /// <summary>The line chart's height in CSS pixels; the heatmap's grows with the number of agents.</summary>
    [Parameter] public int Height { get; set; } = 280;

    [Parameter] public int MaxPointsPerLine { get; set; } = Downsampling.DefaultMaxPoints;

    [Parameter] public TimeSpan RedrawInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events drawn on the line chart as dashed vertical lines (x in environment steps), labelled at the top.</summary>
    [Parameter] public IReadOnlyList<ChartMarker>? Markers { get; set; }

    private PlotlyChart? _lines, _heatmap;
    private readonly List<AgentColumn> _columns = [];
    private IReadOnlyList<AgentColumn>? _builtFrom;
    private IReadOnlyList<ChartMarker>? _builtMarkers;
    private bool _markersChanged;
    private int _builtAgents = -1;
    private readonly List<ITrace> _lineTraces = [], _heatmapTraces = [];
    private readonly Layout _lineLayout = new() { AutoSize = true }, _heatmapLayout = new() { AutoSize = true };
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false };
    private IReadOnlyCollection<int> _shown = [];
    private DateTime _lastRedraw = DateTime.MinValue;
    private bool _plotted, _redrawScheduled, _subscribed, _disposed;

    private bool ShowsPlaceholder => EmptyText is not null && _columns.Count == 0;

    private string LinesId => $"{Id}-lines";
    private string HeatmapId => $"{Id}-heatmap";

    /// <summary>About 5 pixels per agent at 100 agents, more at few; never taller than the line chart is wide enough to read.</summary>
    private int HeatmapHeight => Math.Clamp(70 + Agents * 5, 200, 600);

    private string Caption =>
        $"Mean over {Agents} agents with the band holding the middle 80% of them (10% to 90% quantiles); the heatmap shows every agent. "
        + "Click a row of the heatmap, or pick agents, to draw their own lines.";

    private string ShownText => _shown.Any() ? string.Join(", ", _shown.Order().Select(agent => $"Agent_{agent}")) : "";

    protected override void OnParametersSet()
    {
        bool markersChanged = !ReferenceEquals(Markers, _builtMarkers);
        _builtMarkers = Markers;
        if (ReferenceEquals(Columns, _builtFrom) && Agents == _builtAgents)
        {
            // Only the markers moved: once drawn, the chart is redrawn after this render; before, the first plot takes them.
            if (markersChanged && _plotted) _markersChanged = true;
            else if (markersChanged) Rebuild();
            return;
        }
        _builtFrom = Columns;
        _builtAgents = Agents;
        _columns.Clear();
        _columns.AddRange(Columns);
        _shown = _shown.Where(agent => agent < Agents).ToArray();
        Rebuild();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The Plotly components draw their first plot themselves from the traces as they are now.
        if (firstRender) _plotted = true;
        else if (_markersChanged)
        {
            _markersChanged = false;
            await RedrawAsync();
        }
    }

    /// <summary>Adds iterations (call on the renderer's context); the charts follow within <see cref="RedrawInterval"/>.</summary>
    public async Task Append(IReadOnlyList<AgentColumn> columns)
    {
        if (_disposed || columns.Count == 0) return;
        bool wasEmpty = _columns.Count == 0;
        // Columns that do not continue the chart (a run continued from an earlier checkpoint, or
        // columns already read when the page opened) replace those from their iteration on.
        int from = columns[0].Iteration;
        if (_columns.Count > 0 && _columns[^1].Iteration >= from)
            _columns.RemoveAll(column => column.Iteration >= from);
        _columns.AddRange(columns);
        // Appends draw without rendering the component; the empty message must still go.
        if (wasEmpty && EmptyText is not null) StateHasChanged();
        TimeSpan since = DateTime.UtcNow - _lastRedraw;
        if (since >= RedrawInterval)
        {
            await RedrawAsync();
            return;
        }
        if (_redrawScheduled) return;
        _redrawScheduled = true;
        _ = Task.Delay(RedrawInterval - since).ContinueWith(_ => InvokeAsync(async () =>
        {
            _redrawScheduled = false;
            await RedrawAsync();
        }), TaskScheduler.Default);
    }

    private async Task OnPicked(IReadOnlyCollection<int> agents)
    {
        _shown = [.. agents];
        await RedrawAsync();
    }

    /// <summary>A click on the heatmap: the row's agent is drawn, or no longer drawn.</summary>
    private async void OnHeatmapClick(IEnumerable<EventDataPoint> points)
    {
        EventDataPoint? point = points.FirstOrDefault();
        if (point?.Y is null || !double.TryParse(Convert.ToString(point.Y, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out double y))
            return;
        int agent = (int)Math.Round(y);
        if (agent < 0 || agent >= Agents) return;
        await InvokeAsync(async () =>
        {
            _shown = _shown.Contains(agent) ? _shown.Where(a => a != agent).ToArray() : [.. _shown, agent];
            await RedrawAsync();
            StateHasChanged();
        });
    }

    /// <summary>Called by the heatmap once it is drawn: from then on its clicks come here.</summary>
    private async void SubscribeClicks()
    {
        if (_subscribed || _heatmap is null || _disposed) return;
        _subscribed = true;
        try
        {
            await _heatmap.SubscribeClickEvent();
        }
        catch (JSDisconnectedException)
        {
            // The browser left before the chart was drawn.
        }
    }

    private async Task RedrawAsync()
    {
        if (_disposed) return;
        Rebuild();
        _lastRedraw = DateTime.UtcNow;
        if (!_plotted || _lines is null || _heatmap is null) return;
        try
        {
            await _lines.React();
            await _heatmap.React();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; nothing left to draw on.
        }
    }

    private void Rebuild()
    {
        double[] x = [.. _columns.Select(column => column.X)];
        double[] mean = [.. _columns.Select(column => column.Mean)];
        int[] kept = x.Length > MaxPointsPerLine ? Downsampling.LargestTriangleThreeBuckets(x, mean, MaxPointsPerLine) : [.. Enumerable.Range(0, x.Length)];
        object[] keptX = [.. kept.Select(i => (object)x[i])];

        _lineTraces.Clear();
        _lineTraces.Add(new Scatter
        {
            Name = "90% quantile", LegendGroup = "band", ShowLegend = false, Mode = ModeFlag.Lines, HoverInfo = HoverInfoFlag.Skip,
            X = [.. keptX], Y = [.. kept.Select(i => (object)_columns[i].Upper)], Line = new Line { Width = 0, Color = BandColour },
        });
        _lineTraces.Add(new Scatter
        {
            Name = "10% to 90% of agents", LegendGroup = "band", Mode = ModeFlag.Lines, HoverInfo = HoverInfoFlag.Skip,
            X = [.. keptX], Y = [.. kept.Select(i => (object)_columns[i].Lower)], Line = new Line { Width = 0, Color = BandColour },
            Fill = FillEnum.ToNextY, FillColor = "rgba(31, 119, 180, 0.2)",
        });
        _lineTraces.Add(new Scatter
        {
            Name = "mean over agents", LegendGroup = "mean", Mode = Figures.PlotlyFigure.LineMode(keptX.Length),
            X = [.. keptX], Y = [.. kept.Select(i => (object)mean[i])], Line = new Line { Width = 2, Color = BandColour },
            Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = BandColour, Size = 8 },
        });
        foreach (int agent in _shown.Order())
        {
            double[] values = [.. _columns.Select(column => agent < column.Values.Length ? column.Values[agent] : double.NaN)];
            int[] own = x.Length > MaxPointsPerLine ? Downsampling.LargestTriangleThreeBuckets(x, values, MaxPointsPerLine) : kept;
            _lineTraces.Add(new Scatter
            {
                Name = $"Agent_{agent}", LegendGroup = $"agent-{agent}", Mode = Figures.PlotlyFigure.LineMode(own.Length),
                X = [.. own.Select(i => (object)x[i])], Y = [.. own.Select(i => (object)values[i])],
                Line = new Line { Width = 1.5m, Color = AgentPalette.Colour(agent) },
                Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = AgentPalette.Colour(agent), Size = 6 },
            });
        }
        _lineLayout.XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = XAxisTitle } }];
        _lineLayout.YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = MetricLabel } }];
        // Room above the plot for the markers' labels when there are any.
        _lineLayout.Margin = new Plotly.Blazor.LayoutLib.Margin { L = 60, R = 20, T = _builtMarkers is { Count: > 0 } ? 24 : 10, B = 45 };
        _lineLayout.Height = Height;
        _lineLayout.Shapes = MarkerShapes.Of(_builtMarkers);
        // Beneath the plot, so that the plot keeps the panel's width whatever the number of agents shown.
        _lineLayout.Legend = [new Plotly.Blazor.LayoutLib.Legend
        {
            Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = -0.3m, X = 0, YAnchor = Plotly.Blazor.LayoutLib.LegendLib.YAnchorEnum.Top,
        }];

        // Heatmap: one row per agent (agent 0 at the top), columns averaged over runs of iterations beyond HeatmapColumns.
        double[] iterations = Downsampling.BucketMeans([.. _columns.Select(column => (double)column.Iteration)], HeatmapColumns);
        var rows = new object[Agents];
        for (int agent = 0; agent < Agents; agent++)
        {
            double[] row = Downsampling.BucketMeans([.. _columns.Select(column => agent < column.Values.Length ? column.Values[agent] : double.NaN)], HeatmapColumns);
            rows[agent] = row.Select(value => double.IsNaN(value) ? null : (object)value).ToArray();
        }
        _heatmapTraces.Clear();
        _heatmapTraces.Add(new HeatMap
        {
            Name = MetricLabel,
            X = [.. iterations.Select(value => (object)Math.Round(value, 1))],
            Y = [.. Enumerable.Range(0, Agents).Select(agent => (object)agent)],
            Z = rows,
            ColorScale = "Viridis",
            ColorBar = new HeatMapColorBar { Title = new Plotly.Blazor.Traces.HeatMapLib.ColorBarLib.Title { Text = MetricLabel }, Thickness = 12 },
            HoverTemplate = $"Agent_%{{y}}<br>iteration %{{x}}<br>{MetricLabel} %{{z:.3f}}<extra></extra>",
        });
        _heatmapLayout.XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "iteration" } }];
        _heatmapLayout.YAxis = [new Plotly.Blazor.LayoutLib.YAxis
        {
            Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "agent" },
            AutoRange = Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.Reversed,
        }];
        _heatmapLayout.Margin = new Plotly.Blazor.LayoutLib.Margin { L = 60, R = 20, T = 10, B = 45 };
        _heatmapLayout.Height = HeatmapHeight;
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }
}
