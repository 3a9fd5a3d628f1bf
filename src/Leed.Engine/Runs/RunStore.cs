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

    /// <summary>
    /// Every metric row of a run with only the <paramref name="names"/> metrics, in iteration order:
    /// read as raw documents, so a summary over hundreds of runs does not build every row's full
    /// dictionary of per-agent values.
    /// </summary>
    public IReadOnlyList<MetricRecord> MetricsOf(string runId, IReadOnlyCollection<string> names)
    {
        var rows = new List<MetricRecord>();
        foreach (BsonDocument row in _store.Collection<BsonDocument>(MetricsCollection).Find(Query.EQ(nameof(StoredMetric.RunId), runId)))
        {
            BsonDocument stored = row[nameof(StoredMetric.Values)].AsDocument;
            var values = new Dictionary<string, double>(names.Count);
            foreach (string name in names)
                if (stored.TryGetValue(name, out BsonValue value) && value.IsNumber) values[name] = value.AsDouble;
            rows.Add(new MetricRecord(row[nameof(StoredMetric.Iteration)].AsInt32, row[nameof(StoredMetric.GlobalStep)].AsInt64,
                row[nameof(StoredMetric.WallSeconds)].AsDouble, values));
        }
        rows.Sort((a, b) => a.Iteration.CompareTo(b.Iteration));
        return rows;
    }

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
