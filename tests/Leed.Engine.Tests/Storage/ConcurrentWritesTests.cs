// Several runs write into one store at once: the store must stay readable and lose nothing.
using LiteDB;
using Leed.Engine.Storage;

namespace Leed.Engine.Tests.Storage;

public sealed class ConcurrentWritesTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "leed-concurrent-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    public sealed class Row
    {
        public ObjectId Id { get; set; } = ObjectId.NewObjectId();
        public string Owner { get; set; } = "";
        public int Iteration { get; set; }
        public double[] Values { get; set; } = [];
    }

    public sealed class Header
    {
        public string Id { get; set; } = "";
        public int Iteration { get; set; }
        public string Notes { get; set; } = "";
    }

    /// <summary>
    /// The pattern of two runs and a study finishing together: each run appends metric rows,
    /// rewrites its header and replaces its checkpoint, while another thread deletes old runs'
    /// rows. Written to different collections from different threads, this corrupted LiteDB's
    /// list of free pages ("empty page must be defined as empty type") and crashed the process.
    /// </summary>
    [Fact]
    public async Task WritersOnManyThreads_IntoSeveralCollectionsAndFiles_LeaveAHealthyStoreHoldingEveryRecord()
    {
        const int Writers = 4;
        const int Iterations = 250;
        var payload = new byte[40_000];
        new Random(7).NextBytes(payload);
        int deleted = 0;

        using (var store = LiteDbStore.Open(_folder))
        {
            ILiteCollection<Row> rows = store.Collection<Row>("rows");
            ILiteCollection<Header> headers = store.Collection<Header>("headers");
            ILiteCollection<Row> scratch = store.Collection<Row>("scratch");
            rows.EnsureIndex(row => row.Owner);
            using var stop = new CancellationTokenSource();

            Task[] writers = [.. Enumerable.Range(0, Writers).Select(writer => Task.Run(() =>
            {
                string owner = $"run-{writer}";
                for (int iteration = 1; iteration <= Iterations; iteration++)
                {
                    rows.Insert(new Row { Owner = owner, Iteration = iteration, Values = [.. Enumerable.Range(0, 40).Select(i => i * 0.5)] });
                    headers.Upsert(new Header { Id = owner, Iteration = iteration, Notes = new string('n', iteration * 4) });
                    if (iteration % 25 == 0) store.UploadFile($"checkpoints/{owner}", $"{owner}.ckpt", new MemoryStream(payload));
                }
            }))];
            Task deleter = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    scratch.InsertBulk(Enumerable.Range(0, 50).Select(i => new Row { Owner = "old", Iteration = i, Values = [1, 2, 3] }));
                    deleted += scratch.DeleteMany(row => row.Owner == "old");
                }
            });

            Task all = Task.WhenAll(writers);
            await all.WaitAsync(TimeSpan.FromMinutes(3));
            stop.Cancel();
            await deleter;
            Assert.True(deleted > 0, "the deleting thread ran beside the writers");
        }

        using var reopened = LiteDbStore.Open(_folder);
        Assert.True(reopened.Check().Healthy);
        for (int writer = 0; writer < Writers; writer++)
        {
            string owner = $"run-{writer}";
            Assert.Equal(Enumerable.Range(1, Iterations),
                reopened.Collection<Row>("rows").Find(row => row.Owner == owner).Select(row => row.Iteration).Order());
            Assert.Equal(Iterations, reopened.Collection<Header>("headers").FindById(owner).Iteration);
            var checkpoint = new MemoryStream();
            Assert.True(reopened.DownloadFile($"checkpoints/{owner}", checkpoint));
            Assert.Equal(payload, checkpoint.ToArray());
        }
    }
}
