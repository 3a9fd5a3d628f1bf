// Runs, their metric series, episode snapshots and checkpoints in the store.
using System.Buffers.Binary;
using System.IO.Compression;
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

/// <summary>
/// One recorded episode of one run after one iteration, stored compactly: positions and statuses are
/// step-major arrays (agent fastest), deflated; positions as little-endian 32-bit cells, -1 off the grid.
/// </summary>
public sealed class StoredSnapshot
{
    /// <summary>"{run id}/{iteration}": one document per run and iteration.</summary>
    public string Id { get; set; } = "";
    public string RunId { get; set; } = "";
    public int Iteration { get; set; }
    public int Agents { get; set; }
    public int Steps { get; set; }
    public byte[] Positions { get; set; } = [];
    public byte[] Statuses { get; set; } = [];
    public int[] Destinations { get; set; } = [];

    public static StoredSnapshot From(string runId, EpisodeSnapshot snapshot)
    {
        int agents = snapshot.Destinations.Length, steps = snapshot.Positions.Count;
        var positions = new byte[steps * agents * sizeof(int)];
        var statuses = new byte[steps * agents];
        for (int step = 0; step < steps; step++)
        {
            for (int agent = 0; agent < agents; agent++)
                BinaryPrimitives.WriteInt32LittleEndian(positions.AsSpan((step * agents + agent) * sizeof(int)), snapshot.Positions[step][agent]);
            snapshot.Statuses[step].CopyTo(statuses, step * agents);
        }
        return new StoredSnapshot
        {
            Id = $"{runId}/{snapshot.Iteration}", RunId = runId, Iteration = snapshot.Iteration, Agents = agents, Steps = steps,
            Positions = Deflate(positions), Statuses = Deflate(statuses), Destinations = snapshot.Destinations,
        };
    }

    public EpisodeSnapshot ToSnapshot()
    {
        byte[] positions = Inflate(Positions, Steps * Agents * sizeof(int)), statuses = Inflate(Statuses, Steps * Agents);
        var positionSteps = new int[Steps][];
        var statusSteps = new byte[Steps][];
        for (int step = 0; step < Steps; step++)
        {
            positionSteps[step] = new int[Agents];
            for (int agent = 0; agent < Agents; agent++)
                positionSteps[step][agent] = BinaryPrimitives.ReadInt32LittleEndian(positions.AsSpan((step * Agents + agent) * sizeof(int)));
            statusSteps[step] = statuses.AsSpan(step * Agents, Agents).ToArray();
        }
        return new EpisodeSnapshot(Iteration, positionSteps, statusSteps, Destinations);
    }

    private static byte[] Deflate(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal)) deflate.Write(raw);
        return output.ToArray();
    }

    private static byte[] Inflate(byte[] packed, int length)
    {
        var raw = new byte[length];
        using var inflate = new DeflateStream(new MemoryStream(packed), CompressionMode.Decompress);
        inflate.ReadExactly(raw);
        return raw;
    }
}

/// <summary>Reads and writes runs; metric rows are appended as training goes, never rewritten.</summary>
public sealed class RunStore
{
    public const string RunsCollection = "runs";
    public const string MetricsCollection = "metrics";
    public const string SnapshotsCollection = "snapshots";

    /// <summary>
    /// Episode snapshots kept per run, newest first: the last one, which the Live run page replays
    /// once the run has ended. Snapshots are keyed by run and iteration, so keeping more is a change here.
    /// </summary>
    public const int SnapshotsKept = 1;

    private readonly ILeedStore _store;

    public RunStore(ILeedStore store)
    {
        _store = store;
        Metrics.EnsureIndex(metric => metric.RunId);
        Snapshots.EnsureIndex(snapshot => snapshot.RunId);
        Runs.EnsureIndex(run => run.CreatedAt);
    }

    private ILiteCollection<RunRecord> Runs => _store.Collection<RunRecord>(RunsCollection);
    private ILiteCollection<StoredMetric> Metrics => _store.Collection<StoredMetric>(MetricsCollection);
    private ILiteCollection<StoredSnapshot> Snapshots => _store.Collection<StoredSnapshot>(SnapshotsCollection);

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
    public int DeleteMetricsAfter(string runId, int iteration) => Metrics.DeleteMany(metric => metric.RunId == runId && metric.Iteration > iteration);

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

    /// <summary>Stores an episode snapshot of a run, keeping the newest <see cref="SnapshotsKept"/>.</summary>
    public void SaveSnapshot(string runId, EpisodeSnapshot snapshot)
    {
        StoredSnapshot stored = StoredSnapshot.From(runId, snapshot);
        _store.InTransaction(() =>
        {
            Snapshots.Upsert(stored);
            foreach (StoredSnapshot old in Snapshots.Find(s => s.RunId == runId).OrderByDescending(s => s.Iteration).Skip(SnapshotsKept).ToList())
                Snapshots.Delete(old.Id);
            return true;
        });
    }

    /// <summary>The run's newest stored episode snapshot, or null when none was recorded.</summary>
    public EpisodeSnapshot? LatestSnapshot(string runId) =>
        Snapshots.Find(s => s.RunId == runId).OrderByDescending(s => s.Iteration).FirstOrDefault()?.ToSnapshot();

    public void SaveCheckpoint(string runId, Stream content) => _store.UploadFile(CheckpointId(runId), $"{runId}.ckpt", content);

    public bool LoadCheckpoint(string runId, Stream destination) => _store.DownloadFile(CheckpointId(runId), destination);

    /// <summary>Deletes a run with its metrics, snapshots and checkpoint, all or nothing.</summary>
    public bool Delete(string runId) => _store.InTransaction(() =>
    {
        Metrics.DeleteMany(metric => metric.RunId == runId);
        Snapshots.DeleteMany(snapshot => snapshot.RunId == runId);
        _store.DeleteFile(CheckpointId(runId));
        new RunEvaluator(_store).DeleteOf(runId);
        return Runs.Delete(runId);
    });

    public static string CheckpointId(string runId) => $"checkpoints/{runId}";
}
