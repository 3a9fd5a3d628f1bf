// View records for static figures (a study's curves and its final-return plots): what to draw, independent of the charting library.
namespace Leed.Components.Views;

/// <summary>How a trace is drawn.</summary>
public enum FigureTraceKind
{
    /// <summary>A mean line over a filled band between <see cref="FigureTrace.Lower"/> and <see cref="FigureTrace.Upper"/>.</summary>
    Band,
    /// <summary>Points joined by a line, with error bars from <see cref="FigureTrace.Lower"/> to <see cref="FigureTrace.Upper"/> when given.</summary>
    Points,
    /// <summary>A dashed horizontal reference line at <see cref="FigureTrace.Y"/>[0] across the figure's x range.</summary>
    Reference,
}

/// <summary>One named trace; all arrays have one value per X (Lower and Upper may be null).</summary>
public sealed record FigureTrace(string Name, FigureTraceKind Kind, double[] X, double[] Y, double[]? Lower = null, double[]? Upper = null)
{
    /// <summary>The panel the trace is drawn in: an index into <see cref="FigureView.Panels"/> (0 in a figure of one plot).</summary>
    public int Panel { get; init; }

    /// <summary>
    /// The series the trace belongs to, for example its configuration's place in the study: the
    /// traces of one series share a colour and one legend entry in every panel (and every figure
    /// that numbers its series the same way). Null: a series of its own, numbered by its place.
    /// </summary>
    public int? Series { get; init; }
}

/// <summary>
/// A figure: its DOM id (also its PNG file name), title, axis titles and traces. With
/// <see cref="Panels"/> it is a grid of small multiples, one titled panel each, on a shared x range
/// (and y ranges as <see cref="PanelScales"/> says), with one legend for all of them.
/// </summary>
public sealed record FigureView(string Id, string Title, string XTitle, string YTitle, IReadOnlyList<FigureTrace> Traces, bool LogX = false, string Caption = "")
{
    /// <summary>The panels' titles, in reading order; empty for a figure of one plot.</summary>
    public IReadOnlyList<string> Panels { get; init; } = [];

    /// <summary>
    /// Per panel, which y range it shares: panels with the same number are drawn on one range (a
    /// study's team return grows with its agent count, so only panels of one count compare). Empty:
    /// every panel shares the first one's.
    /// </summary>
    public IReadOnlyList<int> PanelScales { get; init; } = [];

    /// <summary>How many plots the figure draws: one, or one per panel.</summary>
    public int PanelCount => Math.Max(1, Panels.Count);

    public bool IsEmpty => Traces.All(trace => trace.X.Length == 0);
}
