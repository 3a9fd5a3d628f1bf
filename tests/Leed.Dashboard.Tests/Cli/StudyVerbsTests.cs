// `study run/resume/list/show` and `demos corrupt` on the command line; a study killed with -9 mid-way finishes with `study resume` without rerunning finished cells.
using System.Diagnostics;
using System.Text.Json;
using Leed.Dashboard.Cli;
using Leed.Engine.Analysis;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Leed.Engine.Studies;

namespace Leed.Dashboard.Tests.Cli;

public sealed class StudyVerbsTests : IDisposable
{
    /// <summary>Four cells of 30 tiny iterations each (one episode ends every second iteration on the small preset).</summary>
    private const string Study = """
        {"name": "cli", "map": "synthetic-small", "agents": [3], "seeds": [1, 2], "iterations": 30, "referencePolicies": false,
         "configs": [{"name": "leed", "algo": "leed", "weight": "fixed:0.5"}, {"name": "ippo", "algo": "ippo"}],
         "hyperparameters": {"Envs": 2, "Steps": 64, "Minibatches": 2, "UpdateEpochs": 1, "HiddenSize": 16, "ExpertBatchSize": 16, "Threads": 1}}
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("leed-study-cli-").FullName;

    private string Data => Path.Combine(_folder, "data");

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await CommandLine.RunAsync([.. args, "--data", Data], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task StudyRun_StreamsALinePerFinishedRun_ThenTheSummary_AndShowPrintsItAsMarkdownAndCsv()
    {
        string file = Write("tiny.json", Study.Replace("\"iterations\": 30", "\"iterations\": 2"));
        (int exit, string stdout, string stderr) = await Run("study", "run", file, "--seeds", "1");

        Assert.True(exit == 0, stderr);
        string[] lines = Lines(stdout);
        Assert.Equal(3, lines.Length); // two cells (one seed), then the summary
        using JsonDocument first = JsonDocument.Parse(lines[0]);
        Assert.Equal("completed", first.RootElement.GetProperty("status").GetString());
        string id = first.RootElement.GetProperty("study").GetString()!;
        using JsonDocument summary = JsonDocument.Parse(lines[^1]);
        Assert.Equal(id, summary.RootElement.GetProperty("study").GetString());
        Assert.Equal("cli", summary.RootElement.GetProperty("name").GetString());
        JsonElement group = summary.RootElement.GetProperty("groups")[0];
        foreach (string key in new[] { "config", "agents", "corruption", "runs", "finalReturn", "arrivalRate", "stepsToThreshold", "wallSecondsToThreshold", "normalisedScore", "pValueVsReference" })
            Assert.True(group.TryGetProperty(key, out _), $"the summary's group has no '{key}'");
        foreach (string key in new[] { "mean", "sd", "ci95" }) Assert.True(group.GetProperty("finalReturn").TryGetProperty(key, out _));

        (_, string list, _) = await Run("study", "list");
        using JsonDocument studies = JsonDocument.Parse(list);
        JsonElement listed = Assert.Single(studies.RootElement.EnumerateArray());
        Assert.Equal(("completed", 2), (listed.GetProperty("status").GetString(), listed.GetProperty("completed").GetInt32()));
        Assert.Equal(["seeds=1"], listed.GetProperty("overrides").EnumerateArray().Select(value => value.GetString()));

        (int markdownExit, string markdown, _) = await Run("study", "show", id, "--markdown");
        Assert.Equal(0, markdownExit);
        Assert.Contains("| config | agents | corruption | runs | final team return |", markdown);
        Assert.Contains("| leed | 3 | none | 1/1 |", markdown);
        (_, string csv, _) = await Run("study", "show", id, "--csv");
        Assert.StartsWith(string.Join(',', StudyReport.CsvColumns), csv);
        Assert.Equal(3, Lines(csv).Length);

        // Headless figures: Chromium draws the page's Plotly figure and hands back a 1800 x 920 PNG.
        string figures = Path.Combine(_folder, "figures");
        (int pngExit, _, string pngError) = await Run("study", "show", id, "--png", figures, "--browser", Browser.AppServerFixture.ChromiumPath);
        Assert.True(pngExit == 0, pngError);
        byte[] png = await File.ReadAllBytesAsync(Path.Combine(figures, "study-curves.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal((1800, 920), (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));
        Assert.False(File.Exists(Path.Combine(figures, "study-final-vs-corruption.png"))); // one corruption level: no such figure
    }

    [Fact]
    public async Task StudyRun_ABadFile_ExitsTwoWithEveryLocatedError_AndStoresNothing()
    {
        string file = Write("bad.json", Study.Replace("\"fixed:0.5\"", "\"dynamic:abc\"").Replace("\"agents\": [3]", "\"agents\": []"));
        (int exit, _, string stderr) = await Run("study", "run", file);

        Assert.Equal(2, exit);
        Assert.Contains("bad.json: configs[0].weight: unknown weight schedule 'dynamic:abc'", stderr);
        Assert.Contains("bad.json: agents: is empty", stderr);
        (_, string list, _) = await Run("study", "list");
        Assert.Equal("[]", list.Trim());
    }

    [Fact]
    public async Task DemosCorrupt_WritesAVersionAndPrintsWhichAgentsChanged()
    {
        (int generated, string set, string error) = await Run("demos", "generate", "--map", "synthetic-small", "--agents", "6", "--demonstrator", "planner");
        Assert.True(generated == 0, error);
        int id = JsonDocument.Parse(set).RootElement.GetProperty("setId").GetInt32();

        (int exit, string stdout, string stderr) = await Run("demos", "corrupt", id.ToString(), "--fraction", "0.5", "--kind", "drop", "--seed", "3");

        Assert.True(exit == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement root = json.RootElement;
        Assert.Equal((2, id, "drop", 0.5, 3), (root.GetProperty("version").GetInt32(), root.GetProperty("parent").GetInt32(),
            root.GetProperty("kind").GetString(), root.GetProperty("fraction").GetDouble(), root.GetProperty("seed").GetInt32()));
        string[] changed = [.. root.GetProperty("changedAgents").EnumerateArray().Select(agent => agent.GetString()!)];
        Assert.Equal(3, changed.Length);
        Assert.All(changed, agent => Assert.StartsWith("Agent_", agent));
        int version = root.GetProperty("setId").GetInt32();
        (_, string shown, _) = await Run("demos", "show", version.ToString(), "--json");
        Assert.Equal(changed, JsonDocument.Parse(shown).RootElement.GetProperty("corruption").GetProperty("changedAgents").EnumerateArray().Select(agent => agent.GetString()));

        (int bad, _, string refused) = await Run("demos", "corrupt", id.ToString(), "--fraction", "0.5", "--kind", "shuffle");
        Assert.Equal(2, bad);
        Assert.Contains("--kind must be detour, wait or drop", refused);
    }

    [Fact]
    public async Task AStudyKilledMidway_IsFinishedByStudyResume_WithoutRerunningItsFinishedCells()
    {
        // Cells of 100 iterations (about a second and a half each here): the kill below lands while the second one trains.
        string file = Write("kill.json", Study.Replace("\"iterations\": 30", "\"iterations\": 100", StringComparison.Ordinal));
        // A real child process on the same data folder, killed with SIGKILL once its first cell has finished.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { DashboardDll(), "study", "run", file, "--data", Data }) start.ArgumentList.Add(argument);
        string? firstFinished = null;
        string? studyId = null;
        using (Process child = Process.Start(start)!)
        {
            _ = child.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            string? line = await child.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.NotNull(line);
            using (JsonDocument finished = JsonDocument.Parse(line))
            {
                studyId = finished.RootElement.GetProperty("study").GetString();
                firstFinished = finished.RootElement.GetProperty("cell").GetString();
            }
            await Task.Delay(800); // the next cell is training now
            child.Kill(entireProcessTree: true); // SIGKILL: no cleanup, the database as a crash leaves it
            await child.WaitForExitAsync();
        }

        // What finished before the kill is what the store says (on a fast machine a second cell can
        // finish within the delay, its line unread): those are the cells resume must leave alone.
        Dictionary<string, (string RunId, DateTime? Ended, int Rows)> kept;
        string[] finishedBefore;
        using (var store = LiteDbStore.Open(Data))
        {
            StudyRecord study = new StudyStore(store).Find(studyId!)!;
            var runs = new RunStore(store);
            finishedBefore = [.. study.Cells.Where(cell => cell.RunId is not null && runs.Find(cell.RunId)!.Status == RunStatus.Completed).Select(cell => cell.Key)];
            Assert.Contains(firstFinished, finishedBefore);
            kept = study.Cells.Where(cell => finishedBefore.Contains(cell.Key))
                .ToDictionary(cell => cell.Key, cell => (cell.RunId!, runs.Find(cell.RunId!)!.EndedAt, runs.MetricsOf(cell.RunId!).Count));
            Assert.Contains(study.Cells, cell => cell.RunId is not null && runs.Find(cell.RunId)!.Status is RunStatus.Running or RunStatus.Queued);
        }

        (int exit, string stdout, string stderr) = await Run("study", "resume", studyId!);

        Assert.True(exit == 0, stderr);
        string[] lines = Lines(stdout);
        string[] resumedCells = [.. lines[..^1].Select(line => JsonDocument.Parse(line).RootElement.GetProperty("cell").GetString()!)];
        Assert.Empty(resumedCells.Intersect(finishedBefore));
        Assert.Equal(4 - finishedBefore.Length, resumedCells.Length);
        using JsonDocument summary = JsonDocument.Parse(lines[^1]);
        Assert.All(summary.RootElement.GetProperty("groups").EnumerateArray(), group => Assert.Equal(2, group.GetProperty("runs").GetInt32()));
        using (var store = LiteDbStore.Open(Data))
        {
            StudyRecord study = new StudyStore(store).Find(studyId!)!;
            var runs = new RunStore(store);
            foreach (StoredStudyCell cell in study.Cells)
            {
                RunRecord run = runs.Find(cell.RunId!)!;
                Assert.Equal(RunStatus.Completed, run.Status);
                Assert.Equal(100, new ComparedRun(run, runs.MetricsOf(run.Id)).Iterations.Count);
                if (!kept.TryGetValue(cell.Key, out var before)) continue;
                Assert.Equal((before.RunId, before.Ended, before.Rows), (cell.RunId!, run.EndedAt, runs.MetricsOf(run.Id).Count));
            }
        }
    }

    /// <summary>The dashboard's own build output (the test's copy lacks its runtime configuration), in the test's configuration.</summary>
    private static string DashboardDll()
    {
        string bin = AppContext.BaseDirectory;
        string configuration = new DirectoryInfo(bin).Parent!.Name; // .../bin/<Configuration>/net10.0/
        DirectoryInfo? root = new(bin);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Leed.sln"))) root = root.Parent;
        string dll = Path.Combine(root!.FullName, "src", "Leed.Dashboard", "bin", configuration, "net10.0", "Leed.Dashboard.dll");
        Assert.True(File.Exists(dll), $"The dashboard is not built at {dll}.");
        return dll;
    }
}
