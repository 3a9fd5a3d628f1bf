// `bench cluster`: how many runs an hour a study's cells get through with 1, 2, ... `worker` processes on this machine.
using System.CommandLine;
using System.Diagnostics;
using Leed.Cluster;
using Leed.Engine.Hosting;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Leed.Dashboard.Cli;

internal static class ClusterBenchVerbs
{
    private static readonly Option<IntList> Workers = CliOptions.IntList("--workers", "worker counts to measure, each with a fresh cluster", "N,N", 1, 2);
    private static readonly Option<int> Threads = CliOptions.Int("--threads", "torch threads per run on each worker", "T", 1, 1, 64);
    private static readonly Option<int> Runs = CliOptions.Int("--runs", "runs per measurement (a study's cells: one configuration, seeds 1..R)", "R", 6, 1, 1000);
    private static readonly Option<int> Iterations = CliOptions.Int("--iterations", "iterations per run", "I", 10, 1, 10_000);

    // No --data: each measurement has a temporary folder and a localhost cluster of its own.
    public static Command Cluster() => CommandLine.Verb("cluster",
        "Runs the same R runs with each number of `worker` processes (one slot each, localhost membership) and prints runs per hour.",
        [Workers, Threads, Runs, Iterations], RunAsync);

    private static async Task<int> RunAsync(VerbContext context)
    {
        var results = new List<object>();
        foreach (int workers in context.Get(Workers).Values)
        {
            if (workers < 1 || workers > 32) throw new UsageException($"--workers must be 1 to 32, got {workers}.");
            (int runs, double seconds) = await MeasureAsync(context, workers, context.Get(Threads), context.Get(Runs), context.Get(Iterations));
            context.Error.WriteLine($"{workers} worker(s): {runs} runs in {seconds:F1} s");
            results.Add(new { workers, runs, seconds = Math.Round(seconds, 2), runsPerHour = Math.Round(runs / seconds * 3600, 1) });
        }
        context.WriteJson(new { results, machine = new { Environment.ProcessorCount, loadAverage = LoadAverage() } });
        return 0;
    }

    private static async Task<(int Runs, double Seconds)> MeasureAsync(VerbContext context, int workers, int threads, int runs, int iterations)
    {
        string folder = Directory.CreateTempSubdirectory("leed-bench-cluster-").FullName;
        var settings = new ClusterSettings { Provider = ClusterProvider.Localhost, CoordinatorPort = FreePort.On(), ClusterId = $"bench-{Guid.NewGuid():N}"[..14] };
        var processes = new List<Process>();
        try
        {
            using var store = LiteDbStore.Open(folder);
            var factory = new TrainerWorkloadFactory(store);
            using Microsoft.Extensions.Hosting.IHost coordinator = await Coordinator.StartAsync(settings,
                Leed.Dashboard.Hosting.ClusterServices.Packer(store, factory, settings), context.Cancellation);
            for (int i = 0; i < workers; i++) processes.Add(StartWorker(settings, threads));
            WorkerDirectory directory = coordinator.Services.GetRequiredService<WorkerDirectory>();
            var joined = Stopwatch.StartNew();
            while (directory.Capacity < workers)
            {
                if (joined.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"Only {directory.Capacity} of {workers} workers joined in 2 minutes.");
                await Task.Delay(100, context.Cancellation);
            }
            using var registry = new RunRegistry(new RunStore(store), factory, coordinator.Services.GetRequiredService<ClusterRunExecutor>());
            var clock = Stopwatch.StartNew();
            RunRecord[] submitted = [.. Enumerable.Range(1, runs).Select(seed => registry.Submit(new RunSpec
            {
                Algorithm = Algorithm.Leed.Name(), Map = PresetMaps.Small, Agents = 3, ScenarioSeed = 1, Seed = seed, Iterations = iterations,
                Hyperparameters = new() { ["Envs"] = 2, ["Steps"] = 64 },
            }))];
            while (submitted.Any(run => registry.Get(run.Id)!.IsActive)) await Task.Delay(100, context.Cancellation);
            double seconds = clock.Elapsed.TotalSeconds;
            if (submitted.Select(run => registry.Get(run.Id)!).FirstOrDefault(run => run.Status != RunStatus.Completed) is { } failed)
                throw new InvalidOperationException($"Run {failed.Id} ended {failed.Status}: {failed.Error}");
            registry.Dispose();
            await coordinator.StopAsync(TimeSpan.FromSeconds(10));
            return (runs, seconds);
        }
        finally
        {
            foreach (Process worker in processes)
            {
                if (!worker.HasExited) worker.Kill(entireProcessTree: true);
                worker.Dispose();
            }
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    // The same executable as a `worker` child process (under `dotnet`, the host runs this assembly).
    private static Process StartWorker(ClusterSettings settings, int threads)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(ClusterBenchVerbs).Assembly.Location);
        foreach (string argument in new[] { "worker", "--cluster", "localhost", "--slots", "1", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cluster-id", settings.ClusterId })
            start.ArgumentList.Add(argument);
        start.Environment["LEED_CLUSTER__COORDINATORPORT"] = settings.CoordinatorPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Process process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
