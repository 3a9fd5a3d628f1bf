// Runs in LiteDB: empty notes survive a round trip, episode snapshots are stored compactly per run and iteration, listed and thinned.
using LiteDB;
using Leed.Engine.Runs;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Runs;

public sealed class RunStoreTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-run-store-");

    public void Dispose() => _data.Dispose();

    private RunStore Reopened()
    {
        return new RunStore(_data.Reopen());
    }

    /// <summary>An episode like the trainer records: agents wait, drive cell by cell, arrive, and leave the grid.</summary>
    private static EpisodeSnapshot Episode(int iteration, int agents = 20, int steps = 280)
    {
        var positions = new List<int[]>();
        var statuses = new List<byte[]>();
        var blocked = new List<byte[]>();
        for (int step = 0; step < steps; step++)
        {
            int[] cells = new int[agents];
            byte[] status = new byte[agents];
            byte[] stuck = new byte[agents];
            for (int agent = 0; agent < agents; agent++)
            {
                int departure = agent * 3, arrival = departure + 60 + agent * 5;
                status[agent] = (byte)(step < departure ? 0 : step < arrival ? 1 : 2);
                // Every seventh step of its drive the vehicle is held up (a blocked move) and stays where it is.
                int moved = (step - departure) - (step - departure) / 7;
                stuck[agent] = (byte)(status[agent] == 1 && step > departure && (step - departure) % 7 == 0 ? 1 : 0);
                cells[agent] = status[agent] == 1 ? 100 * agent + moved : -1;
            }
            positions.Add(cells);
            statuses.Add(status);
            blocked.Add(stuck);
        }
        return new EpisodeSnapshot(iteration, positions, statuses, [.. Enumerable.Range(0, agents).Select(agent => 9000 + agent)])
        {
            Blocked = blocked,
            ScenarioKey = $"test-map 96x96 n{agents} 0123456789abcdef",
        };
    }

    [Fact]
    public void RunWithEmptyNotesAndTags_ReadsBackEmpty_NotNull()
    {
        var runs = new RunStore(_data.Store);
        runs.Save(new RunRecord { Id = "r1", Spec = new RunSpec { Name = "n" }, Notes = "", Tags = [] });

        RunRecord read = Reopened().Find("r1")!;

        Assert.Equal("", read.Notes);
        Assert.Empty(read.Tags);
    }

    [Fact]
    public void Snapshot_RoundTripsThroughTheDatabaseFile_AndStaysSmall()
    {
        EpisodeSnapshot episode = Episode(iteration: 7);
        new RunStore(_data.Store).SaveSnapshot("r1", episode);

        EpisodeSnapshot read = Reopened().LatestSnapshot("r1")!;

        Assert.Equal(7, read.Iteration);
        Assert.Equal(episode.Destinations, read.Destinations);
        Assert.Equal(episode.ScenarioKey, read.ScenarioKey);
        Assert.Equal(episode.Positions.Count, read.Positions.Count);
        for (int step = 0; step < episode.Positions.Count; step++)
        {
            Assert.Equal(episode.Positions[step], read.Positions[step]);
            Assert.Equal(episode.Statuses[step], read.Statuses[step]);
            Assert.Equal(episode.Blocked[step], read.Blocked[step]);
        }
        // 20 agents x 280 steps: as BSON arrays of numbers this would be ~60 KB; compact, it is a few KB.
        BsonDocument document = _data.Store.Collection<BsonDocument>(RunStore.SnapshotsCollection).FindById("r1/7");
        int bytes = BsonSerializer.Serialize(document).Length;
        Assert.True(bytes < 20 * 280 / 2, $"the stored snapshot takes {bytes} bytes");
    }

    [Fact]
    public void LargeEpisode_100AgentsOver768Steps_StoresInUnder64KB()
    {
        // The large preset's longest episode (4 x (96 + 96) steps) with every agent on the road nearly all the time.
        EpisodeSnapshot episode = Episode(iteration: 1, agents: 100, steps: 768);
        new RunStore(_data.Store).SaveSnapshot("big", episode);

        StoredSnapshot stored = _data.Store.Collection<StoredSnapshot>(RunStore.SnapshotsCollection).FindById("big/1");

        Assert.True(stored.Bytes < 64 * 1024, $"{stored.Bytes} bytes");
        Assert.Equal(episode.Positions[500], new RunStore(_data.Store).Snapshot("big", 1)!.Positions[500]);
    }

    [Fact]
    public void SnapshotStoredBeforeDeltasAndBlockedFlags_StillReadsBack_WithoutBlockedFlags()
    {
        // As the store wrote snapshots before: positions as raw little-endian int32, deflated; no format, flags or scenario.
        EpisodeSnapshot episode = Episode(iteration: 4, agents: 3, steps: 6);
        var raw = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(raw, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            foreach (int cell in episode.Positions.SelectMany(step => step)) deflate.Write(BitConverter.GetBytes(cell));
        var statuses = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(statuses, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            deflate.Write([.. episode.Statuses.SelectMany(step => step)]);
        _data.Store.Collection<BsonDocument>(RunStore.SnapshotsCollection).Insert(new BsonDocument
        {
            ["_id"] = "old/4", ["RunId"] = "old", ["Iteration"] = 4, ["Agents"] = 3, ["Steps"] = 6,
            ["Positions"] = raw.ToArray(), ["Statuses"] = statuses.ToArray(), ["Destinations"] = new BsonArray(episode.Destinations.Select(d => new BsonValue(d))),
        });

        EpisodeSnapshot read = Reopened().LatestSnapshot("old")!;

        Assert.Equal(episode.Positions, read.Positions);
        Assert.Equal(episode.Statuses, read.Statuses);
        Assert.Empty(read.Blocked);
        Assert.Null(read.ScenarioKey);
    }

    [Fact]
    public void Snapshots_PastTheCap_AreThinnedToEvenlySpacedIterations_KeepingTheFirstAndTheLast()
    {
        var runs = new RunStore(_data.Store) { SnapshotsKeptAtMost = 4 };
        int stride = 0;
        for (int iteration = 1; iteration <= 10; iteration++) stride = runs.SaveSnapshot("r1", Episode(iteration, agents: 2, steps: 3));

        // Stride 1 keeps 10, stride 2 keeps 1,2,4,6,8,10 (6): stride 4 keeps 1,4,8,10.
        Assert.Equal(4, stride);
        Assert.Equal([1, 4, 8, 10], runs.SnapshotsOf("r1").Select(s => s.Iteration));
        Assert.All(runs.SnapshotsOf("r1"), s => Assert.Equal(3, s.Steps));
        Assert.Equal(8, runs.Snapshot("r1", 8)!.Iteration);
        Assert.Null(runs.Snapshot("r1", 9));
    }

    [Fact]
    public void Snapshots_AreKeyedByRunAndIteration_AllAreKept_AndDeletingTheRunRemovesThem()
    {
        var runs = new RunStore(_data.Store);
        runs.Save(new RunRecord { Id = "r1", Spec = new RunSpec { Name = "n" } });
        runs.SaveSnapshot("r1", Episode(iteration: 3, agents: 2, steps: 5));
        runs.SaveSnapshot("r1", Episode(iteration: 9, agents: 2, steps: 5));
        runs.SaveSnapshot("r2", Episode(iteration: 4, agents: 3, steps: 5));

        Assert.Equal(9, runs.LatestSnapshot("r1")!.Iteration);
        Assert.Equal([3, 9], runs.SnapshotsOf("r1").Select(s => s.Iteration));
        Assert.Equal(["r1/3", "r1/9", "r2/4"], _data.Store.Collection<StoredSnapshot>(RunStore.SnapshotsCollection).FindAll().Select(s => s.Id).Order());
        Assert.True(runs.Delete("r1"));
        Assert.Null(runs.LatestSnapshot("r1"));
        Assert.Equal(3, runs.LatestSnapshot("r2")!.Destinations.Length);
    }

    [Fact]
    public void StoppedRunsMetrics_ReadBackFromColumns_AsTheRowsAre_AndAreReadAgainWhenTheRunGrows()
    {
        var runs = new RunStore(_data.Store);
        var run = new RunRecord { Id = "long", Spec = new RunSpec { Name = "n" }, Iteration = 3 };
        runs.Save(run);
        runs.AppendMetric("long", new MetricRecord(1, 64, 1.5, new Dictionary<string, double> { ["charts/episodic_return"] = -5, ["charts/SPS"] = 900 }));
        runs.AppendMetric("long", new MetricRecord(2, 128, 3.0, new Dictionary<string, double> { ["charts/SPS"] = 950 }));
        runs.AppendMetric("long", new MetricRecord(3, 192, 4.5, new Dictionary<string, double> { ["charts/episodic_return"] = -2.25, ["losses/entropy"] = 1.5 }));

        IReadOnlyList<MetricRecord> first = runs.StoppedMetricsOf(run);
        Assert.NotNull(_data.Store.Collection<StoredSeries>(RunStore.SeriesCollection).FindById("long"));
        IReadOnlyList<MetricRecord> cached = Reopened().StoppedMetricsOf(run);

        Assert.Equal(3, cached.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal((first[i].Iteration, first[i].GlobalStep, first[i].WallSeconds), (cached[i].Iteration, cached[i].GlobalStep, cached[i].WallSeconds));
            Assert.Equal(first[i].Values.OrderBy(pair => pair.Key), cached[i].Values.OrderBy(pair => pair.Key));
        }
        Assert.False(cached[1].Values.ContainsKey("charts/episodic_return")); // absent stays absent

        // Continued: a fourth row, and the run's record says so; the columns are built again from the rows.
        var reopened = new RunStore(_data.Store);
        reopened.AppendMetric("long", new MetricRecord(4, 256, 6.0, new Dictionary<string, double> { ["charts/SPS"] = 990 }));
        run.Iteration = 4;
        Assert.Equal([1, 2, 3, 4], reopened.StoppedMetricsOf(run).Select(row => row.Iteration));
        Assert.True(reopened.Delete("long"));
        Assert.Null(_data.Store.Collection<StoredSeries>(RunStore.SeriesCollection).FindById("long"));
    }
}
