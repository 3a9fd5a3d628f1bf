// Turns a figure's view record into Plotly traces and layout (one plot, or small multiples in a grid): the one place a static figure is styled, for the page and for PNG files written headless.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Leed.Components.Views;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using XAxisTitle = Plotly.Blazor.LayoutLib.XAxisLib.Title;
using YAxisTitle = Plotly.Blazor.LayoutLib.YAxisLib.Title;

namespace Leed.Components.Figures;

public static class PlotlyFigure
{
    /// <summary>Tableau 10, the palette TensorBoard and matplotlib users know.</summary>
    public static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>Line styles of the series past the palette: the 11th series is the first colour dotted, and so on.</summary>
    private static readonly string[] Dashes = ["solid", "dot", "dashdot", "longdash"];

    /// <summary>The size of a figure of one plot, in CSS pixels (its PNG doubles it).</summary>
    public const int Width = 900, Height = 460;

    /// <summary>Small multiples: panels side by side at most, and the height of one row of them in pixels.</summary>
    public const int MaxColumns = 3, PanelHeight = 260;

    // Small multiples' margins and gaps in pixels: the top holds the title and the first row's panel titles,
    // a gap between rows the row's x tick labels and the next row's panel titles.
    private const int PanelsTop = 90, PanelsBottom = 60, RowGap = 70;
    private const double ColumnGap = 0.04;

    /// <summary>Rows and columns of the figure's panels: up to three a row, four as two by two.</summary>
    public static (int Rows, int Columns) Grid(FigureView figure)
    {
        int panels = figure.PanelCount;
        int columns = panels <= MaxColumns ? panels : panels == 4 ? 2 : MaxColumns;
        return ((panels + columns - 1) / columns, columns);
    }

    /// <summary>The size the figure is drawn at: one plot at <see cref="Width"/> x <see cref="Height"/>, small multiples wider and taller with their grid.</summary>
    public static (int Width, int Height) Size(FigureView figure)
    {
        // Tall enough for the legend too: Plotly cuts off the entries that do not fit between the margins.
        int legend = LegendEntries(figure) * LegendEntryHeight + 16;
        if (figure.Panels.Count == 0) return (Width, Math.Max(Height, OneTop + OneBottom + legend));
        (int rows, int columns) = Grid(figure);
        return (Width + (columns - 1) * 300, PanelsTop + PanelsBottom + Math.Max(rows * PanelHeight + (rows - 1) * RowGap, legend));
    }

    // A legend entry's height at Plotly's default font; a plot's top and bottom margins.
    private const int LegendEntryHeight = 24, OneTop = 50, OneBottom = 60;

    /// <summary>Entries the legend shows: one per series.</summary>
    private static int LegendEntries(FigureView figure) =>
        figure.Traces.Select((trace, i) => trace.Series ?? i).Distinct().Count();

    public static IList<ITrace> Traces(FigureView figure)
    {
        var traces = new List<ITrace>();
        var inLegend = new HashSet<int>();
        for (int i = 0; i < figure.Traces.Count; i++)
        {
            FigureTrace trace = figure.Traces[i];
            int series = trace.Series ?? i;
            string colour = Palette[series % Palette.Length], dash = Dashes[series / Palette.Length % Dashes.Length];
            string group = $"series-{series}";
            // One legend entry per series, however many panels draw it.
            bool legend = inLegend.Add(series);
            string name = Charts.PlotlyText.Escape(trace.Name);
            (string xAxis, string yAxis) = Axes(figure, trace.Panel);
            switch (trace.Kind)
            {
                case FigureTraceKind.Band:
                    double alpha = figure.Traces.Count(other => other.Panel == trace.Panel && other.Kind == FigureTraceKind.Band) > 4 ? 0.12 : 0.2;
                    foreach (Scatter part in Band(group, trace.Name, trace.X, trace.Y, trace.Lower ?? trace.Y, trace.Upper ?? trace.Y, colour, alpha).Cast<Scatter>())
                    {
                        (part.XAxis, part.YAxis) = (xAxis, yAxis);
                        if (part.ShowLegend == true)
                        {
                            part.ShowLegend = legend;
                            part.Line.Dash = dash;
                        }
                        traces.Add(part);
                    }
                    break;
                case FigureTraceKind.Reference when trace.Y.Length > 0 && ReferenceRange(figure, trace) is { } range:
                    traces.Add(new Scatter
                    {
                        Name = name, LegendGroup = group, ShowLegend = legend, XAxis = xAxis, YAxis = yAxis,
                        Mode = ModeFlag.Lines, X = [range.Min, range.Max], Y = [trace.Y[0], trace.Y[0]],
                        Line = new Line { Color = colour, Width = 1.5m, Dash = "dash" },
                    });
                    break;
                case FigureTraceKind.Points:
                    var scatter = new Scatter
                    {
                        Name = name, LegendGroup = group, ShowLegend = legend, XAxis = xAxis, YAxis = yAxis,
                        Mode = ModeFlag.Lines | ModeFlag.Markers, X = [.. trace.X.Cast<object>()], Y = [.. trace.Y.Cast<object>()],
                        Line = new Line { Color = colour, Width = 2, Dash = dash }, Marker = new Marker { Color = colour, Size = 8 },
                    };
                    if (trace.Lower is { } lower && trace.Upper is { } upper)
                    {
                        scatter.ErrorY = new ErrorY
                        {
                            Type = Plotly.Blazor.Traces.ScatterLib.ErrorYLib.TypeEnum.Data, Symmetric = false, Color = colour, Visible = true,
                            Array = [.. upper.Zip(trace.Y, (u, y) => (object)(u - y))], ArrayMinus = [.. lower.Zip(trace.Y, (l, y) => (object)(y - l))],
                        };
                    }
                    traces.Add(scatter);
                    break;
            }
        }
        return traces;
    }

