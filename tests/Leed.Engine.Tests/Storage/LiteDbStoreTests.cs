using System.Security.Cryptography;
using LiteDB;
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
    public void AReplacingUpload_CutShort_LeavesThePreviousFileWhole_AfterReopening()
    {
        byte[] first = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        byte[] second = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 11 + 1)).ToArray();
        using (var store = LiteDbStore.Open(_folder))
        {
            store.UploadFile("checkpoints/run-1", "run-1.ckpt", new MemoryStream(first));
            // The second checkpoint's writer fails a third of the way in, as a process stopped mid-write does.
            Assert.Throws<IOException>(() => store.UploadFile("checkpoints/run-1", "run-1.ckpt", new FailingStream(second, failAfter: 100_000)));
        }
        using (var reopened = LiteDbStore.Open(_folder))
        {
            var copy = new MemoryStream();
            Assert.True(reopened.DownloadFile("checkpoints/run-1", copy));
            Assert.Equal(first, copy.ToArray());
            Assert.True(reopened.Check().Healthy);
        }
    }

    /// <summary>Reads <c>content</c> and throws once <c>failAfter</c> bytes have been read.</summary>
    private sealed class FailingStream(byte[] content, int failAfter) : MemoryStream(content)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position >= failAfter) throw new IOException("the writer stopped");
            return base.Read(buffer, offset, (int)Math.Min(count, failAfter - Position));
        }

        public override int Read(Span<byte> buffer)
        {
            if (Position >= failAfter) throw new IOException("the writer stopped");
            return base.Read(buffer[..(int)Math.Min(buffer.Length, failAfter - Position)]);
        }
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

    private string DatabaseFile => Path.Combine(_folder, LiteDbStore.DatabaseFileName);
    private string LogFile => LiteDbFiles.LogPathOf(DatabaseFile);

    /// <summary>A closed store with 2,000 notes and a 300 KB file whose bytes are easy to find in the database file.</summary>
    private byte[] CreateGoodStore()
    {
        byte[] payload = Enumerable.Range(0, 300_000).Select(i => (byte)(i % 251)).ToArray();
        using var store = LiteDbStore.Open(_folder);
        ILiteCollection<Note> notes = store.Collection<Note>("notes");
        for (int i = 0; i < 2_000; i++) notes.Insert(new Note { Text = $"note {i}", Values = [i] });
        store.UploadFile("checkpoints/run-1", "run-1.ckpt", new MemoryStream(payload));
        return payload;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void Open_WhileAnotherStoreHasTheFolder_IsRefusedNamingTheOwner()
    {
        using var first = LiteDbStore.Open(_folder, DataFolderOwner.ForThisProcess("maps import"));

        var refused = Assert.Throws<DataFolderBusyException>(() => LiteDbStore.Open(_folder, DataFolderOwner.ForThisProcess("train"), TimeSpan.FromMilliseconds(200)));

        Assert.Contains("`maps import`", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(300_000, "not a whole number of 8 KiB pages")] // cut mid-page: LiteDB would trim it to the page before
    [InlineData(163_840, "pages but the file holds 20 (163,840 bytes), so it was cut short")] // cut at a page boundary
    [InlineData(5_000, "not a whole number of 8 KiB pages")] // under one page: LiteDB would start an empty database
    public void Open_TruncatedDatabase_IsRefusedWithItsName_AndTheFileIsUnchanged(int length, string problem)
    {
        CreateGoodStore();
        using (var file = new FileStream(DatabaseFile, FileMode.Open)) file.SetLength(length);
        string before = Hash(DatabaseFile);

        var refused = Assert.Throws<DamagedStoreException>(() => LiteDbStore.Open(_folder));

        Assert.Equal(DatabaseFile, refused.FilePath);
        Assert.Contains($"'{DatabaseFile}' is damaged", refused.Message, StringComparison.Ordinal);
        Assert.True(refused.Message.Contains(problem, StringComparison.Ordinal), refused.Message);
        Assert.Contains("Restore it from a backup", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(DatabaseFile));
        Assert.Equal(length, new FileInfo(DatabaseFile).Length);
        // The refusal left the folder free for the next attempt.
        Assert.Throws<DamagedStoreException>(() => LiteDbStore.Open(_folder, lockWait: TimeSpan.Zero));
    }

    [Theory]
    [InlineData("my notes about the experiment\n")]
    [InlineData("a longer text file that somebody saved as leed.db by mistake, long enough to pass one page. ")]
    public void Open_TextFileNamedLeedDb_IsRefused_AndNotReplacedByAnEmptyDatabase(string line)
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(DatabaseFile, string.Concat(Enumerable.Repeat(line, 200)));
        string before = Hash(DatabaseFile);

        var refused = Assert.Throws<DamagedStoreException>(() => LiteDbStore.Open(_folder));

        Assert.Contains($"'{DatabaseFile}' is not a LiteDB database", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"it begins with \"{line[..12]}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(DatabaseFile));
    }

    [Fact]
    public void Open_EmptyFile_StartsAnEmptyDatabase()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllBytes(DatabaseFile, []);

        using var store = LiteDbStore.Open(_folder);

        Assert.Equal(0, store.Collection<Note>("notes").Count());
    }

    [Theory]
    [InlineData(65_536)] // whole pages of random bytes: replayed, they made a 16 TiB sparse file here
    [InlineData(13)]
    public void Open_GarbageLogBesideAGoodDatabase_IsRefused_AndNeitherFileChanges(int garbageBytes)
    {
        CreateGoodStore();
        byte[] garbage = new byte[garbageBytes];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(LogFile, garbage);
        (string database, string log) = (Hash(DatabaseFile), Hash(LogFile));
        long length = new FileInfo(DatabaseFile).Length;

        var refused = Assert.Throws<DamagedStoreException>(() => LiteDbStore.Open(_folder));

        Assert.Equal(LogFile, refused.FilePath);
        Assert.Contains($"'{LogFile}', the log beside the database", refused.Message, StringComparison.Ordinal);
        Assert.Contains("move it aside", refused.Message, StringComparison.Ordinal);
        Assert.Equal((database, log, length), (Hash(DatabaseFile), Hash(LogFile), new FileInfo(DatabaseFile).Length));
    }

    [Fact]
    public void Open_TheLogOfAProcessThatDied_IsReplayed()
    {
        CreateGoodStore();
        // Snapshot the files while a writer still has them open, as a kill -9 would leave them.
        string crashed = Path.Combine(_folder, "crashed");
        Directory.CreateDirectory(crashed);
        using (var writer = new LiteDatabase(new ConnectionString { Filename = DatabaseFile, Connection = ConnectionType.Direct }))
        {
            writer.GetCollection<Note>("notes").Insert(new Note { Text = "written just before the crash" });
            // LiteDB writes the log on a background queue: wait until the commit's pages are there.
            Assert.True(SpinWait.SpinUntil(() => File.Exists(LogFile) && new FileInfo(LogFile).Length >= 2 * LiteDbFiles.PageSize, TimeSpan.FromSeconds(10)));
            File.Copy(DatabaseFile, Path.Combine(crashed, LiteDbStore.DatabaseFileName));
            File.Copy(LogFile, LiteDbFiles.LogPathOf(Path.Combine(crashed, LiteDbStore.DatabaseFileName)));
        }

        using var store = LiteDbStore.Open(crashed);

        Assert.Equal(2_001, store.Collection<Note>("notes").Count());
        Assert.Equal("written just before the crash", store.Collection<Note>("notes").FindOne(note => note.Id == 2_001).Text);
    }

    [Fact]
    public void Open_DamagedIndexPages_IsRefusedNamingTheFileAndTheCollection()
    {
        CreateGoodStore();
        byte[] bytes = File.ReadAllBytes(DatabaseFile);
        new Random(3).NextBytes(bytes.AsSpan(10 * LiteDbFiles.PageSize, 5 * LiteDbFiles.PageSize));
        File.WriteAllBytes(DatabaseFile, bytes);

        var refused = Assert.Throws<DamagedStoreException>(() => LiteDbStore.Open(_folder));

        Assert.Contains($"'{DatabaseFile}' is damaged: LiteDB reported", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Restore it from a backup", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckFolder_ADatabaseTooDamagedToOpen_ReportsWhatIsReadable_AndChangesNothing()
    {
        CreateGoodStore();
        byte[] bytes = File.ReadAllBytes(DatabaseFile);
        new Random(3).NextBytes(bytes.AsSpan(10 * LiteDbFiles.PageSize, 5 * LiteDbFiles.PageSize));
        File.WriteAllBytes(DatabaseFile, bytes);
        Assert.Throws<DamagedStoreException>(() => LiteDbStore.Open(_folder));
        string before = Hash(DatabaseFile);

        StoreCheckReport report = LiteDbStore.CheckFolder(_folder);

        Assert.False(report.Healthy);
        CollectionCheck notes = Assert.Single(report.Collections, collection => collection.Name == "notes");
        Assert.NotNull(notes.Problem);
        Assert.True(notes.Readable < 2_000, $"{notes.Readable} notes read from a damaged collection");
        Assert.Equal(before, Hash(DatabaseFile));
        Assert.False(File.Exists(LogFile));
    }

    [Fact]
    public void Check_HealthyStore_ReadsEveryCollectionAndFile()
    {
        CreateGoodStore();
        using var store = LiteDbStore.Open(_folder);

        StoreCheckReport report = store.Check();

        Assert.True(report.Healthy);
        CollectionCheck notes = Assert.Single(report.Collections, collection => collection.Name == "notes");
        Assert.Equal((2_000L, 2_000L, (string?)null), (notes.Documents, notes.Readable, notes.Problem));
        Assert.Contains(report.Collections, collection => collection.Name == "_chunks");
        FileCheck file = Assert.Single(report.Files);
        Assert.Equal(("checkpoints/run-1", 300_000L, 300_000L, (bool?)true), (file.Id, file.Length, file.ReadableBytes, file.ChecksumMatches));
    }

    [Fact]
    public void Check_ADamagedChunk_IsReportedWithItsFile_AndTheRestStaysReadable()
    {
        byte[] payload = CreateGoodStore();
        byte[] bytes = File.ReadAllBytes(DatabaseFile);
        int at = bytes.AsSpan().IndexOf(payload.AsSpan(1_000, 4_000));
        Assert.True(at > 0, "the checkpoint's bytes are in the database file");
        bytes.AsSpan(at + 100, 50).Fill(0xEE);
        File.WriteAllBytes(DatabaseFile, bytes);

        using var store = LiteDbStore.Open(_folder);
        StoreCheckReport report = store.Check();

        Assert.False(report.Healthy);
        FileCheck file = Assert.Single(report.Files);
        Assert.Equal(("checkpoints/run-1", (bool?)false), (file.Id, file.ChecksumMatches));
        Assert.Contains("a chunk is damaged", file.Problem, StringComparison.Ordinal);
        Assert.Equal(2_000L, Assert.Single(report.Collections, collection => collection.Name == "notes").Readable);
    }

    [Fact]
    public async Task Backup_WhileAnotherThreadWrites_TheCopyOpensAndHoldsEveryRecordWrittenBeforeIt()
    {
        CreateGoodStore();
        using var store = LiteDbStore.Open(_folder);
        ILiteCollection<Note> notes = store.Collection<Note>("notes");
        using var stop = new CancellationTokenSource();
        int written = 0;
        Task writer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                notes.Insert(new Note { Text = $"during {written}", Values = [.. Enumerable.Range(0, 50).Select(i => (double)i)] });
                Interlocked.Increment(ref written);
            }
        });
        SpinWait.SpinUntil(() => Volatile.Read(ref written) > 500, TimeSpan.FromSeconds(30));
        int before = 2_000 + Volatile.Read(ref written);

        string target = Path.Combine(_folder, "backups", "leed-backup.db");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        StoreBackupResult backup = store.Backup(target);
        stop.Cancel();
        await writer;

        Assert.Equal(target, backup.Path);
        Assert.True(backup.Documents["notes"] >= before, $"the copy holds {backup.Documents["notes"]} notes, {before} were written before it");
        string restored = Path.Combine(_folder, "restored");
        Directory.CreateDirectory(restored);
        File.Copy(target, Path.Combine(restored, LiteDbStore.DatabaseFileName));
        using var copy = LiteDbStore.Open(restored);
        List<Note> copied = copy.Collection<Note>("notes").FindAll().ToList();
        Assert.Equal(backup.Documents["notes"], copied.Count);
        Dictionary<int, Note> original = notes.FindAll().ToDictionary(note => note.Id);
        Assert.All(copied, note => Assert.Equal(original[note.Id].Text, note.Text));
        Assert.True(copy.Check().Healthy);
        var checkpoint = new MemoryStream();
        Assert.True(copy.DownloadFile("checkpoints/run-1", checkpoint));
        Assert.Equal(300_000, checkpoint.Length);
    }

    [Fact]
    public void Backup_OverAnExistingFileOrTheDatabaseItself_IsRefused()
    {
        using var store = LiteDbStore.Open(_folder);
        string existing = Path.Combine(_folder, "old.db");
        File.WriteAllText(existing, "keep me");

        Assert.Contains("exists already", Assert.Throws<StoreException>(() => store.Backup(existing)).Message, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(existing));
        Assert.Contains("live database", Assert.Throws<StoreException>(() => store.Backup(DatabaseFile)).Message, StringComparison.Ordinal);
    }
}
