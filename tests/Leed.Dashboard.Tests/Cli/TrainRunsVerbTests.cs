// `train` as a stored run that survives a crash: checkpoints every N iterations, SIGTERM saves one, --resume continues exactly; `runs list/show`; --out refusals.
using System.Text.Json;
using Leed.Dashboard.Cli;
using Leed.Dashboard.Tests.Hosting;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Tests.Cli;

public sealed class TrainRunsVerbTests : IDisposable
{
    private const string Tiny = "--map synthetic-small --agents 3 --algo ippo --envs 2 --steps 16 --threads 1";

    private readonly string _folder = Directory.CreateTempSubdirectory("leed-train-runs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Data => Path.Combine(_folder, "data");

    private async Task<(int Exit, string Output, string Error)> Run(string commandLine)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = [.. commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--data", Data];
        int exit = await CommandLine.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static int[] Iterations(string jsonLines) =>
        [.. jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("iteration").GetInt32())];

    /// <summary>The iteration of every data row of a metrics.csv, in file order.</summary>
    private static int[] CsvIterations(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Skip(1).Select(line => int.Parse(line[..line.IndexOf(',')]))];

    private static int CheckpointIteration(string folder)
    {
        using FileStream stream = File.OpenRead(Path.Combine(folder, "checkpoint.bin"));
        return Checkpoint.ReadProgress(stream).Iteration;
    }

    private static string RunIdOf(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json"))).RootElement.GetProperty("runId").GetString()!;

    private (RunRecord Run, int[] StoredIterations) Stored(string runId)
    {
        using LiteDbStore store = LiteDbStore.Open(Data);
        var runs = new RunStore(store);
        return (runs.Find(runId)!, [.. runs.MetricsOf(runId).Select(row => row.Iteration)]);
    }

    private string[] TrainInChild(string output, int iterations, int checkpointEvery) =>
        ["train", .. Tiny.Split(' '), "--iterations", iterations.ToString(), "--checkpoint-every", checkpointEvery.ToString(), "--out", output, "--data", Data];

    [Fact]
    public async Task Train_KilledWithSigkillMidRun_ThenResumed_KeepsExactlyOneMetricsRowPerIteration_InTheFolderAndTheStore()
    {
        string output = Path.Combine(_folder, "killed");
        using (DashboardProcess train = DashboardProcess.StartVerb(TrainInChild(output, 5000, checkpointEvery: 5)))
        {
            // Past a checkpoint and a few rows beyond it, then a crash: nothing gets to clean up.
            await train.WaitUntilAsync(process => process.OutputLines.Length >= 13, TimeSpan.FromMinutes(3));
            await train.KillAsync();
        }
        int checkpointed = CheckpointIteration(output);
        int[] before = CsvIterations(output);
        Assert.True(checkpointed >= 10 && checkpointed % 5 == 0, $"checkpoint at {checkpointed}");
        Assert.True(before.Length >= checkpointed, $"{before.Length} rows, checkpoint at {checkpointed}");
        Assert.Equal(Enumerable.Range(1, before.Length), before); // each row written before the checkpoint that covers it
        string runId = RunIdOf(output);
        Assert.Equal(RunStatus.Running, Stored(runId).Run.Status); // as the crash left it

        int total = before.Length + 6;
        (int exit, string stdout, string stderr) = await Run($"train --resume {Path.Combine(output, "checkpoint.bin")} --iterations {total}");

        Assert.True(exit == 0, stderr);
        Assert.Equal(Enumerable.Range(checkpointed + 1, total - checkpointed), Iterations(stdout)); // rows after the checkpoint are trained again
        Assert.Equal(Enumerable.Range(1, total), CsvIterations(output));
        (RunRecord run, int[] stored) = Stored(runId);
        Assert.Equal(Enumerable.Range(1, total), stored);
        Assert.Equal((RunStatus.Completed, total), (run.Status, run.Iteration));
    }

    [Fact]
    public async Task Train_StoppedWithSigterm_SavesACheckpointOfItsLastIteration_ExitsWith143_AndResumesFromIt()
    {
        string output = Path.Combine(_folder, "terminated");
        int exit;
        string error;
        using (DashboardProcess train = DashboardProcess.StartVerb(TrainInChild(output, 5000, checkpointEvery: 1000)))
        {
            await train.WaitUntilAsync(process => process.OutputLines.Length >= 3, TimeSpan.FromMinutes(3));
            await train.StopAsync();
            (exit, error) = (train.ExitCode, train.Error);
        }

        Assert.Equal(TrainVerbs.StoppedBySigterm, exit);
        Assert.Contains("Stopped (SIGTERM)", error, StringComparison.Ordinal);
        Assert.Contains("--resume", error, StringComparison.Ordinal);
        int[] rows = CsvIterations(output);
        Assert.Equal(rows[^1], CheckpointIteration(output)); // no checkpoint was due (every 1000): the signal saved this one
        (RunRecord stopped, int[] stored) = Stored(RunIdOf(output));
        Assert.Equal((RunStatus.Stopped, rows.Length), (stopped.Status, stored.Length));

        (int resumed, string stdout, string resumeError) = await Run($"train --resume {Path.Combine(output, "checkpoint.bin")} --iterations {rows[^1] + 2}");
        Assert.True(resumed == 0, resumeError);
        Assert.Equal([rows[^1] + 1, rows[^1] + 2], Iterations(stdout));
    }

    [Fact]
    public async Task Train_Resume_WithMoreIterations_ExtendsThePlan_AnnealingTheRateOverTheNewTotal_AndRefusesOptionsThatCannotChange()
    {
        string output = Path.Combine(_folder, "extended");
        (int first, _, string firstError) = await Run($"train {Tiny} --lr 0.001 --iterations 2 --out {output}");
        Assert.True(first == 0, firstError);
        string checkpoint = Path.Combine(output, "checkpoint.bin");

        (int refused, string nothing, string why) = await Run($"train --resume {checkpoint} --iterations 4 --envs 4");
        Assert.Equal(2, refused);
        Assert.Equal("", nothing);
        Assert.Contains("--envs cannot change on resume: the run was started with --envs 2", why, StringComparison.Ordinal);
        (int algorithm, _, string algorithmWhy) = await Run($"train --resume {checkpoint} --iterations 4 --algo leed");
        Assert.Equal(2, algorithm);
        Assert.Contains("--algo cannot change on resume", algorithmWhy, StringComparison.Ordinal);

        (int exit, string stdout, string stderr) = await Run($"train --resume {checkpoint} --iterations 4 --envs 2");

        Assert.True(exit == 0, stderr);
        double[] rates = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty(MetricNames.LearningRate).GetDouble())];
        // lr x (1 - (i - 1) / total) with the new total of 4: iterations 3 and 4 still learn (the old plan of 2 gave them 0).
        Assert.Equal([0.001 * (1 - 2 / 4.0), 0.001 * (1 - 3 / 4.0)], rates, (a, b) => Math.Abs(a - b) < 1e-9);
        Assert.Equal([1, 2, 3, 4], CsvIterations(output));
    }

