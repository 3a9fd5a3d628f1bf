// A run with its stored metric rows, read as series for comparisons, their CSV export and studies.
using Leed.Engine.Runs;

namespace Leed.Engine.Analysis;

/// <summary>What the curves are plotted against.</summary>
public enum CompareAxis
{
    /// <summary>Environment steps (the trainer's <c>globalStep</c>).</summary>
    GlobalStep,
    /// <summary>Seconds of training, summed over restarts.</summary>
    WallSeconds,
}

/// <summary>Points of one metric of one run, in iteration order; X is the chosen axis.</summary>
public sealed record MetricSeries(double[] X, double[] Y)
{
    public static readonly MetricSeries Empty = new([], []);

    public int Count => X.Length;
}

/// <summary>
/// One run and its metric rows, as the timeline it finally followed. A run resumed from a
/// checkpoint reports the iterations after that checkpoint again, on a clock that continues from
/// where it stopped; so of two rows for one iteration the later clock wins, and a row whose clock
/// is behind an earlier iteration's belongs to the abandoned attempt and is left out. That keeps
/// <see cref="Iterations"/> one row per iteration with both axes never going back.
/// </summary>
public sealed class ComparedRun
{
    public ComparedRun(RunRecord run, IReadOnlyList<MetricRecord> metrics)
    {
        Run = run;
        if (OneTimeline(metrics))
        {
            // The usual case (never resumed, or resumed without repeating an iteration): already one row per iteration.
            Iterations = metrics;
            return;
        }
        var byIteration = new SortedDictionary<int, MetricRecord>();
        foreach (MetricRecord metric in metrics)
            if (!byIteration.TryGetValue(metric.Iteration, out MetricRecord? seen) || metric.WallSeconds >= seen.WallSeconds)
                byIteration[metric.Iteration] = metric;
        var kept = new List<MetricRecord>(byIteration.Count);
        foreach (MetricRecord metric in byIteration.Values)
            if (kept.Count == 0 || (metric.WallSeconds >= kept[^1].WallSeconds && metric.GlobalStep >= kept[^1].GlobalStep))
                kept.Add(metric);
        Iterations = kept;
    }

    private static bool OneTimeline(IReadOnlyList<MetricRecord> metrics)
    {
        for (int i = 1; i < metrics.Count; i++)
            if (metrics[i].Iteration <= metrics[i - 1].Iteration || metrics[i].WallSeconds < metrics[i - 1].WallSeconds
                || metrics[i].GlobalStep < metrics[i - 1].GlobalStep)
                return false;
        return true;
    }

    // Each series is read once per run: a comparison asks for the same one for its curve, its band and its summary.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Metric, CompareAxis Axis), MetricSeries> _series = new();

    public RunRecord Run { get; }
    public IReadOnlyList<MetricRecord> Iterations { get; }

    public string Id => Run.Id;
    public string Name => Run.Spec.Name;
    public string Algorithm => Run.Spec.Algorithm;
    public int Seed => Run.Spec.Seed;

    /// <summary>The run's group, or null when it was started alone.</summary>
    public string? Group => string.IsNullOrWhiteSpace(Run.Spec.Group) ? null : Run.Spec.Group;

    /// <summary>Where its demonstrations came from, as recorded when it trained (or as configured, before that).</summary>
    public string Demonstrations => Run.Demonstrations;

    /// <summary>Seconds of training: the last row's clock, or the record's when there are no rows yet.</summary>
    public double WallSeconds => Iterations.Count > 0 ? Iterations[^1].WallSeconds : Run.WallSeconds;

    /// <summary>Every metric name this run has at least one value of.</summary>
    public IEnumerable<string> MetricNames
    {
        get
        {
            // A plain loop into one set: over 10,000 rows the LINQ chain's per-row enumerators cost more than the names.
            var names = new HashSet<string>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (MetricRecord row in Iterations)
                foreach (string name in row.Values.Keys)
                    if (names.Add(name)) order.Add(name);
            return order;
        }
    }

    /// <summary>
    /// The iterations that have a finite value of <paramref name="metric"/> (an iteration in which
    /// no episode finished has no return, for example), against <paramref name="axis"/>. The arrays
    /// are shared between callers: read them, do not write them.
    /// </summary>
    public MetricSeries Series(string metric, CompareAxis axis) => _series.GetOrAdd((metric, axis), key =>
    {
        var x = new List<double>(Iterations.Count);
        var y = new List<double>(Iterations.Count);
        foreach (MetricRecord row in Iterations)
        {
            if (!row.Values.TryGetValue(key.Metric, out double value) || !double.IsFinite(value)) continue;
            x.Add(key.Axis == CompareAxis.GlobalStep ? row.GlobalStep : row.WallSeconds);
            y.Add(value);
        }
        return new MetricSeries([.. x], [.. y]);
    });

    /// <summary>The last <paramref name="count"/> finite values of <paramref name="metric"/>, oldest first.</summary>
    public IReadOnlyList<double> LastValues(string metric, int count)
    {
        // From the end: a summary of a 10,000-iteration run reads a handful of rows, not all of them.
        var last = new List<double>(count);
        for (int i = Iterations.Count - 1; i >= 0 && last.Count < count; i--)
            if (Iterations[i].Values.TryGetValue(metric, out double value) && double.IsFinite(value)) last.Add(value);
        last.Reverse();
        return last;
    }
}
