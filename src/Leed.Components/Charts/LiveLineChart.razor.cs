// The live line chart's logic: builds Plotly traces from view records, extends them on append, redraws only when the set of lines changes.
using System.Globalization;
using Leed.Components.Views;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using XAxisTitle = Plotly.Blazor.LayoutLib.XAxisLib.Title;
using YAxisTitle = Plotly.Blazor.LayoutLib.YAxisLib.Title;

namespace Leed.Components.Charts;

/// <summary>
/// A line chart for learning curves that grow while a run trains. New points arrive through
/// <see cref="AppendAsync"/> (on the renderer's context) or <see cref="Post"/> (from any thread,
/// throttled); both only extend the plotted traces. The whole chart is redrawn only when the set
/// of series, the bands, the axis titles, the height or the smoothing change. With smoothing above
/// zero each series is drawn twice: the raw values faint, the TensorBoard-style moving average on top.
/// A line or band longer than <see cref="MaxPointsPerLine"/> is drawn downsampled
/// (<see cref="Downsampling.LargestTriangleThreeBuckets"/>, the moving average computed on every point
/// first); appended points are drawn as they come until a line has twice that many, then the chart is
/// downsampled again. The series given keep every point. A line's x values grow: appended points
/// at or before a line's last x replace the line from there on (one redraw), never a line drawn back.
/// </summary>
public sealed partial class LiveLineChart : ComponentBase, IAsyncDisposable
{
    private static readonly string[] Palette = Figures.PlotlyFigure.Palette;

    /// <summary>The DOM id of the chart's element, so tests and scripts can find it.</summary>
    [Parameter, EditorRequired] public string Id { get; set; } = "";

    /// <summary>
    /// The initial lines. A list with a different set of keys or names replaces everything drawn;
    /// the same keys again leave the appended data alone.
    /// </summary>
    [Parameter] public IReadOnlyList<ChartSeries> Series { get; set; } = [];

    /// <summary>Mean lines with filled bands (for example across seeds), drawn under the series.</summary>
    [Parameter] public IReadOnlyList<BandSeries>? Bands { get; set; }

    /// <summary>Moving-average weight in [0, 0.99]; 0 draws the raw values only.</summary>
    [Parameter] public double Smoothing { get; set; }

    [Parameter] public string XAxisTitle { get; set; } = "environment steps";

    [Parameter] public string YAxisTitle { get; set; } = "";

    /// <summary>The chart's height in CSS pixels.</summary>
    [Parameter] public int Height { get; set; } = 320;

    /// <summary>The legend beneath the plot rather than beside it, so a narrow chart (a small multiple) keeps its width for the plot.</summary>
    [Parameter] public bool LegendBelow { get; set; }

    /// <summary>Points drawn per line (and per band) at most; longer ones are downsampled for display.</summary>
    [Parameter] public int MaxPointsPerLine { get; set; } = Downsampling.DefaultMaxPoints;

    /// <summary>Events drawn as dashed vertical lines across the plot, labelled at the top.</summary>
    [Parameter] public IReadOnlyList<ChartMarker>? Markers { get; set; }

    /// <summary>
    /// Said while no line or band has a point, e.g. why there is nothing yet and when there will be; null
    /// says nothing. While the chart has no point at all it is said in the chart's place (a placeholder
    /// of the chart's size, no empty axes); while only other lines than <see cref="EmptyKeys"/> have
    /// points, above the chart. It goes, and the chart shows, as soon as the points it is about arrive.
    /// </summary>
    [Parameter] public string? EmptyText { get; set; }

    /// <summary>
    /// The lines <see cref="EmptyText"/> is about: it shows while none of them has a point, even if
    /// other lines have some (a chart whose lines arrive at different times). Null: every line and band.
    /// </summary>
    [Parameter] public IReadOnlyCollection<string>? EmptyKeys { get; set; }

    /// <summary>The least time between two pushes of points posted with <see cref="Post"/>; read once.</summary>
    [Parameter] public TimeSpan PushInterval { get; set; } = ThrottledPush.DefaultInterval;

