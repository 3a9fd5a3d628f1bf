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
public sealed record FigureTrace(string Name, FigureTraceKind Kind, double[] X, double[] Y, double[]? Lower = null, double[]? Upper = null);

/// <summary>A figure: its DOM id (also its PNG file name), title, axis titles and traces.</summary>
public sealed record FigureView(string Id, string Title, string XTitle, string YTitle, IReadOnlyList<FigureTrace> Traces, bool LogX = false, string Caption = "")
{
    public bool IsEmpty => Traces.All(trace => trace.X.Length == 0);
}
