// `export tensorboard` on the command line: event files read back frame by frame, the JSON it prints, its exit codes, with and without a dashboard.
using System.Text.Json;
using Leed.Dashboard.Cli;
using Leed.Dashboard.Tests.Hosting;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Leed.Engine.Studies;
using Leed.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Leed.Dashboard.Tests.Cli;

public sealed class ExportVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-export-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private string Data => Path.Combine(_folder, "data");
    private string Out => Path.Combine(_folder, "tensorboard");

    private static async Task<(int Exit, string Output, string Error)> Run(string data, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await CommandLine.RunAsync([.. args, "--data", data], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>A stored run with three iterations of known metrics (no training needed to check what is exported).</summary>
    private static RunRecord StoreRun(RunStore runs, string id)
    {
        var run = new RunRecord
        {
            Id = id, Spec = new RunSpec { Name = id, Map = "synthetic-small" }, Status = RunStatus.Completed,
            CreatedAt = DateTime.UtcNow, StartedAt = new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc), Iteration = 3,
        };
        runs.Save(run);
        for (int iteration = 1; iteration <= 3; iteration++)
            runs.AppendMetric(id, new MetricRecord(iteration, iteration * 128L, iteration * 2.0, new Dictionary<string, double>
            {
                ["charts/episodic_return"] = -100 + iteration * 10.5,
                ["losses/value_loss"] = 1.0 / iteration,
                ["agents/weight/Agent_1"] = 1 - iteration * 0.25,
            }));
        return run;
    }

    private static void AssertEventFile(string path, string runId)
    {
        Assert.Matches(@"^events\.out\.tfevents\.\d{10}\..+$", Path.GetFileName(path));
        Assert.Equal(runId, Path.GetFileName(Path.GetDirectoryName(path)));
        IReadOnlyList<ReadEvent> events = TensorBoardReader.Read(File.ReadAllBytes(path));
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal([128L, 256, 384], events.Skip(1).Select(e => e.Step));
        double started = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal([started + 2, started + 4, started + 6], events.Skip(1).Select(e => e.WallTime));
        Assert.Equal([("agents/weight/Agent_1", 0.25f), ("charts/episodic_return", -68.5f), ("losses/value_loss", 1f / 3)], events[3].Values);
    }

    [Fact]
    public async Task ExportTensorBoard_WritesOneEventFilePerRun_InItsOwnFolder_AndPrintsWhatEachHolds()
    {
        using (LiteDbStore store = LiteDbStore.Open(Data))
        {
            var runs = new RunStore(store);
            StoreRun(runs, "run-a");
            StoreRun(runs, "run-b");
        }

        (int exit, string stdout, string stderr) = await Run(Data, "export", "tensorboard", "run-a", "run-b", "--out", Out);

        Assert.True(exit == 0, stderr);
        using JsonDocument printed = JsonDocument.Parse(stdout);
        Assert.Equal(Path.GetFullPath(Out), printed.RootElement.GetProperty("out").GetString());
        JsonElement[] files = [.. printed.RootElement.GetProperty("files").EnumerateArray()];
        Assert.Equal(["run-a", "run-b"], files.Select(file => file.GetProperty("runId").GetString()));
        foreach (JsonElement file in files)
        {
            string path = file.GetProperty("path").GetString()!;
            AssertEventFile(path, file.GetProperty("runId").GetString()!);
            Assert.Equal((3, 9, new FileInfo(path).Length), (file.GetProperty("events").GetInt32(), file.GetProperty("scalars").GetInt32(), file.GetProperty("bytes").GetInt64()));
            Assert.Equal(["agents/weight/Agent_1", "charts/episodic_return", "losses/value_loss"], file.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()));
        }
    }

    [Fact]
    public async Task ExportTensorBoard_ExitsTwo_ForAnUnknownRun_WritingNothing_AndWithoutOutOrARun()
    {
        using (LiteDbStore store = LiteDbStore.Open(Data)) StoreRun(new RunStore(store), "run-a");

        (int unknown, string nothing, string refused) = await Run(Data, "export", "tensorboard", "run-a", "nope", "--out", Out);
        (int noOut, _, string outMissing) = await Run(Data, "export", "tensorboard", "run-a");
        (int noRun, _, string runMissing) = await Run(Data, "export", "tensorboard", "--out", Out);

        Assert.Equal((2, ""), (unknown, nothing));
        Assert.Contains("No run with id 'nope'", refused);
        Assert.Contains("Nothing was written", refused);
        Assert.False(Directory.Exists(Out));
        Assert.Equal(2, noOut);
        Assert.Contains("--out is required", outMissing);
        Assert.Equal(2, noRun);
        Assert.Contains("Say what to export: one or more RUN_IDs, or --study ID.", runMissing);
    }

    [Fact]
    public async Task ExportTensorBoard_WhenADashboardOwnsTheFolder_WritesTheSameFileThroughItsLocalApi()
    {
        await using var server = new RealServer();
        StoreRun(server.Services.GetRequiredService<RunStore>(), "served-run");

        (int exit, string stdout, string stderr) = await Run(server.DataDirectory, "export", "tensorboard", "served-run", "--out", Out);
        (int unknown, string nothing, string refused) = await Run(server.DataDirectory, "export", "tensorboard", "served-run", "nope", "--out", Path.Combine(_folder, "other"));

        Assert.True(exit == 0, stderr);
        using JsonDocument printed = JsonDocument.Parse(stdout);
        JsonElement file = Assert.Single(printed.RootElement.GetProperty("files").EnumerateArray());
        string path = file.GetProperty("path").GetString()!;
        Assert.StartsWith(Path.GetFullPath(Out), path);
        AssertEventFile(path, "served-run");
        Assert.Equal(new FileInfo(path).Length, file.GetProperty("bytes").GetInt64());
        Assert.Equal((2, ""), (unknown, nothing));
        Assert.Contains("No run with id 'nope'", refused);
        Assert.False(Directory.Exists(Path.Combine(_folder, "other")));
    }

    private static void StoreStudy(ILeedStore store, string id, params string?[] runIds) => new StudyStore(store).Save(new StudyRecord
    {
        Id = id, Name = id, CreatedAt = DateTime.UtcNow,
        Cells = [.. runIds.Select((run, i) => new StoredStudyCell { Key = $"cell-{i}", Config = "leed", Agents = 3, Seed = i, RunId = run })],
    });

    [Fact]
    public async Task ExportTensorBoard_Study_WritesEveryStartedCellsRun_AndRefusesUnknownOrUnstartedStudies()
    {
        using (LiteDbStore store = LiteDbStore.Open(Data))
        {
            var runs = new RunStore(store);
            StoreRun(runs, "cell-run-1");
            StoreRun(runs, "cell-run-2");
            StoreStudy(store, "study-1", "cell-run-1", null, "cell-run-2");
            StoreStudy(store, "study-empty", null, null);
        }

        (int exit, string stdout, string stderr) = await Run(Data, "export", "tensorboard", "--study", "study-1", "--out", Out);
        (int unknown, _, string unknownError) = await Run(Data, "export", "tensorboard", "--study", "nope", "--out", Out);
        (int empty, _, string emptyError) = await Run(Data, "export", "tensorboard", "--study", "study-empty", "--out", Out);
        (int both, _, string bothError) = await Run(Data, "export", "tensorboard", "cell-run-1", "--study", "study-1", "--out", Out);

        Assert.True(exit == 0, stderr);
        using JsonDocument printed = JsonDocument.Parse(stdout);
        Assert.Equal(["cell-run-1", "cell-run-2"], printed.RootElement.GetProperty("files").EnumerateArray().Select(file => file.GetProperty("runId").GetString()));
        foreach (JsonElement file in printed.RootElement.GetProperty("files").EnumerateArray())
            AssertEventFile(file.GetProperty("path").GetString()!, file.GetProperty("runId").GetString()!);
        Assert.Equal((2, 2, 2), (unknown, empty, both));
        Assert.Contains("No study with id 'nope'", unknownError);
        Assert.Contains("Study study-empty has no runs yet", emptyError);
        Assert.Contains("Give run ids or --study ID, not both.", bothError);
    }

    [Fact]
    public async Task ExportTensorBoard_Study_WhenADashboardOwnsTheFolder_AsksItForTheStudysRuns()
    {
        await using var server = new RealServer();
        StoreRun(server.Services.GetRequiredService<RunStore>(), "served-cell");
        StoreStudy(server.Services.GetRequiredService<ILeedStore>(), "served-study", "served-cell");

        (int exit, string stdout, string stderr) = await Run(server.DataDirectory, "export", "tensorboard", "--study", "served-study", "--out", Out);
        (int unknown, _, string refused) = await Run(server.DataDirectory, "export", "tensorboard", "--study", "nope", "--out", Out);

        Assert.True(exit == 0, stderr);
        using JsonDocument printed = JsonDocument.Parse(stdout);
        AssertEventFile(Assert.Single(printed.RootElement.GetProperty("files").EnumerateArray()).GetProperty("path").GetString()!, "served-cell");
        Assert.Equal(2, unknown);
        Assert.Contains("No study with id 'nope'", refused);
    }
}
