// One owner per data folder: the lock refuses a second opener, names the owner, and never blocks on a leftover note.
using System.Diagnostics;
using System.Text.Json;
using Leed.Engine.Storage;

namespace Leed.Engine.Tests.Storage;

public sealed class DataFolderLockTests : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-lock-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string OwnerFile => Path.Combine(_folder, DataFolderLock.OwnerFileName);

    [Fact]
    public void Acquire_WhileAnotherHolds_IsRefusedAfterTheWait_NamingPidVerbAndSince()
    {
        using DataFolderLock held = DataFolderLock.Acquire(_folder, DataFolderOwner.ForThisProcess("maps import"));

        var clock = Stopwatch.StartNew();
        var refused = Assert.Throws<DataFolderBusyException>(() => DataFolderLock.Acquire(_folder, DataFolderOwner.ForThisProcess("train"), Short));

        Assert.True(clock.Elapsed >= Short, $"refused after {clock.Elapsed.TotalMilliseconds} ms, before the wait was over");
        Assert.Equal(Environment.ProcessId, refused.Owner!.ProcessId);
        Assert.Equal("maps import", refused.Owner.Verb);
        Assert.Contains($"pid {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("`maps import`", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"since {held.Owner.Since:yyyy-MM-dd HH:mm:ss} UTC", refused.Message, StringComparison.Ordinal);
        Assert.Contains(_folder, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_OwnerFinishesDuringTheWait_GetsTheFolder()
    {
        DataFolderLock first = DataFolderLock.Acquire(_folder, DataFolderOwner.ForThisProcess("demos generate"));
        _ = Task.Delay(400).ContinueWith(_ => first.Dispose());

        using DataFolderLock second = DataFolderLock.Acquire(_folder, DataFolderOwner.ForThisProcess("train"), TimeSpan.FromSeconds(10));

        Assert.Equal("train", DataFolderLock.ReadOwner(_folder)!.Verb);
    }

    [Fact]
    public void Acquire_LeftoverOwnerFileOfADeadProcess_DoesNotBlock_AndIsReplaced()
    {
        File.WriteAllText(OwnerFile, JsonSerializer.Serialize(new { processId = 999_999, verb = "dashboard", since = "2020-01-01T00:00:00Z" }));

        using DataFolderLock held = DataFolderLock.Acquire(_folder, DataFolderOwner.ForThisProcess("train"), TimeSpan.Zero);

        DataFolderOwner owner = DataFolderLock.ReadOwner(_folder)!;
        Assert.Equal((Environment.ProcessId, "train"), (owner.ProcessId, owner.Verb));
    }

    [Fact]
    public void OwnerFile_HoldsWhoAndSince_ThenTheApi_AndIsReadableByTheUserOnly()
    {
        using DataFolderLock held = DataFolderLock.Acquire(_folder, DataFolderOwner.ForThisProcess("dashboard"));
        held.Publish("http://127.0.0.1:5123", "secret-token");

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(OwnerFile));
        JsonElement root = json.RootElement;
        Assert.Equal(Environment.ProcessId, root.GetProperty("processId").GetInt32());
        Assert.Equal("dashboard", root.GetProperty("verb").GetString());
        Assert.True((DateTime.UtcNow - root.GetProperty("since").GetDateTime().ToUniversalTime()).Duration() < TimeSpan.FromMinutes(1));
        Assert.Equal("http://127.0.0.1:5123", root.GetProperty("apiAddress").GetString());
        Assert.Equal("secret-token", root.GetProperty("apiToken").GetString());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(OwnerFile));
    }

    [Fact]
    public void Dispose_RemovesTheOwnerFile_AndFreesTheFolder()
    {
        DataFolderLock held = DataFolderLock.Acquire(_folder, DataFolderOwner.ForThisProcess("train"));
        held.Dispose();

        Assert.False(File.Exists(OwnerFile));
        using DataFolderLock again = DataFolderLock.Acquire(_folder, DataFolderOwner.ForThisProcess("train"), TimeSpan.Zero);
    }
}
