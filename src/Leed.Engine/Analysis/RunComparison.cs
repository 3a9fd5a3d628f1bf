// Side-by-side comparison of runs and run groups: curves per run, mean and band per group, and the summary table.
using Leed.Engine.Learning;

namespace Leed.Engine.Analysis;

/// <summary>What to compare: the metric, the x axis, an optional threshold on the metric, and how to smooth.</summary>
/// <param name="Smoothing">
/// Turns one run's values into the smoothed values, one for one; null leaves them raw. Smoothing is
/// a view's choice (the dashboard passes its charts' moving average), so it comes from the caller.
/// </param>
public sealed record CompareOptions(
    string Metric = MetricNames.EpisodicReturn,
    CompareAxis Axis = CompareAxis.GlobalStep,
    double? Threshold = null,
    Func<IReadOnlyList<double>, double[]>? Smoothing = null);

/// <summary>
/// Runs of one configuration that differ by seed (<c>RunSpec.Group</c>); a run started alone is a
/// group of one, keyed by its id.
/// </summary>
public sealed record RunGroup(string Key, string Name, IReadOnlyList<ComparedRun> Runs);

/// <summary>A run's curve: its raw values and the same values smoothed.</summary>
public sealed record RunCurve(ComparedRun Run, MetricSeries Raw, MetricSeries Smoothed);

/// <summary>A group's mean curve with its band (seeds smoothed first, then aggregated).</summary>
public sealed record GroupCurve(RunGroup Group, SeedBand Band);

/// <summary>When the smoothed metric first reached the threshold; null values mean it was not reached.</summary>
public sealed record ThresholdReached(double? Steps, double? Seconds);

/// <summary>
/// One line of the summary table, for a run or for a group. For a group, numbers are means over
/// its seeds and <see cref="FinalReturnMargin"/> is the half-width of the 95% interval of the final
/// return; for a run it is null.
/// </summary>
public sealed record SummaryRow(
    string Key,
    string Name,
    bool IsGroup,
    string Algorithm,
    string Demonstrations,
    string Seeds,
    int SeedCount,
    int Iterations,
    double? FinalReturn,
    double? FinalReturnMargin,
    ThresholdReached? Threshold,
    double WallSeconds,
    double? FinalArrivalRate);

/// <summary>Everything the Compare page shows for one selection and one set of options.</summary>
public sealed record Comparison(
    CompareOptions Options,
    IReadOnlyList<RunGroup> Groups,
    IReadOnlyList<RunCurve> Runs,
    IReadOnlyList<GroupCurve> GroupCurves,
    IReadOnlyList<SummaryRow> RunRows,
    IReadOnlyList<SummaryRow> GroupRows);

/// <summary>
/// Builds comparisons. Smoothing (<see cref="CompareOptions.Smoothing"/>) is applied to each run's
/// own points before anything is interpolated or averaged. Final values are the mean of
/// the last <see cref="FinalWindow"/> iterations that have the metric, of the raw (unsmoothed)
/// values. The threshold is "reached" at the first point where the smoothed curve is at or above it;
/// for a group, where the mean curve is.
/// </summary>
public static class RunComparison
{
    public const int FinalWindow = 5;

    private static readonly Dictionary<string, int> TrainerOrder =
        MetricNames.All(0).Select((name, index) => (name, index)).ToDictionary(pair => pair.name, pair => pair.index);

    public static Comparison Build(IReadOnlyList<ComparedRun> runs, CompareOptions options)
    {
        IReadOnlyList<RunGroup> groups = GroupRuns(runs);
        RunCurve[] curves =
        [
            .. runs.Select(run =>
            {
                MetricSeries raw = run.Series(options.Metric, options.Axis);
                return new RunCurve(run, raw, Smooth(raw, options.Smoothing));
            }),
        ];
        GroupCurve[] groupCurves =
            [.. groups.Select(group => new GroupCurve(group, SmoothedBand(group, options.Metric, options.Axis, options.Smoothing)))];
        SummaryRow[] runRows = [.. runs.Select(run => SummarizeRun(run, options))];
        SummaryRow[] groupRows = [.. groups.Select(group => SummarizeGroup(group, options))];
        return new Comparison(options, groups, curves, groupCurves, runRows, groupRows);
    }

    /// <summary>
    /// Runs by group, groups in the order their first run appears; a run without a group stands alone
    /// under its own name, a group is named by its configuration and seeds (<see cref="GroupLabels"/>).
    /// </summary>
    public static IReadOnlyList<RunGroup> GroupRuns(IReadOnlyList<ComparedRun> runs)
    {
        IGrouping<string, ComparedRun>[] grouped = [.. runs.GroupBy(run => run.Group is { } group ? "group:" + group : "run:" + run.Id)];
        (string?, IReadOnlyList<Runs.RunRecord>)[] named = [.. grouped.Where(g => g.First().Group is not null)
            .Select(g => (g.First().Group, (IReadOnlyList<Runs.RunRecord>)[.. g.Select(run => run.Run)]))];
        Dictionary<string, string> names = named.Zip(GroupLabels.Names(named), (group, name) => ("group:" + group.Item1, name))
            .ToDictionary(pair => pair.Item1, pair => pair.name);
        return [.. grouped.Select(g => new RunGroup(g.Key, names.GetValueOrDefault(g.Key) ?? g.First().Name, [.. g]))];
    }

    /// <summary>
    /// Every metric any of the runs has, the trainer's own ones first in its order, then the rest
    /// with numbered names in number order (Agent_2 before Agent_10).
    /// </summary>
    public static IReadOnlyList<string> MetricNamesOf(IEnumerable<ComparedRun> runs)
    {
        return [.. runs.SelectMany(run => run.MetricNames).Distinct()
            .OrderBy(name => TrainerOrder.GetValueOrDefault(name, int.MaxValue))
            .ThenBy(name => name, NaturalOrder.Instance)];
    }

