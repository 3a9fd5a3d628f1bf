// Turns a figure's view record into Plotly traces and layout: the one place a static figure is styled, for the page and for PNG files written headless.
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

    public const int Width = 900, Height = 460;

    public static IList<ITrace> Traces(FigureView figure)
    {
        var traces = new List<ITrace>();
        // Reference lines span the other traces' x range (their own X only says where to start when there are none).
        double[] xs = [.. figure.Traces.Where(trace => trace.Kind != FigureTraceKind.Reference).SelectMany(trace => trace.X)];
        if (xs.Length == 0) xs = [.. figure.Traces.SelectMany(trace => trace.X)];
        for (int i = 0; i < figure.Traces.Count; i++)
        {
            FigureTrace trace = figure.Traces[i];
            string colour = Palette[i % Palette.Length];
            switch (trace.Kind)
            {
                case FigureTraceKind.Band:
                    traces.AddRange(Band(trace.Name, trace.Name, trace.X, trace.Y, trace.Lower ?? trace.Y, trace.Upper ?? trace.Y, colour));
                    break;
                case FigureTraceKind.Reference when xs.Length > 0 && trace.Y.Length > 0:
                    traces.Add(new Scatter
                    {
                        Name = Charts.PlotlyText.Escape(trace.Name), Mode = ModeFlag.Lines, X = [xs.Min(), xs.Max()], Y = [trace.Y[0], trace.Y[0]],
                        Line = new Line { Color = colour, Width = 1.5m, Dash = "dash" },
                    });
                    break;
                case FigureTraceKind.Points:
                    var scatter = new Scatter
                    {
                        Name = Charts.PlotlyText.Escape(trace.Name), Mode = ModeFlag.Lines | ModeFlag.Markers, X = [.. trace.X.Cast<object>()], Y = [.. trace.Y.Cast<object>()],
                        Line = new Line { Color = colour, Width = 2 }, Marker = new Marker { Color = colour, Size = 8 },
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

    /// <summary>A mean line over its filled band: the upper edge, then the lower edge filled up to it, then the mean on top.</summary>
    public static IEnumerable<ITrace> Band(string key, string name, double[] x, double[] mean, double[] lower, double[] upper, string colour)
    {
        string fill = ToRgba(colour, 0.2);
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
            // A curve of one point is a marker, or nothing would show.
            Name = Charts.PlotlyText.Escape(name), LegendGroup = key, ShowLegend = true, Mode = x.Length == 1 ? ModeFlag.Markers : ModeFlag.Lines,
            X = [.. x.Cast<object>()], Y = [.. mean.Cast<object>()], Line = new Line { Color = colour, Width = 2 }, Marker = new Marker { Color = colour, Size = 8 },
        };
    }

    public static Layout Layout(FigureView figure)
    {
        Layout layout = BaseLayout(figure);
        if (figure.LogX)
        {
            // On a log axis Plotly labels every minor tick (5, 6, 7 ... 2, 3); label exactly the values plotted.
            object[] ticks = [.. figure.Traces.SelectMany(trace => trace.X).Distinct().Order().Cast<object>()];
            layout.XAxis[0].TickMode = Plotly.Blazor.LayoutLib.XAxisLib.TickModeEnum.Array;
            layout.XAxis[0].TickVals = ticks;
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
        Margin = new Plotly.Blazor.LayoutLib.Margin { L = 70, R = 20, T = 50, B = 60 },
        Height = Height,
        AutoSize = true,
    };

    /// <summary>
    /// The figure as the JSON plotly.js reads (<c>{"data": [...], "layout": {...}}</c>), built from the
    /// same traces and layout the page draws, serialised the way Plotly.Blazor sends them to the browser.
    /// </summary>
    public static string Json(FigureView figure)
    {
        Layout layout = Layout(figure);
        layout.Width = Width;
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
