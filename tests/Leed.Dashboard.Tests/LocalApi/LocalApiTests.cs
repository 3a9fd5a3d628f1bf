// The local API over real HTTP: command-line work served by the running dashboard, stored in its store, shown live.
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Leed.Dashboard.Cli;
using Leed.Dashboard.LocalApi;
using Leed.Dashboard.Tests.Hosting;
using Leed.Engine.Demonstrations;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Leed.Dashboard.Tests.LocalApi;

public sealed class LocalApiServer : IAsyncLifetime
{
    public RealServer Server { get; private set; } = default!;

    public Task InitializeAsync()
    {
        Server = new RealServer(new Dictionary<string, string?> { ["Leed:Runs:MaxConcurrent"] = "2" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>The client a command-line verb would make: from the owner file in the data folder.</summary>
    public LocalApiClient Client() => LocalApiClient.ForOwner(DataFolderLock.ReadOwner(Server.DataDirectory))
        ?? throw new InvalidOperationException("The dashboard has not published its local API in the owner file.");
}

public sealed class LocalApiTests(LocalApiServer fixture) : IClassFixture<LocalApiServer>
{
    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);

    private RealServer Server => fixture.Server;
    private RunRegistry Registry => Server.Services.GetRequiredService<RunRegistry>();

    [Fact]
    public async Task OwnerFile_NamesTheDashboardWithItsLoopbackAddressAndToken_AndTheClientReachesIt()
    {
        DataFolderOwner owner = DataFolderLock.ReadOwner(Server.DataDirectory)!;

        Assert.Equal(("dashboard", Environment.ProcessId), (owner.Verb, owner.ProcessId));
        Assert.Equal(Server.BaseAddress.GetLeftPart(UriPartial.Authority), owner.ApiAddress);
        Assert.False(string.IsNullOrEmpty(owner.ApiToken));
        using LocalApiClient client = fixture.Client();
        LocalApiInfo info = await client.InfoAsync();
        Assert.Equal((Environment.ProcessId, Server.DataDirectory), (info.ProcessId, info.DataDirectory));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-the-token")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task Calls_WithoutTheOwnerFilesToken_AreRefused(string? authorization)
    {
        using HttpClient client = Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/local/runs");
        if (authorization is not null) request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);

        HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(DataFolderLock.OwnerFileName, await response.Content.ReadAsStringAsync());
        using var wrong = new LocalApiClient(Server.BaseAddress, "not-the-token");
        Assert.Equal(2, (await Assert.ThrowsAsync<LocalApiException>(() => wrong.ListRunsAsync())).ExitCode);
    }

    [Fact]
    public async Task MapsImport_StoresTheMapInTheDashboardsStore_AndAnswersWhatTheVerbPrints()
    {
        using LocalApiClient client = fixture.Client();
        var call = new MapImportCall("sample-town.map", await File.ReadAllTextAsync(Sample("sample-town.map")))
        {
            ScenarioFileName = "sample-town.scen",
            ScenarioContent = await File.ReadAllTextAsync(Sample("sample-town.scen")),
            Agents = 5,
            Name = "api-town",
        };

        MapImportSummary summary = await client.ImportMapAsync(call);

        MapImportSummary local = MapImporter.Import(new MapImportRequest(Sample("sample-town.map"))
            { ScenarioPath = Sample("sample-town.scen"), Agents = 5, Name = "api-town" }).Summary;
        Assert.Equal(local, summary);
        var catalog = MapCatalog.For(Server.Services.GetRequiredService<ILeedStore>());
        Assert.Equal(summary.RoadCells, catalog.Find("api-town")!.RoadCellCount);
        Assert.Equal(5, catalog.FindScenario("api-town")!.AgentCount);

        var taken = await Assert.ThrowsAsync<LocalApiException>(() => client.ImportMapAsync(call));
        Assert.Equal((2, 400), (taken.ExitCode, taken.StatusCode));
        Assert.Contains("--overwrite", taken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapsImport_AFileWithAProblem_IsRefusedWithItsLocationAndExit2_AndNothingIsSaved()
    {
        using LocalApiClient client = fixture.Client();
        string map = "type octile\nheight 2\nwidth 3\nmap\n...\n.X.\n";

        var refused = await Assert.ThrowsAsync<LocalApiException>(() => client.ImportMapAsync(new MapImportCall("broken.map", map)));

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("broken.map:6:2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was saved.", refused.Message, StringComparison.Ordinal);
        Assert.Null(MapCatalog.For(Server.Services.GetRequiredService<ILeedStore>()).Find("broken"));
    }

    [Fact]
    public async Task DemosGenerate_WithThePlanner_StoresASetInTheDashboard_AndAnswersItsSummaryAndInstructions()
    {
        using LocalApiClient client = fixture.Client();

        DemosGenerated generated = await client.GenerateDemonstrationsAsync(new DemosGenerateCall(PresetMaps.Small) { Agents = 4, Seed = 3 });

        DemonstrationSummary summary = generated.Summary;
        Assert.Equal(("planner", "planner, no LLM", 4, 4, 0), (summary.Demonstrator, summary.Label, summary.Agents, summary.Valid, summary.TranscriptCalls));
        StoredDemonstrationSet stored = new DemonstrationStore(Server.Services.GetRequiredService<ILeedStore>()).Find(summary.SetId)!;
        Assert.Equal((PresetMaps.Small, 4), (stored.MapName, stored.Agents.Count));
        Assert.Contains("# Agent_3", generated.Instructions, StringComparison.Ordinal);
        Assert.Contains("[MoveTo, Intersection_", generated.Instructions, StringComparison.Ordinal);

        var refused = await Assert.ThrowsAsync<LocalApiException>(() => client.GenerateDemonstrationsAsync(
            new DemosGenerateCall(PresetMaps.Small) { Demonstrator = "planner", LlmModel = "m" }));
        Assert.Contains("--llm-model applies to the LLM demonstrator", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_StreamsTheLinesTheVerbPrints_AndTheRunLivesInTheDashboard()
    {
        using LocalApiClient client = fixture.Client();
        var call = new TrainCall(PresetMaps.Small) { Name = "from the command line", Agents = 3, Algorithm = "ippo", Iterations = 3, Envs = 2, Steps = 16, Threads = 1, Seed = 4 };
        var rows = new List<string>();
        RunSummary? queued = null, ended = null;
        bool seenActiveInTheRegistry = false;

        await foreach (TrainEvent line in client.TrainAsync(call))
        {
            if (line.Event == TrainEvent.Queued) queued = line.Run;
            if (line.Event == TrainEvent.Iteration)
            {
                rows.Add(line.Row!.Value.GetRawText());
                seenActiveInTheRegistry |= Registry.List().Any(run => run.Id == queued!.Id && run.IsActive);
            }
            if (line.Event == TrainEvent.End) ended = line.Run;
        }

        Assert.NotNull(queued);
        Assert.True(seenActiveInTheRegistry, "the run was in the dashboard's list while it trained");
        Assert.Equal((RunStatus.Completed, 3), (ended!.Status, ended.Iterations));
        Assert.Equal([1, 2, 3], rows.Select(row => JsonDocument.Parse(row).RootElement.GetProperty("iteration").GetInt32()));
        Assert.Equal(3, Registry.Store.MetricsOf(queued.Id).Count);
        Assert.Equal("from the command line", Registry.Get(queued.Id)!.Spec.Name);

        // The same options through the verb itself, in another folder: the same columns, the same numbers (speed aside).
        string folder = Directory.CreateTempSubdirectory("leed-api-train-").FullName;
        try
        {
            var output = new StringWriter();
            int exit = await CommandLine.RunAsync(["train", "--map", PresetMaps.Small, "--agents", "3", "--algo", "ippo", "--iterations", "3", "--envs", "2",
                "--steps", "16", "--threads", "1", "--seed", "4", "--data", Path.Combine(folder, "data"), "--out", Path.Combine(folder, "run")], output, new StringWriter());
            Assert.Equal(0, exit);
            string[] verbRows = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(verbRows.Select(WithoutSpeed), rows.Select(WithoutSpeed));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task TrainVerb_OnAFolderTheDashboardOwns_TrainsThereAsALiveStoredRun_StreamingItsLines_AndKeepingOut()
    {
        string folder = Directory.CreateTempSubdirectory("leed-api-train-verb-").FullName;
        var live = new HashSet<string>();
        using IDisposable watching = Registry.SubscribeList(() =>
        {
            lock (live) foreach (RunSummary run in Registry.List().Where(run => run.IsActive).Select(RunSummary.Of)) live.Add(run.Id);
        });
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            string run = Path.Combine(folder, "run");
            int exit = await CommandLine.RunAsync(["train", "--map", PresetMaps.Small, "--agents", "3", "--algo", "ippo", "--iterations", "3", "--envs", "2",
                "--steps", "16", "--threads", "1", "--seed", "4", "--checkpoint-every", "2", "--data", Server.DataDirectory, "--out", run], output, error);

            Assert.True(exit == 0, error.ToString());
            Assert.Contains("owned by a running dashboard: training there", error.ToString(), StringComparison.Ordinal);
            string runId = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(run, "config.json"))).RootElement.GetProperty("runId").GetString()!;
            lock (live) Assert.Contains(runId, live); // listed by the dashboard while it trained
            Assert.Equal(RunStatus.Completed, Registry.Get(runId)!.Status);
            Assert.Equal([1, 2, 3], Registry.Store.MetricsOf(runId).Select(row => row.Iteration));
            Assert.Equal([1, 2, 3], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("iteration").GetInt32()));
            Assert.Equal(4, (await File.ReadAllLinesAsync(Path.Combine(run, "metrics.csv"))).Length);
            Assert.True(File.Exists(Path.Combine(run, "checkpoint.bin")), "the dashboard's checkpoints are kept in --out too");

            // `runs list` on the same folder is answered by the dashboard too, and names the run.
            var listed = new StringWriter();
            Assert.Equal(0, await CommandLine.RunAsync(["runs", "list", "--data", Server.DataDirectory], listed, new StringWriter()));
            Assert.Contains(JsonDocument.Parse(listed.ToString()).RootElement.EnumerateArray(), item => item.GetProperty("id").GetString() == runId);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string WithoutSpeed(string row)
    {
        var values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(row)!;
        values.Remove("charts/SPS");
        return string.Join(',', values.Select(pair => $"{pair.Key}={pair.Value.GetRawText()}"));
    }

    [Fact]
    public async Task Train_ARunThatCannotFit_IsRefusedBeforeItIsQueued_WithTheEstimate()
    {
        using LocalApiClient client = fixture.Client();
        int before = Registry.List().Count;

        var refused = await Assert.ThrowsAsync<LocalApiException>(async () =>
        {
            await foreach (TrainEvent _ in client.TrainAsync(new TrainCall(PresetMaps.Small) { Envs = 4096, Steps = 100_000 })) { }
        });

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("needs about", refused.Message, StringComparison.Ordinal);
        Assert.Contains("TB of memory", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, Registry.List().Count);
        var unknown = await Assert.ThrowsAsync<LocalApiException>(async () =>
        {
            await foreach (TrainEvent _ in client.TrainAsync(new TrainCall("no-such-map"))) { }
        });
        Assert.Contains("No map named 'no-such-map'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunsListAndShow_AnswerWhatTheRunsPageShows()
    {
        using LocalApiClient client = fixture.Client();
        RunRecord submitted = Registry.Submit(new RunSpec { Name = "listed", Algorithm = "random", Map = PresetMaps.Small, Agents = 2, Iterations = 1,
            Hyperparameters = new() { ["Envs"] = 1, ["Steps"] = 8, ["Minibatches"] = 1 } });
        SpinWait.SpinUntil(() => Registry.Get(submitted.Id) is { IsActive: false }, TimeSpan.FromSeconds(60));

        IReadOnlyList<RunSummary> runs = await client.ListRunsAsync();
        RunDetails details = await client.ShowRunAsync(submitted.Id);

        Assert.Equal(Registry.List().Select(run => run.Id), runs.Select(run => run.Id)); // newest first, as the Runs page
        RunSummary listed = Assert.Single(runs, run => run.Id == submitted.Id);
        Assert.Equal(("listed", "random", PresetMaps.Small, 2, RunStatus.Completed, 1, 1), (listed.Name, listed.Algorithm, listed.Map, listed.Agents, listed.Status, listed.Iterations, listed.PlannedIterations));
        Assert.Equal((1, 8.0), (details.MetricRows, details.Hyperparameters["Steps"]));
        Assert.Equal(DateTimeKind.Utc, details.Run.CreatedAt.Kind);
        var missing = await Assert.ThrowsAsync<LocalApiException>(() => client.ShowRunAsync("no-such-run"));
        Assert.Equal((2, 404), (missing.ExitCode, missing.StatusCode));
    }

    [Fact]
    public async Task StoreBackupAndCheck_WhileTheDashboardRuns_GiveAVerifiedCopyAndAReport()
    {
        using LocalApiClient client = fixture.Client();
        string target = Path.Combine(Directory.CreateTempSubdirectory("leed-api-backup-").FullName, "copy.db");
        try
        {
            StoreBackupResult backup = await client.BackupAsync(target);
            StoreCheckReport check = await client.CheckStoreAsync();

            Assert.True(File.Exists(target));
            Assert.Equal(new FileInfo(target).Length, backup.Bytes);
            Assert.True(check.Healthy);
            Assert.Equal(check.Collections.Select(c => c.Name).Order(), backup.Documents.Keys.Order());
            var again = await Assert.ThrowsAsync<LocalApiException>(() => client.BackupAsync(target));
            Assert.Contains("exists already", again.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(target)!, recursive: true);
        }
    }
}