    /// <summary>A reference line spans the other traces' x range in its panel (its own X only says where to start when there are none).</summary>
    private static (double Min, double Max)? ReferenceRange(FigureView figure, FigureTrace reference)
    {
        double[] xs = [.. figure.Traces.Where(trace => trace.Panel == reference.Panel && trace.Kind != FigureTraceKind.Reference).SelectMany(trace => trace.X)];
        if (xs.Length == 0) xs = [.. figure.Traces.Where(trace => trace.Panel == reference.Panel).SelectMany(trace => trace.X)];
        return xs.Length == 0 ? null : (xs.Min(), xs.Max());
    }

    /// <summary>The y range a panel shares (<see cref="FigureView.PanelScales"/>; 0 where it says none).</summary>
    private static int ScaleOf(FigureView figure, int panel) => figure.PanelScales.Count > panel ? figure.PanelScales[panel] : 0;

    /// <summary>Plotly's names of a panel's axes: <c>x</c> and <c>y</c> for the first, <c>x2</c> and <c>y2</c> for the second, and so on.</summary>
    private static (string X, string Y) Axes(FigureView figure, int panel)
    {
        string suffix = figure.Panels.Count == 0 || panel <= 0 ? "" : (panel + 1).ToString(CultureInfo.InvariantCulture);
        return ("x" + suffix, "y" + suffix);
    }

    /// <summary>How a line of <paramref name="points"/> points is drawn: a curve of one point is a marker, or nothing would show.</summary>
    public static ModeFlag LineMode(int points) => points == 1 ? ModeFlag.Markers : ModeFlag.Lines;

    /// <summary>A mean line over its filled band: the upper edge, then the lower edge filled up to it, then the mean on top.</summary>
    public static IEnumerable<ITrace> Band(string key, string name, double[] x, double[] mean, double[] lower, double[] upper, string colour, double alpha = 0.2)
    {
        string fill = ToRgba(colour, alpha);
        yield return new Scatter
        {
            Name = Charts.PlotlyText.Escape(name + " (upper)"), LegendGroup = key, ShowLegend = false, Mode = ModeFlag.Lines,
            X = [.. x.Cast<object>()], Y = [.. upper.Cast<object>()], Line = new Line { Width = 0, Color = colour }, HoverInfo = HoverInfoFlag.Skip,
        };
        yield return new Scatter
        {
            Name = Charts.PlotlyText.Escape(name + " (lower)"), LegendGroup = key, ShowLegend = false, Mode = ModeFlag.Lines,
            X = [.. x.Cast<object>()], Y = [.. lower.Cast<object>()], Line = new Line { Width = 0, Color = colour },
            Fill = FillEnum.ToNextY, FillColor = fill, HoverInfo = HoverInfoFlag.Skip,
        };
        yield return new Scatter
        {
            Name = Charts.PlotlyText.Escape(name), LegendGroup = key, ShowLegend = true, Mode = LineMode(x.Length),
            X = [.. x.Cast<object>()], Y = [.. mean.Cast<object>()], Line = new Line { Color = colour, Width = 2 }, Marker = new Marker { Color = colour, Size = 8 },
        };
    }

    public static Layout Layout(FigureView figure)
    {
        Layout layout = figure.Panels.Count == 0 ? BaseLayout(figure) : PanelsLayout(figure);
        if (figure.LogX)
        {
            // On a log axis Plotly labels every minor tick (5, 6, 7 ... 2, 3); label exactly the values plotted.
            object[] ticks = [.. figure.Traces.SelectMany(trace => trace.X).Distinct().Order().Cast<object>()];
            foreach (Plotly.Blazor.LayoutLib.XAxis axis in layout.XAxis)
            {
                axis.TickMode = Plotly.Blazor.LayoutLib.XAxisLib.TickModeEnum.Array;
                axis.TickVals = ticks;
            }
        }
        return layout;
    }