    public static MetricSeries Smooth(MetricSeries series, Func<IReadOnlyList<double>, double[]>? smoothing) =>
        smoothing is null ? series : new MetricSeries(series.X, smoothing(series.Y));

    /// <summary>The mean of the last <paramref name="window"/> (default <see cref="FinalWindow"/>) values of <paramref name="metric"/>, or null when it has none.</summary>
    public static double? FinalValue(ComparedRun run, string metric, int window = FinalWindow)
    {
        IReadOnlyList<double> last = run.LastValues(metric, window);
        return last.Count == 0 ? null : last.Average();
    }

    /// <summary>
    /// When a group of seeds first reached <paramref name="threshold"/>: each seed's curve of
    /// <paramref name="metric"/> against environment steps is smoothed (null: raw), the seeds are
    /// averaged on their common grid (<see cref="SeedStatistics.Band"/>), and the first step where
    /// that mean is at or above the threshold counts. The seconds are the seeds' mean wall clock at
    /// their first iteration at or past that step (seeds' clocks differ, so a mean curve on the wall
    /// axis would need a grid the seeds rarely share). The one definition of steps to threshold:
    /// Compare passes its chart's smoothing, studies <see cref="SeedStatistics.TrailingMean"/>.
    /// </summary>
    public static ThresholdReached Reached(RunGroup group, string metric, double threshold, Func<IReadOnlyList<double>, double[]>? smoothing)
    {
        SeedBand steps = SmoothedBand(group, metric, CompareAxis.GlobalStep, smoothing);
        if (SeedStatistics.FirstCrossing(steps.X, steps.Mean, threshold) is not { } step) return new ThresholdReached(null, null);
        double[] clocks = [.. group.Runs.Select(run => run.Iterations.FirstOrDefault(row => row.GlobalStep >= step)?.WallSeconds).OfType<double>()];
        return new ThresholdReached(step, clocks.Length == 0 ? null : clocks.Average());
    }

    /// <summary>The group's mean curve of <paramref name="metric"/> with its 95% band, seeds smoothed first.</summary>
    public static SeedBand SmoothedBand(RunGroup group, string metric, CompareAxis axis, Func<IReadOnlyList<double>, double[]>? smoothing) =>
        SeedStatistics.Band([.. group.Runs.Select(run => Smooth(run.Series(metric, axis), smoothing))]);


    private static SummaryRow SummarizeRun(ComparedRun run, CompareOptions options)
    {
        ThresholdReached? reached = null;
        if (options.Threshold is { } threshold)
        {
            MetricSeries steps = Smooth(run.Series(options.Metric, CompareAxis.GlobalStep), options.Smoothing);
            // Both axes list the same iterations, so the crossing is one index into either.
            MetricSeries seconds = run.Series(options.Metric, CompareAxis.WallSeconds);
            int at = Array.FindIndex(steps.Y, value => value >= threshold);
            reached = at < 0 ? new ThresholdReached(null, null) : new ThresholdReached(steps.X[at], seconds.X[at]);
        }
        return new SummaryRow(run.Id, run.Name, false, run.Algorithm, run.Demonstrations,
            run.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, run.Iterations.Count,
            FinalValue(run, MetricNames.EpisodicReturn), null, reached, run.WallSeconds,
            FinalValue(run, MetricNames.ArrivalRate));
    }

    private static SummaryRow SummarizeGroup(RunGroup group, CompareOptions options)
    {
        ThresholdReached? reached = options.Threshold is { } threshold ? Reached(group, options.Metric, threshold, options.Smoothing) : null;
        double[] returns = [.. group.Runs.Select(run => FinalValue(run, MetricNames.EpisodicReturn)).OfType<double>()];
        double[] arrivals = [.. group.Runs.Select(run => FinalValue(run, MetricNames.ArrivalRate)).OfType<double>()];
        Interval? finalReturn = returns.Length == 0 ? null : SeedStatistics.MeanInterval(returns);
        return new SummaryRow(group.Key, group.Name, true,
            string.Join(", ", group.Runs.Select(run => run.Algorithm).Distinct()),
            string.Join("; ", group.Runs.Select(run => run.Demonstrations).Distinct()),
            string.Join(", ", group.Runs.Select(run => run.Seed).Order()),
            group.Runs.Count,
            (int)Math.Round(group.Runs.Average(run => run.Iterations.Count)),
            finalReturn?.Mean, finalReturn?.HalfWidth, reached,
            group.Runs.Average(run => run.WallSeconds),
            arrivals.Length == 0 ? null : arrivals.Average());
    }

    /// <summary>Orders names by their text, comparing runs of digits as numbers.</summary>
    private sealed class NaturalOrder : IComparer<string>
    {
        public static readonly NaturalOrder Instance = new();

        public int Compare(string? a, string? b)
        {
            if (a is null || b is null) return string.CompareOrdinal(a, b);
            int i = 0, j = 0;
            while (i < a.Length && j < b.Length)
            {
                if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
                {
                    int si = i, sj = j;
                    while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
                    while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
                    ReadOnlySpan<char> x = a.AsSpan(si, i - si).TrimStart('0'), y = b.AsSpan(sj, j - sj).TrimStart('0');
                    int byNumber = x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.SequenceCompareTo(y);
                    if (byNumber != 0) return byNumber;
                }
                else
                {
                    if (a[i] != b[j]) return a[i].CompareTo(b[j]);
                    i++;
                    j++;
                }
            }
            return (a.Length - i).CompareTo(b.Length - j);
        }
    }
}
