// View records for the charts: whole series, appended points, and mean-with-band series.
namespace Leed.Components.Views;

/// <summary>One point of a line; X is usually environment steps.</summary>
public readonly record struct SeriesPoint(double X, double Y);

/// <summary>A named line; <paramref name="Key"/> identifies it across appends (for example a metric name).</summary>
public sealed record ChartSeries(string Key, string Name, IReadOnlyList<SeriesPoint> Points);

/// <summary>Points to append to the series with the same <paramref name="Key"/>.</summary>
public sealed record SeriesDelta(string Key, IReadOnlyList<SeriesPoint> NewPoints);

/// <summary>
/// A mean line with a filled band between <paramref name="Lower"/> and <paramref name="Upper"/>
/// (for example a confidence interval across seeds); all four arrays have one value per X.
/// </summary>
public sealed record BandSeries(string Key, string Name, double[] X, double[] Mean, double[] Lower, double[] Upper);

/// <summary>Something that happened at <paramref name="X"/> (for example a demonstration switch), drawn as a dashed vertical line with its label.</summary>
public sealed record ChartMarker(double X, string Label);
