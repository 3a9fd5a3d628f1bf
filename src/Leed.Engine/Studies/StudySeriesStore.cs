// The few series a study's statistics read (return and arrival per iteration), kept per completed run so a summary of hundreds of runs does not reread every full metric row.
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Engine.Studies;

/// <summary>One completed run's rows of <see cref="StudyResults.Metrics"/>, column by column (NaN where an iteration had no value).</summary>
public sealed class StoredStudySeries
{
    /// <summary>The run's id.</summary>
    public string Id { get; set; } = "";
    public int[] Iterations { get; set; } = [];
    public long[] GlobalSteps { get; set; } = [];
    public double[] WallSeconds { get; set; } = [];
    public double[] Returns { get; set; } = [];
    public double[] Arrivals { get; set; } = [];
}

/// <summary>
/// Reads a completed run's statistics rows from the <c>study_series</c> collection, and the first
/// time from its metric rows, which it then stores there. A completed run's metrics never change
/// (only interrupted or stopped runs are restarted), so the copy never goes stale.
/// </summary>
public sealed class StudySeriesStore(ILeedStore store)
{
    public const string CollectionName = "study_series";

    private readonly RunStore _runs = new(store);

    private LiteDB.ILiteCollection<StoredStudySeries> Series => store.Collection<StoredStudySeries>(CollectionName);

    /// <summary>The run's rows of the statistics' metrics; <paramref name="completed"/> says whether they may be kept.</summary>
    public IReadOnlyList<MetricRecord> MetricsOf(string runId, bool completed)
    {
        if (completed && Series.FindById(runId) is { } kept) return Rows(kept);
        IReadOnlyList<MetricRecord> rows = _runs.MetricsOf(runId, StudyResults.Metrics);
        if (completed) Series.Upsert(Columns(runId, rows));
        return rows;
    }

    private static StoredStudySeries Columns(string runId, IReadOnlyList<MetricRecord> rows) => new()
    {
        Id = runId,
        Iterations = [.. rows.Select(row => row.Iteration)],
        GlobalSteps = [.. rows.Select(row => row.GlobalStep)],
        WallSeconds = [.. rows.Select(row => row.WallSeconds)],
        Returns = [.. rows.Select(row => row.Values.TryGetValue(MetricNames.EpisodicReturn, out double value) ? value : double.NaN)],
        Arrivals = [.. rows.Select(row => row.Values.TryGetValue(MetricNames.ArrivalRate, out double value) ? value : double.NaN)],
    };

    private static MetricRecord[] Rows(StoredStudySeries series)
    {
        var rows = new MetricRecord[series.Iterations.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            var values = new Dictionary<string, double>(2);
            if (double.IsFinite(series.Returns[i])) values[MetricNames.EpisodicReturn] = series.Returns[i];
            if (double.IsFinite(series.Arrivals[i])) values[MetricNames.ArrivalRate] = series.Arrivals[i];
            rows[i] = new MetricRecord(series.Iterations[i], series.GlobalSteps[i], series.WallSeconds[i], values);
        }
        return rows;
    }
}
