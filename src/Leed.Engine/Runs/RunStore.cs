// Runs, their metric series and checkpoints in the store.
using LiteDB;
using Leed.Engine.Storage;

namespace Leed.Engine.Runs;

/// <summary>One stored metric row (one iteration of one run).</summary>
public sealed class StoredMetric
{
    public ObjectId Id { get; set; } = ObjectId.NewObjectId();
    public string RunId { get; set; } = "";
    public int Iteration { get; set; }
    public long GlobalStep { get; set; }
    public double WallSeconds { get; set; }
    public Dictionary<string, double> Values { get; set; } = [];
}

/// <summary>Reads and writes runs; metric rows are appended as training goes, never rewritten.</summary>
public sealed class RunStore
{
    public const string RunsCollection = "runs";
    public const string MetricsCollection = "metrics";
    private readonly ILeedStore _store;

    public RunStore(ILeedStore store)
    {
        _store = store;
        Metrics.EnsureIndex(metric => metric.RunId);
        Runs.EnsureIndex(run => run.CreatedAt);
    }

    private ILiteCollection<RunRecord> Runs => _store.Collection<RunRecord>(RunsCollection);
    private ILiteCollection<StoredMetric> Metrics => _store.Collection<StoredMetric>(MetricsCollection);

    public void Save(RunRecord run) => Runs.Upsert(run);

    public RunRecord? Find(string id) => Runs.FindById(id);

    /// <summary>All runs, newest first.</summary>
    public IReadOnlyList<RunRecord> List() => [.. Runs.Query().OrderByDescending(run => run.CreatedAt).ToList()];

    public void AppendMetric(string runId, MetricRecord metric) => Metrics.Insert(new StoredMetric
    {
        RunId = runId,
        Iteration = metric.Iteration,
        GlobalStep = metric.GlobalStep,
        WallSeconds = metric.WallSeconds,
        Values = new Dictionary<string, double>(metric.Values.Where(pair => double.IsFinite(pair.Value))),
    });

    /// <summary>Every metric row of a run, in iteration order.</summary>
    public IReadOnlyList<MetricRecord> MetricsOf(string runId) =>
        [.. Metrics.Find(metric => metric.RunId == runId).OrderBy(metric => metric.Iteration)
            .Select(metric => new MetricRecord(metric.Iteration, metric.GlobalStep, metric.WallSeconds, metric.Values))];

    public void SaveCheckpoint(string runId, Stream content) => _store.UploadFile(CheckpointId(runId), $"{runId}.ckpt", content);

    public bool LoadCheckpoint(string runId, Stream destination) => _store.DownloadFile(CheckpointId(runId), destination);

    /// <summary>Deletes a run with its metrics and checkpoint, all or nothing.</summary>
    public bool Delete(string runId) => _store.InTransaction(() =>
    {
        Metrics.DeleteMany(metric => metric.RunId == runId);
        _store.DeleteFile(CheckpointId(runId));
        return Runs.Delete(runId);
    });

    public static string CheckpointId(string runId) => $"checkpoints/{runId}";
}
