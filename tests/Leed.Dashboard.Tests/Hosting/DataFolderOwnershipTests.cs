// Two real processes on one data folder: the second is refused (or served through the owner), and nothing is lost.
using Leed.Dashboard.LocalApi;
using Leed.Engine.Demonstrations;
using Leed.Engine.Maps;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Tests.Hosting;

public sealed class DataFolderOwnershipTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leed-owner-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);

    /// <summary>Open files of a process that point at a deleted leed-log.db (Linux only; empty elsewhere).</summary>
    private static string[] DeletedLogsHeldBy(int pid)
    {
        string fds = $"/proc/{pid}/fd";
        if (!Directory.Exists(fds)) return [];
        return [.. Directory.GetFiles(fds).Select(fd => { try { return new FileInfo(fd).LinkTarget ?? ""; } catch (IOException) { return ""; } })
            .Where(target => target.Contains("leed-log.db", StringComparison.Ordinal) && target.EndsWith("(deleted)", StringComparison.Ordinal))];
    }

    [Fact]
    public async Task WhileADashboardOwnsTheFolder_OthersAreRefusedNamingIt_ItsApiServesThem_AndNothingIsLostAcrossAKillAndARestart()
    {
        int setId;
        using (DashboardProcess dashboard = await DashboardProcess.StartDashboardAsync(_data))
        {
            // This process opening the store directly: refused, naming the dashboard.
            var refused = Assert.Throws<DataFolderBusyException>(() => LiteDbStore.Open(_data, lockWait: TimeSpan.FromMilliseconds(500)));
            Assert.Equal((dashboard.Id, "dashboard"), (refused.Owner!.ProcessId, refused.Owner.Verb));
            Assert.Contains($"in use by the dashboard (pid {dashboard.Id} on {Environment.MachineName}, since ", refused.Message, StringComparison.Ordinal);

            // A verb in a third process does not open the database beside the dashboard: the owner serves it, through the API its owner file names.
            (int exit, _, string error) = await DashboardProcess.RunVerbAsync("maps", "import", Sample("sample-town.map"), "--data", _data);
            Assert.True(exit == 0, error);
            Assert.Contains("in the running dashboard's store", error, StringComparison.Ordinal);
            using (LocalApiClient client = LocalApiClient.ForOwner(DataFolderLock.ReadOwner(_data))!)
                setId = (await client.GenerateDemonstrationsAsync(new DemosGenerateCall("sample-town") { Agents = 3 })).Summary.SetId;
            Assert.Empty(DeletedLogsHeldBy(dashboard.Id));

            // A crash: the lock goes with the process, its owner file stays behind.
            await dashboard.KillAsync();
        }
        Assert.True(File.Exists(Path.Combine(_data, DataFolderLock.OwnerFileName)), "kill -9 leaves the owner file");

        // Restart: the leftover owner file does not block, and what the first dashboard stored is there.
        using (DashboardProcess restarted = await DashboardProcess.StartDashboardAsync(_data))
        {
            Assert.Equal(restarted.Id, DataFolderLock.ReadOwner(_data)!.ProcessId);
            using LocalApiClient client = LocalApiClient.ForOwner(DataFolderLock.ReadOwner(_data))!;
            var taken = await Assert.ThrowsAsync<LocalApiException>(() =>
                client.ImportMapAsync(new MapImportCall("sample-town.map", File.ReadAllText(Sample("sample-town.map")))));
            Assert.Contains("sample-town", taken.Message, StringComparison.Ordinal);
            await restarted.StopAsync();
        }
        Assert.False(File.Exists(Path.Combine(_data, DataFolderLock.OwnerFileName)), "a dashboard that stops cleanly removes its owner file");

        using LiteDbStore store = LiteDbStore.Open(_data, lockWait: TimeSpan.Zero);
        Assert.NotNull(MapCatalog.For(store).Find("sample-town"));
        Assert.Equal(3, new DemonstrationStore(store).Find(setId)!.Agents.Count);
    }

    [Fact]
    public async Task ADashboardOnADamagedDatabase_RefusesToStart_WithTheMessage_AndLeavesTheFileAlone()
    {
        string database = Path.Combine(_data, LiteDbStore.DatabaseFileName);
        await File.WriteAllTextAsync(database, "these are my notes, not a database\n");

        (int exit, string output, string error) = await DashboardProcess.RunVerbAsync("--data", _data, "--urls", "http://127.0.0.1:0");

        Assert.True(exit == 2, $"exit {exit}: {output} {error}");
        Assert.Contains($"error: '{database}' is not a LiteDB database", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        Assert.Equal("these are my notes, not a database\n", await File.ReadAllTextAsync(database));
    }

    [Fact]
    public async Task ASecondDashboardOnTheSameFolder_RefusesToStart_NamingTheFirst()
    {
        using DashboardProcess first = await DashboardProcess.StartDashboardAsync(_data);

        (int exit, _, string error) = await DashboardProcess.RunVerbAsync("--data", _data, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, exit);
        Assert.Contains($"in use by the dashboard (pid {first.Id}", error, StringComparison.Ordinal);
        Assert.False(first.HasExited);
        await first.StopAsync();
    }
}