    private sealed class Line(string key, string name, List<SeriesPoint> points)
    {
        public string Key { get; } = key;
        public string Name { get; } = name;
        public List<SeriesPoint> Points { get; } = points;
        public int RawTrace { get; set; }
        public int SmoothedTrace { get; set; } = -1;
        public EmaState Ema { get; set; }
        /// <summary>How many points the raw trace holds (fewer than <see cref="Points"/> when downsampled).</summary>
        public int Drawn { get; set; }
    }

    private PlotlyChart? _chart;
    private readonly List<ITrace> _traces = [];
    private readonly Layout _layout = new() { AutoSize = true };
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false };
    private readonly List<Line> _lines = [];
    private ThrottledPush? _throttle;
    private bool _plotted;
    private bool _redrawPending;
    private bool _disposed;

    // What the current traces were built from.
    private IReadOnlyList<ChartSeries>? _builtSeries;
    private IReadOnlyList<BandSeries>? _builtBands;
    private IReadOnlyList<ChartMarker>? _builtMarkers;
    private double _builtWeight = -1;
    private (string X, string Y, int Height, bool LegendBelow) _builtLayout;
    private int _builtMaxPoints;

    private double Weight => Math.Clamp(Smoothing, 0, Charts.Smoothing.MaxWeight);

    private bool HasPoints => EmptyKeys is { } keys
        ? _lines.Any(line => keys.Contains(line.Key) && line.Points.Count > 0)
        : HasAnyPoint;

    private bool HasAnyPoint => _lines.Any(line => line.Points.Count > 0) || (Bands ?? []).Any(band => band.X.Length > 0);

    /// <summary>Nothing to draw and something to say: the placeholder stands where the (hidden) chart is.</summary>
    private bool ShowsPlaceholder => EmptyText is not null && !HasAnyPoint;

    protected override void OnInitialized()
    {
        _throttle = new ThrottledPush(AppendAsync, InvokeAsync, PushInterval, OnPushFailed);
    }

    protected override void OnParametersSet()
    {
        var seriesChanged = !ReferenceEquals(Series, _builtSeries) && !SameLines(Series, _lines);
        if (seriesChanged)
        {
            _lines.Clear();
            foreach (var s in Series)
                _lines.Add(new Line(s.Key, s.Name, [.. s.Points]));
        }
        _builtSeries = Series;

        if (seriesChanged || !ReferenceEquals(Bands, _builtBands) || !ReferenceEquals(Markers, _builtMarkers) || Weight != _builtWeight
            || _builtLayout != (XAxisTitle, YAxisTitle, Height, LegendBelow) || _builtMaxPoints != MaxPointsPerLine)
        {
            _builtBands = Bands;
            _builtMarkers = Markers;
            _builtWeight = Weight;
            _builtLayout = (XAxisTitle, YAxisTitle, Height, LegendBelow);
            _builtMaxPoints = MaxPointsPerLine;
            RebuildTraces();
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            // The Plotly component draws its first plot itself, from the traces as they are now.
            _plotted = true;
            _redrawPending = false;
            return;
        }
        if (_redrawPending)
            await RedrawAsync();
    }

    /// <summary>
    /// Appends points to the lines with the same keys by extending the plotted traces (no
    /// redraw). A key that is not drawn yet adds a line, which redraws the chart once.
    /// Call on the renderer's context; from other threads use <see cref="Post"/>.
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<SeriesDelta> deltas)
    {
        if (_disposed || deltas.Count == 0)
            return;
        var was = (HasPoints, HasAnyPoint);
        await ExtendAsync(deltas);
        // Appends draw without rendering the component; the message must still go and the chart show.
        if (EmptyText is not null && was != (HasPoints, HasAnyPoint))
            StateHasChanged();
    }

    private async Task ExtendAsync(IReadOnlyList<SeriesDelta> deltas)
    {

        var added = false;
        foreach (var delta in deltas)
        {
            if (_lines.All(l => l.Key != delta.Key))
            {
                _lines.Add(new Line(delta.Key, delta.Key, []));
                added = true;
            }
        }
        // A line's x grows. Points that do not continue it (a run continued from an earlier
        // checkpoint, or points already read when the page opened) replace its points from their
        // first x on; extending the trace would draw a stray line back to them.
        var rewound = false;
        foreach (var delta in deltas)
        {
            if (delta.NewPoints.Count == 0)
                continue;
            var line = _lines.First(l => l.Key == delta.Key);
            var from = delta.NewPoints[0].X;
            if (line.Points.Count > 0 && line.Points[^1].X >= from)
            {
                line.Points.RemoveAll(p => p.X >= from);
                rewound = true;
            }
        }
        // A line of one point is drawn as a marker (PlotlyFigure.LineMode); once it has more it is drawn again as a line.
        bool leavesOnePoint = deltas.Any(delta => delta.NewPoints.Count > 0 && _lines.First(l => l.Key == delta.Key).Points.Count == 1);
        if (added || rewound || leavesOnePoint)
        {
            foreach (var delta in deltas)
                _lines.First(l => l.Key == delta.Key).Points.AddRange(delta.NewPoints);
            RebuildTraces();
            await RedrawAsync();
            return;
        }

        var xs = new List<object[]>();
        var ys = new List<object[]>();
        var indices = new List<int>();
        var weight = Weight;
        foreach (var delta in deltas)
        {
            if (delta.NewPoints.Count == 0)
                continue;
            var line = _lines.First(l => l.Key == delta.Key);
            line.Points.AddRange(delta.NewPoints);
            line.Drawn += delta.NewPoints.Count;
            var x = delta.NewPoints.Select(p => (object)p.X).ToArray();
            xs.Add(x);
            ys.Add(delta.NewPoints.Select(p => (object)p.Y).ToArray());
            indices.Add(line.RawTrace);
            if (line.SmoothedTrace >= 0)
            {
                var smoothed = new double[delta.NewPoints.Count];
                line.Ema = Charts.Smoothing.Ema(line.Ema, delta.NewPoints.Select(p => p.Y).ToArray(), weight, smoothed);
                xs.Add(x);
                ys.Add(smoothed.Select(v => (object)v).ToArray());
                indices.Add(line.SmoothedTrace);
            }
        }
        if (indices.Count == 0)
            return;

        if (_lines.Any(line => line.Drawn > 2 * MaxPointsPerLine))
        {
            // Appended at full detail for a while; now downsample the whole line again.
            RebuildTraces();
            await RedrawAsync();
            return;
        }

        if (_chart is not null && _plotted)
        {
            // Plotly.Blazor extends its own copy of the trace data as well as the plot in the page.
            await _chart.ExtendTraces(xs, ys, indices);
        }
        else
        {
            // Not drawn yet: the first plot will pick these up.
            for (var i = 0; i < indices.Count; i++)
            {
                var trace = (Scatter)_traces[indices[i]];
                foreach (var x in xs[i])
                    trace.X.Add(x);
                foreach (var y in ys[i])
                    trace.Y.Add(y);
            }
        }
    }

    /// <summary>Queues points from any thread; they reach the chart at most once per <see cref="PushInterval"/>.</summary>
    public void Post(IReadOnlyList<SeriesDelta> deltas) => _throttle?.Post(deltas);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_throttle is not null)
            await _throttle.DisposeAsync();
    }

    private async Task RedrawAsync()
    {
        _redrawPending = false;
        if (_chart is null || !_plotted || _disposed)
        {
            _redrawPending = !_disposed;
            return;
        }
        try
        {
            await _chart.React();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; nothing left to draw on.
        }
    }

    private void RebuildTraces()
    {
        _traces.Clear();
        var colour = 0;
        foreach (var band in Bands ?? [])
            AddBand(band, Palette[colour++ % Palette.Length]);

        var weight = Weight;
        foreach (var line in _lines)
        {
            var c = Palette[colour++ % Palette.Length];
            var xs = line.Points.Select(p => p.X).ToArray();
            var ys = line.Points.Select(p => p.Y).ToArray();
            var (drawnX, drawnY) = Thin(xs, ys);
            line.RawTrace = _traces.Count;
            line.Drawn = drawnX.Length;
            _traces.Add(LineTrace(line.Key, line.Name, drawnX, drawnY, c,
                faint: weight > 0, showLegend: weight == 0));
            if (weight > 0)
            {
                var smoothed = new double[ys.Length];
                line.Ema = Charts.Smoothing.Ema(default, ys, weight, smoothed);
                line.SmoothedTrace = _traces.Count;
                var (smoothX, smoothY) = Thin(xs, smoothed);
                _traces.Add(LineTrace(line.Key, line.Name, smoothX, smoothY, c,
                    faint: false, showLegend: true));
            }
            else
            {
                line.SmoothedTrace = -1;
                line.Ema = default;
            }
        }

        _layout.XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new XAxisTitle { Text = PlotlyText.Escape(XAxisTitle) } }];
        _layout.YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new YAxisTitle { Text = PlotlyText.Escape(YAxisTitle) } }];
        _layout.Margin = new Plotly.Blazor.LayoutLib.Margin { L = 60, R = 20, T = 20, B = 50 };
        _layout.Height = Height;
        _layout.Shapes = MarkerShapes.Of(Markers);
        _layout.Legend = LegendBelow
            ? [new Plotly.Blazor.LayoutLib.Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, X = 0, Y = -0.25m, YAnchor = Plotly.Blazor.LayoutLib.LegendLib.YAnchorEnum.Top }]
            : null;
        _redrawPending = true;
    }

    /// <summary>The points to draw of a line: all of them, or a downsampled selection when there are too many.</summary>
    private (double[] X, double[] Y) Thin(double[] x, double[] y)
    {
        if (x.Length <= MaxPointsPerLine)
            return (x, y);
        var kept = Downsampling.LargestTriangleThreeBuckets(x, y, MaxPointsPerLine);
        return (Downsampling.Pick(x, kept), Downsampling.Pick(y, kept));
    }

    private void AddBand(BandSeries band, string colour)
    {
        if (band.X.Length > MaxPointsPerLine)
        {
            // The mean's shape decides which x values are drawn; the band's edges follow at the same x.
            var kept = Downsampling.LargestTriangleThreeBuckets(band.X, band.Mean, MaxPointsPerLine);
            band = band with
            {
                X = Downsampling.Pick(band.X, kept), Mean = Downsampling.Pick(band.Mean, kept),
                Lower = Downsampling.Pick(band.Lower, kept), Upper = Downsampling.Pick(band.Upper, kept),
            };
        }
        _traces.AddRange(Figures.PlotlyFigure.Band(band.Key, band.Name, band.X, band.Mean, band.Lower, band.Upper, colour));
    }

    private static Scatter LineTrace(string key, string name, IEnumerable<double> x, IEnumerable<double> y,
        string colour, bool faint, bool showLegend)
    {
        List<object> xs = [.. x.Cast<object>()]; // a list: Plotly.Blazor extends it in place
        return new()
        {
            // Names are the user's (run names, groups, tags): plain text, whatever they contain.
            Name = PlotlyText.Escape(name),
            LegendGroup = key,
            ShowLegend = showLegend,
            Mode = Figures.PlotlyFigure.LineMode(xs.Count),
            X = xs,
            // Drawn values go to the browser at single precision (7 significant digits, far below a pixel):
            // half the characters of a double, so a 20-run Compare's first plot carries half as much. Exports keep full precision.
            Y = [.. y.Select(value => (object)(float)value)],
            Opacity = faint ? 0.25m : 1m,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = colour, Width = faint ? 1 : 2 },
            Marker = new Plotly.Blazor.Traces.ScatterLib.Marker { Color = colour, Size = 8 },
        };
    }

    private static bool SameLines(IReadOnlyList<ChartSeries> series, List<Line> lines) =>
        series.Count == lines.Count
        && series.Zip(lines).All(pair => pair.First.Key == pair.Second.Key && pair.First.Name == pair.Second.Name);

    private void OnPushFailed(Exception error)
    {
        if (error is JSDisconnectedException || _disposed)
            return;
        // Surface it like any other component error (error boundary or the circuit's log).
        _ = InvokeAsync(() => DispatchExceptionAsync(error));
    }
}