    [Fact]
    public async Task Train_IntoAnOutFolderThatHoldsARun_IsRefusedUnlessOverwrite_AndNothingIsStored()
    {
        string output = Path.Combine(_folder, "taken");
        (int first, _, string firstError) = await Run($"train {Tiny} --iterations 1 --out {output}");
        Assert.True(first == 0, firstError);
        string firstRun = RunIdOf(output);

        (int refused, string stdout, string stderr) = await Run($"train {Tiny} --iterations 1 --out {output}");

        Assert.Equal(2, refused);
        Assert.Equal("", stdout);
        Assert.Contains($"--out '{output}' already holds a run", stderr, StringComparison.Ordinal);
        Assert.Contains("--overwrite", stderr, StringComparison.Ordinal);
        Assert.Equal(firstRun, RunIdOf(output));
        (_, string listed, _) = await Run("runs list");
        Assert.Single(JsonDocument.Parse(listed).RootElement.EnumerateArray());

        (int overwritten, _, string overwriteError) = await Run($"train {Tiny} --iterations 1 --out {output} --overwrite");
        Assert.True(overwritten == 0, overwriteError);
        Assert.NotEqual(firstRun, RunIdOf(output));
        Assert.Equal([1], CsvIterations(output));
    }

    [Fact]
    public async Task Train_WithoutOut_WritesEachRunToItsOwnNewFolder()
    {
        var folders = new List<string>();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                (int exit, _, string stderr) = await Run($"train {Tiny} --iterations 1");
                Assert.True(exit == 0, stderr);
                string line = stderr.Split('\n').Single(text => text.Contains("; output in ", StringComparison.Ordinal));
                folders.Add(Path.GetFullPath(line[(line.IndexOf("; output in ", StringComparison.Ordinal) + "; output in ".Length)..].TrimEnd('.', '\r')));
            }
            Assert.NotEqual(folders[0], folders[1]);
            Assert.All(folders, folder => Assert.Equal([1], CsvIterations(folder)));
        }
        finally
        {
            foreach (string folder in folders.Where(Directory.Exists)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task RunsListAndShow_PrintTheCliTrainedRunsAsTheRunsPageDoes_NewestFirst()
    {
        (int first, _, string firstError) = await Run($"train {Tiny} --iterations 2 --out {Path.Combine(_folder, "a")}");
        Assert.True(first == 0, firstError);
        (int second, _, string secondError) = await Run($"train --map synthetic-small --agents 2 --algo random --envs 2 --steps 16 --iterations 1 --out {Path.Combine(_folder, "b")}");
        Assert.True(second == 0, secondError);

        (int listExit, string list, string listError) = await Run("runs list");

        Assert.True(listExit == 0, listError);
        JsonElement[] runs = [.. JsonDocument.Parse(list).RootElement.EnumerateArray()];
        Assert.Equal([RunIdOf(Path.Combine(_folder, "b")), RunIdOf(Path.Combine(_folder, "a"))], runs.Select(run => run.GetProperty("id").GetString()));
        Assert.Equal(("random", "synthetic-small", 2, "completed", 1),
            (runs[0].GetProperty("algorithm").GetString(), runs[0].GetProperty("map").GetString(), runs[0].GetProperty("agents").GetInt32(),
                runs[0].GetProperty("status").GetString(), runs[0].GetProperty("iterations").GetInt32()));
        Assert.Equal(("ippo", 3, 2), (runs[1].GetProperty("algorithm").GetString(), runs[1].GetProperty("agents").GetInt32(), runs[1].GetProperty("iterations").GetInt32()));
        Assert.False(string.IsNullOrEmpty(runs[1].GetProperty("name").GetString()));

        (int showExit, string show, string showError) = await Run($"runs show {runs[1].GetProperty("id").GetString()}");

        Assert.True(showExit == 0, showError);
        JsonElement details = JsonDocument.Parse(show).RootElement;
        Assert.Equal(runs[1].GetProperty("id").GetString(), details.GetProperty("run").GetProperty("id").GetString());
        Assert.Equal((2, true, 2.0), (details.GetProperty("metricRows").GetInt32(), details.GetProperty("hasCheckpoint").GetBoolean(),
            details.GetProperty("hyperparameters").GetProperty("Envs").GetDouble()));
        (int missing, _, string missingError) = await Run("runs show no-such-run");
        Assert.Equal(2, missing);
        Assert.Contains("No run with id 'no-such-run'", missingError, StringComparison.Ordinal);
    }
}
