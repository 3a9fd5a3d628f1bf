// Turns a comparison into the chart component's view records (a line per run, or a mean with its band per group), and the charts' smoothing into a comparison's.
using System.Globalization;
using Leed.Components.Views;
using Leed.Engine.Analysis;
using Leed.Engine.Runs;
using EmaSmoothing = Leed.Components.Charts.Smoothing;

namespace Leed.Dashboard.Compare;

public static class CompareChart
{
    /// <summary>
    /// One line per run with its raw points (the chart draws the smoothed line itself). The key
    /// names the data drawn (run, metric, axis, point count) because the chart keeps lines whose
    /// keys it has seen: a new axis, metric or refreshed data must read as new lines.
    /// </summary>
    public static IReadOnlyList<ChartSeries> RunLines(Comparison comparison) =>
        [.. comparison.Runs.Select(curve => new ChartSeries(
            string.Create(CultureInfo.InvariantCulture, $"{curve.Run.Id}|{comparison.Options.Metric}|{comparison.Options.Axis}|{curve.Raw.Count}"),
            string.IsNullOrWhiteSpace(curve.Run.Name) ? curve.Run.Id : curve.Run.Name,
            Points(curve.Raw)))];

    private static SeriesPoint[] Points(MetricSeries series)
    {
        // One array of the known length: 20 runs of 10,000 iterations are 200,000 points, and Zip grows a list for them.
        var points = new SeriesPoint[series.Count];
        for (int i = 0; i < points.Length; i++) points[i] = new SeriesPoint(series.X[i], series.Y[i]);
        return points;
    }

    /// <summary>One mean line with its 95% band per group, named by its configuration and the seeds behind it.</summary>
    public static IReadOnlyList<BandSeries> GroupBands(Comparison comparison) =>
        [.. comparison.GroupCurves.Select(curve => new BandSeries(
            curve.Group.Key,
            curve.Band.Seeds == 1 ? curve.Group.Name : $"{curve.Group.Name} (mean)",
            curve.Band.X, curve.Band.Mean, curve.Band.Lower, curve.Band.Upper))];

    /// <summary>The live charts' moving average with <paramref name="weight"/> as a comparison's smoothing; null (raw values) at 0.</summary>
    public static Func<IReadOnlyList<double>, double[]>? Smoothing(double weight)
    {
        double clamped = Math.Clamp(weight, 0, EmaSmoothing.MaxWeight);
        return clamped <= 0 ? null : values => EmaSmoothing.Ema(values, clamped);
    }

    public static string AxisTitle(CompareAxis axis) => axis == CompareAxis.GlobalStep ? "environment steps" : "wall time (s)";

    /// <summary>
    /// The compared runs' demonstration switches as markers on the chosen axis (on the wall-time axis,
    /// at the clock of the iteration the switch followed), labelled with the run they belong to.
    /// </summary>
    public static IReadOnlyList<ChartMarker> EventMarkers(IEnumerable<ComparedRun> runs, CompareAxis axis) =>
        [.. runs.SelectMany(run => run.Run.Events.Where(happened => happened.Kind == RunEvent.DemonstrationSwitch).Select(happened =>
            new ChartMarker(axis == CompareAxis.GlobalStep
                    ? happened.GlobalStep
                    : run.Iterations.LastOrDefault(metric => metric.Iteration <= happened.Iteration)?.WallSeconds ?? 0,
                $"{run.Name}: {happened.NewVersion}")))];
}
