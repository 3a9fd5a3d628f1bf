using Leed.Engine.Storage;

namespace Leed.Engine.Tests.Storage;

public sealed class LiteDbStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "leed-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    public sealed class Note
    {
        public int Id { get; set; }
        public string Text { get; set; } = "";
        public List<double> Values { get; set; } = [];
    }

    [Fact]
    public void Open_CreatesTheFolderAndFile_AndDocumentsSurviveReopening()
    {
        using (var store = LiteDbStore.Open(_folder))
        {
            Assert.Equal(Path.Combine(_folder, "leed.db"), store.DatabasePath);
            store.Collection<Note>("notes").Insert(new Note { Text = "first run", Values = [1.5, -2] });
        }
        Assert.True(File.Exists(Path.Combine(_folder, "leed.db")));

        using (var store = LiteDbStore.Open(_folder))
        {
            Note note = Assert.Single(store.Collection<Note>("notes").FindAll());
            Assert.Equal("first run", note.Text);
            Assert.Equal([1.5, -2], note.Values);
        }
    }

    [Fact]
    public void Files_RoundTripAndDelete()
    {
        using var store = LiteDbStore.OpenInMemory();
        byte[] payload = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        store.UploadFile("checkpoints/run-1", "final.pt", new MemoryStream(payload));

        var copy = new MemoryStream();
        Assert.True(store.DownloadFile("checkpoints/run-1", copy));
        Assert.Equal(payload, copy.ToArray());
        Assert.Equal(["checkpoints/run-1"], store.FileIds("checkpoints/"));

        Assert.True(store.DeleteFile("checkpoints/run-1"));
        Assert.False(store.DownloadFile("checkpoints/run-1", new MemoryStream()));
    }

    [Fact]
    public void InTransaction_Failure_SavesNothing()
    {
        using var store = LiteDbStore.Open(_folder);
        var notes = store.Collection<Note>("notes");
        Assert.Throws<InvalidOperationException>(() => store.InTransaction<int>(() =>
        {
            notes.Insert(new Note { Text = "half-written" });
            throw new InvalidOperationException("failed midway");
        }));
        Assert.Equal(0, notes.Count());
    }

    [Fact]
    public void Open_FolderThatIsAFile_SaysWhichFolder()
    {
        Directory.CreateDirectory(_folder);
        string file = Path.Combine(_folder, "occupied");
        File.WriteAllText(file, "x");
        var error = Assert.Throws<StoreException>(() => LiteDbStore.Open(file));
        Assert.Contains(file, error.Message);
    }
}