    private static Layout BaseLayout(FigureView figure) => new()
    {
        Title = new Plotly.Blazor.LayoutLib.Title { Text = Charts.PlotlyText.Escape(figure.Title) },
        XAxis = [new Plotly.Blazor.LayoutLib.XAxis
        {
            Title = new XAxisTitle { Text = Charts.PlotlyText.Escape(figure.XTitle) },
            Type = figure.LogX ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Linear,
        }],
        YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new YAxisTitle { Text = Charts.PlotlyText.Escape(figure.YTitle) } }],
        Legend = [new Plotly.Blazor.LayoutLib.Legend { TraceGroupGap = 4 }],
        Margin = new Plotly.Blazor.LayoutLib.Margin { L = 70, R = 20, T = OneTop, B = OneBottom },
        Height = Size(figure).Height,
        AutoSize = true,
    };

    /// <summary>
    /// Small multiples: one pair of axes per panel in a grid, every panel on the first one's x range
    /// and on the y range of the first panel of its scale (so heights compare across those panels),
    /// the panel's title above it, y tick labels where the panel to the left has another range (or
    /// there is none), y titles on the left column and x titles under each column's lowest panel,
    /// and one legend beside them all.
    /// </summary>
    private static Layout PanelsLayout(FigureView figure)
    {
        (int rows, int columns) = Grid(figure);
        int height = Size(figure).Height;
        double plotHeight = height - PanelsTop - PanelsBottom;
        double rowGap = RowGap / plotHeight, panelHeight = (1 - (rows - 1) * rowGap) / rows;
        double panelWidth = (1 - (columns - 1) * ColumnGap) / columns;
        var xAxes = new List<Plotly.Blazor.LayoutLib.XAxis>();
        var yAxes = new List<Plotly.Blazor.LayoutLib.YAxis>();
        var titles = new List<Plotly.Blazor.LayoutLib.Annotation>();
        int panels = figure.Panels.Count;
        for (int panel = 0; panel < panels; panel++)
        {
            int row = panel / columns, column = panel % columns;
            double left = column * (panelWidth + ColumnGap), top = 1 - row * (panelHeight + rowGap);
            (string x, string y) = Axes(figure, panel);
            bool lowestInColumn = panel + columns >= panels;
            // The first panel of the same scale, whose y range this one takes; its own when it is the first.
            int scale = ScaleOf(figure, panel);
            int first = Enumerable.Range(0, panel + 1).First(other => ScaleOf(figure, other) == scale);
            bool ownRange = first == panel, leftOfRange = column == 0 || ScaleOf(figure, panel - 1) != scale;
            xAxes.Add(new Plotly.Blazor.LayoutLib.XAxis
            {
                Domain = [left, left + panelWidth], Anchor = y, Matches = panel == 0 ? null : "x",
                Title = lowestInColumn ? new XAxisTitle { Text = Charts.PlotlyText.Escape(figure.XTitle) } : null,
                Type = figure.LogX ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Linear,
            });
            yAxes.Add(new Plotly.Blazor.LayoutLib.YAxis
            {
                Domain = [top - panelHeight, top], Anchor = x, Matches = ownRange ? null : Axes(figure, first).Y, ShowTickLabels = leftOfRange,
                Title = column == 0 ? new YAxisTitle { Text = Charts.PlotlyText.Escape(figure.YTitle) } : null,
            });
            titles.Add(new Plotly.Blazor.LayoutLib.Annotation
            {
                Text = Charts.PlotlyText.Escape(figure.Panels[panel]), ShowArrow = false, XRef = "paper", YRef = "paper",
                X = left + panelWidth / 2, Y = top, XAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Center,
                YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Bottom,
                Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Size = 13 },
            });
        }
        return new Layout
        {
            Title = new Plotly.Blazor.LayoutLib.Title { Text = Charts.PlotlyText.Escape(figure.Title) },
            XAxis = xAxes,
            YAxis = yAxes,
            Annotations = titles,
            Legend = [new Plotly.Blazor.LayoutLib.Legend { TraceGroupGap = 4 }],
            Margin = new Plotly.Blazor.LayoutLib.Margin { L = 70, R = 20, T = PanelsTop, B = PanelsBottom },
            Height = height,
            AutoSize = true,
        };
    }

    /// <summary>
    /// The figure as the JSON plotly.js reads (<c>{"data": [...], "layout": {...}}</c>), built from the
    /// same traces and layout the page draws, serialised the way Plotly.Blazor sends them to the browser.
    /// </summary>
    public static string Json(FigureView figure)
    {
        Layout layout = Layout(figure);
        layout.Width = Size(figure).Width;
        // The library's own converters (its types carry them); objects are written as their runtime types.
        var options = new JsonSerializerOptions { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = { new EnumConverter() } };
        string data = "[" + string.Join(",", Traces(figure).Select(trace => JsonSerializer.Serialize(trace, trace.GetType(), options))) + "]";
        return $"{{\"data\":{data},\"layout\":{JsonSerializer.Serialize(layout, options)}}}";
    }

    public static string ToRgba(string hex, double alpha)
    {
        int r = Convert.ToInt32(hex.Substring(1, 2), 16), g = Convert.ToInt32(hex.Substring(3, 2), 16), b = Convert.ToInt32(hex.Substring(5, 2), 16);
        return string.Create(CultureInfo.InvariantCulture, $"rgba({r}, {g}, {b}, {alpha})");
    }
}
