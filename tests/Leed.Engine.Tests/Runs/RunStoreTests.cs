// Runs in LiteDB: empty notes survive a round trip, episode snapshots are stored compactly per run and iteration.
using LiteDB;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Engine.Tests.Runs;

public sealed class RunStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-run-store-").FullName;
    private LiteDbStore _store;

    public RunStoreTests() => _store = LiteDbStore.Open(_folder);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private RunStore Reopened()
    {
        _store.Dispose();
        _store = LiteDbStore.Open(_folder);
        return new RunStore(_store);
    }

    /// <summary>An episode like the trainer records: agents wait, drive cell by cell, arrive, and leave the grid.</summary>
    private static EpisodeSnapshot Episode(int iteration, int agents = 20, int steps = 280)
    {
        var positions = new List<int[]>();
        var statuses = new List<byte[]>();
        for (int step = 0; step < steps; step++)
        {
            int[] cells = new int[agents];
            byte[] status = new byte[agents];
            for (int agent = 0; agent < agents; agent++)
            {
                int departure = agent * 3, arrival = departure + 60 + agent * 5;
                status[agent] = (byte)(step < departure ? 0 : step < arrival ? 1 : 2);
                cells[agent] = status[agent] == 1 ? 100 * agent + (step - departure) : -1;
            }
            positions.Add(cells);
            statuses.Add(status);
        }
        return new EpisodeSnapshot(iteration, positions, statuses, [.. Enumerable.Range(0, agents).Select(agent => 9000 + agent)]);
    }

    [Fact]
    public void RunWithEmptyNotesAndTags_ReadsBackEmpty_NotNull()
    {
        var runs = new RunStore(_store);
        runs.Save(new RunRecord { Id = "r1", Spec = new RunSpec { Name = "n" }, Notes = "", Tags = [] });

        RunRecord read = Reopened().Find("r1")!;

        Assert.Equal("", read.Notes);
        Assert.Empty(read.Tags);
    }

    [Fact]
    public void Snapshot_RoundTripsThroughTheDatabaseFile_AndStaysSmall()
    {
        EpisodeSnapshot episode = Episode(iteration: 7);
        new RunStore(_store).SaveSnapshot("r1", episode);

        EpisodeSnapshot read = Reopened().LatestSnapshot("r1")!;

        Assert.Equal(7, read.Iteration);
        Assert.Equal(episode.Destinations, read.Destinations);
        Assert.Equal(episode.Positions.Count, read.Positions.Count);
        for (int step = 0; step < episode.Positions.Count; step++)
        {
            Assert.Equal(episode.Positions[step], read.Positions[step]);
            Assert.Equal(episode.Statuses[step], read.Statuses[step]);
        }
        // 20 agents x 280 steps: as BSON arrays of numbers this would be ~60 KB; compact, it is a few KB.
        BsonDocument document = _store.Collection<BsonDocument>(RunStore.SnapshotsCollection).FindById("r1/7");
        int bytes = BsonSerializer.Serialize(document).Length;
        Assert.True(bytes < 20 * 280, $"the stored snapshot takes {bytes} bytes");
    }

    [Fact]
    public void Snapshots_AreKeyedByRunAndIteration_TheNewestIsKept_AndDeletingTheRunRemovesThem()
    {
        var runs = new RunStore(_store);
        runs.Save(new RunRecord { Id = "r1", Spec = new RunSpec { Name = "n" } });
        runs.SaveSnapshot("r1", Episode(iteration: 3, agents: 2, steps: 5));
        runs.SaveSnapshot("r1", Episode(iteration: 9, agents: 2, steps: 5));
        runs.SaveSnapshot("r2", Episode(iteration: 4, agents: 3, steps: 5));

        Assert.Equal(9, runs.LatestSnapshot("r1")!.Iteration);
        Assert.Equal(["r1/9", "r2/4"], _store.Collection<StoredSnapshot>(RunStore.SnapshotsCollection).FindAll().Select(s => s.Id).Order());
        Assert.True(runs.Delete("r1"));
        Assert.Null(runs.LatestSnapshot("r1"));
        Assert.Equal(3, runs.LatestSnapshot("r2")!.Destinations.Length);
    }
}
