// Runs, their metric series, episode snapshots and checkpoints in the store.
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
    public const string SnapshotsCollection = "snapshots";
    public const string SeriesCollection = "metricSeries";

    private readonly ILeedStore _store;

    public RunStore(ILeedStore store)
    {
        _store = store;
        Metrics.EnsureIndex(metric => metric.RunId);
        Snapshots.EnsureIndex(snapshot => snapshot.RunId);
        Runs.EnsureIndex(run => run.CreatedAt);
    }

    /// <summary>Snapshots kept per run at most (<see cref="SnapshotThinning.MaxKept"/> unless told otherwise).</summary>
    public int SnapshotsKeptAtMost { get; init; } = SnapshotThinning.MaxKept;

    /// <summary>Bytes of snapshots kept per run at most (<see cref="SnapshotThinning.MaxBytes"/> unless told otherwise).</summary>
    public long SnapshotBytesAtMost { get; init; } = SnapshotThinning.MaxBytes;

    private ILiteCollection<RunRecord> Runs => _store.Collection<RunRecord>(RunsCollection);
    private ILiteCollection<StoredMetric> Metrics => _store.Collection<StoredMetric>(MetricsCollection);
    private ILiteCollection<StoredSnapshot> Snapshots => _store.Collection<StoredSnapshot>(SnapshotsCollection);
    private ILiteCollection<StoredSeries> Series => _store.Collection<StoredSeries>(SeriesCollection);

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

    /// <summary>Deletes a run's metric rows after <paramref name="iteration"/> (a run continuing from a checkpoint trains them again).</summary>
    public int DeleteMetricsAfter(string runId, int iteration)
    {
        // The stored columns held the rows deleted here: the run stores them again when it stops.
        Series.Delete(runId);
        return Metrics.DeleteMany(metric => metric.RunId == runId && metric.Iteration > iteration);
    }

    /// <summary>Every metric row of a run, in iteration order.</summary>
    public IReadOnlyList<MetricRecord> MetricsOf(string runId) =>
        [.. Metrics.Find(metric => metric.RunId == runId).OrderBy(metric => metric.Iteration)
            .Select(metric => new MetricRecord(metric.Iteration, metric.GlobalStep, metric.WallSeconds, metric.Values))];

    /// <summary>
    /// Every metric row of a run that is not training, as <see cref="MetricsOf(string)"/> gives them, but read from its
    /// stored columns (<see cref="StoredSeries"/>) when they end at the run's last iteration; otherwise from
    /// the rows, storing the columns for the next read.
    /// </summary>
    public IReadOnlyList<MetricRecord> StoppedMetricsOf(RunRecord run)
    {
        if (Series.FindById(run.Id) is { Rows: > 0 } series && series.LastIteration == run.Iteration) return series.ToRecords();
        IReadOnlyList<MetricRecord> rows = MetricsOf(run.Id);
        if (rows.Count > 0 && rows[^1].Iteration == run.Iteration) Series.Upsert(StoredSeries.From(run.Id, rows));
        return rows;
    }

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

    /// <summary>
    /// Stores an episode snapshot of a run and thins the run's snapshots to the caps of <see cref="SnapshotThinning"/>;
    /// returns the stride the run's later snapshots should fall on.
    /// </summary>
    public int SaveSnapshot(string runId, EpisodeSnapshot snapshot)
    {
        StoredSnapshot stored = StoredSnapshot.From(runId, snapshot);
        return _store.InTransaction(() =>
        {
            var index = Index(runId).Where(s => s.Iteration != stored.Iteration).ToList();
            int inForce = Math.Max(1, index.Select(s => s.Stride).DefaultIfEmpty(1).Max());
            List<SnapshotEntry> entries = [.. index.Select(s => new SnapshotEntry(s.Iteration, s.Steps, s.Bytes)), new(stored.Iteration, stored.Steps, stored.Bytes)];
            stored.Stride = SnapshotThinning.Stride(entries, SnapshotsKeptAtMost, SnapshotBytesAtMost, inForce);
            Snapshots.Upsert(stored);
            foreach (SnapshotEntry dropped in SnapshotThinning.Dropped(entries, SnapshotsKeptAtMost, SnapshotBytesAtMost, inForce))
                Snapshots.Delete(StoredSnapshot.IdOf(runId, dropped.Iteration));
            return stored.Stride;
        });
    }

    /// <summary>The run's stored episode snapshots, oldest first, without their data.</summary>
    public IReadOnlyList<SnapshotEntry> SnapshotsOf(string runId) =>
        [.. Index(runId).Select(s => new SnapshotEntry(s.Iteration, s.Steps, s.Bytes)).OrderBy(s => s.Iteration)];

    private IEnumerable<(int Iteration, int Steps, long Bytes, int Stride)> Index(string runId) =>
        Snapshots.Query().Where(s => s.RunId == runId).Select(s => new { s.Iteration, s.Steps, s.Bytes, s.Stride }).ToList()
            .Select(s => (s.Iteration, s.Steps, s.Bytes, s.Stride));

    /// <summary>The run's episode snapshot after <paramref name="iteration"/>, or null when none is stored.</summary>
    public EpisodeSnapshot? Snapshot(string runId, int iteration) => Snapshots.FindById(StoredSnapshot.IdOf(runId, iteration))?.ToSnapshot();

    /// <summary>The run's newest stored episode snapshot, or null when none was recorded.</summary>
    public EpisodeSnapshot? LatestSnapshot(string runId) =>
        SnapshotsOf(runId) is { Count: > 0 } entries ? Snapshot(runId, entries[^1].Iteration) : null;

    public void SaveCheckpoint(string runId, Stream content) => _store.UploadFile(CheckpointId(runId), $"{runId}.ckpt", content);

    public bool LoadCheckpoint(string runId, Stream destination) => _store.DownloadFile(CheckpointId(runId), destination);

    /// <summary>Deletes a run with its metrics, snapshots and checkpoint, all or nothing.</summary>
    public bool Delete(string runId) => _store.InTransaction(() =>
    {
        Metrics.DeleteMany(metric => metric.RunId == runId);
        Snapshots.DeleteMany(snapshot => snapshot.RunId == runId);
        Series.Delete(runId);
        _store.DeleteFile(CheckpointId(runId));
        new RunEvaluator(_store).DeleteOf(runId);
        return Runs.Delete(runId);
    });

    public static string CheckpointId(string runId) => $"checkpoints/{runId}";
}
