// `bench watch` and `bench runs-page`: what watching a run costs it, and how fast the Runs page renders 1,000 runs.
using System.CommandLine;
using System.Diagnostics;
using Leed.Dashboard.Hosting;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

internal static class DashboardBenchVerbs
{
    private static readonly Option<string> WatchMap = CliOptions.Map(PresetMaps.Medium);
    private static readonly Option<int> WatchAgents = CliOptions.Int("--agents", "agents", "N", 20, 1, 500);
    private static readonly Option<int> WatchIterations = CliOptions.Int("--iterations", "iterations per measured run", "I", 12, 3, 10_000);
    private static readonly Option<int> WatchRepeats = CliOptions.Int("--repeats", "unwatched/watched pairs, alternating", "R", 2, 1, 20);

    private static readonly Option<int> StoredRuns = CliOptions.Int("--runs", "stored runs", "N", 1000, 1, 100_000);
    private static readonly Option<int> Requests = CliOptions.Int("--requests", "timed page loads", "K", 10, 1, 1000);

    public static Command Watch() => CommandLine.Verb("watch",
        "Trains the same run without episode snapshots, with them (as every run records them), and watched (as the Live page watches), and compares their speed.",
        [CliOptions.Data, WatchMap, WatchAgents, WatchIterations, WatchRepeats], WatchAsync);

    // No --data: the benchmark fills a temporary folder of its own.
    public static Command RunsPage() => CommandLine.Verb("runs-page",
        "Times the Runs page's first render with 1,000 stored runs (a temporary data folder).", [StoredRuns, Requests], RunsPageAsync);

    /// <summary>
    /// Trains the same LEED run three ways, alternating, in a temporary store: without episode snapshots
    /// but the first and the last (a snapshot budget of 0), unwatched with snapshots through training
    /// (the default budget, as every run records them), and watched as well (a subscriber as the Live
    /// page makes one: pushes at most every 200 ms). Compares environment steps per second after the
    /// first iteration, and counts the snapshots each kept.
    /// </summary>
    private static Task<int> WatchAsync(VerbContext context)
    {
        string map = context.Get(WatchMap);
        int agents = context.Get(WatchAgents);
        int iterations = context.Get(WatchIterations);
        int repeats = context.Get(WatchRepeats);
        string folder = Directory.CreateTempSubdirectory("leed-bench-watch-").FullName;
        try
        {
            using var store = LiteDbStore.Open(folder);
            var runStore = new RunStore(store);
            // Both registries exist before any run starts (a registry marks the store's active runs interrupted when it opens).
            using var registry = new RunRegistry(runStore, new TrainerWorkloadFactory(store));
            using var noSnapshots = new RunRegistry(runStore, new TrainerWorkloadFactory(store) { SnapshotBudget = 0 });
            var arms = new[] { "without", "unwatched", "watched" }.ToDictionary(arm => arm, _ => new List<double>());
            var kept = arms.Keys.ToDictionary(arm => arm, _ => new List<int>());
            var share = arms.Keys.ToDictionary(arm => arm, _ => new List<double>());
            for (int r = 0; r < repeats; r++)
            {
                foreach (string arm in arms.Keys)
                {
                    context.Error.WriteLine($"  {arm} run {r + 1}/{repeats}...");
                    RunRegistry runner = arm == "without" ? noSnapshots : registry;
                    var spec = new RunSpec { Algorithm = Algorithm.Leed.Name(), Map = map, Agents = agents, Iterations = iterations, Seed = 1 };
                    RunRecord run = runner.Submit(spec);
                    int pushes = 0, snapshots = 0;
                    using IDisposable? subscription = arm == "watched"
                        ? runner.Subscribe(run.Id, update => { pushes++; if (update.Snapshot is not null) snapshots++; })
                        : null;
                    while (runner.Get(run.Id) is { IsActive: true }) Thread.Sleep(50);
                    RunRecord done = runner.Get(run.Id)!;
                    if (done.Status != RunStatus.Completed) throw new InvalidOperationException($"The benchmark run ended {done.Status}: {done.Error}");
                    IReadOnlyList<MetricRecord> metrics = runner.Metrics(run.Id);
                    // Steps per second from the end of iteration 1 (start-up and JIT excluded) to the end.
                    double sps = (metrics[^1].GlobalStep - metrics[0].GlobalStep) / (metrics[^1].WallSeconds - metrics[0].WallSeconds);
                    arms[arm].Add(sps);
                    kept[arm].Add(runner.Snapshots(run.Id).Count);
                    share[arm].Add(Math.Round(done.SnapshotSeconds / done.WallSeconds, 4));
                    context.Error.WriteLine($"    {sps:0} steps/s, {kept[arm][^1]} snapshots kept, {share[arm][^1]:0.0%} of the training time on them"
                        + (arm == "watched" ? $", {pushes} pushes ({snapshots} with a snapshot)" : ""));
                }
            }
            double Mean(string arm) => arms[arm].Average();
            context.WriteJson(new
            {
                map, agents, iterations, repeats,
                withoutSnapshotsStepsPerSecond = arms["without"].Select(value => Math.Round(value, 1)),
                unwatchedStepsPerSecond = arms["unwatched"].Select(value => Math.Round(value, 1)),
                watchedStepsPerSecond = arms["watched"].Select(value => Math.Round(value, 1)),
                unwatchedOverWithoutSnapshots = Math.Round(Mean("unwatched") / Mean("without"), 3),
                watchedOverUnwatched = Math.Round(Mean("watched") / Mean("unwatched"), 3),
                snapshotsKept = kept,
                snapshotShareOfTrainingTime = share,
                snapshotBudget = new TrainerWorkloadFactory(store).SnapshotBudget,
                note = "snapshotShareOfTrainingTime = the seconds spent recording and storing episodes over the run's training seconds, measured inside the run (the first and the last episode, which are always recorded, included); "
                    + "without = snapshot budget 0 (the first and the last iteration's episodes only); unwatched = snapshots through training within the budget, as every run records them; "
                    + "watched = the same plus a registry subscriber as the Live page makes one (pushes at most every 200 ms); browser rendering happens on the client",
            });
            return Task.FromResult(0);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Stores N runs (with a few metrics each) in a temporary folder, starts the dashboard and times GET /runs.</summary>
    private static async Task<int> RunsPageAsync(VerbContext context)
    {
        int runs = context.Get(StoredRuns);
        int requests = context.Get(Requests);
        string folder = Directory.CreateTempSubdirectory("leed-bench-runs-").FullName;
        try
        {
            using (var store = LiteDbStore.Open(folder))
            {
                var runStore = new RunStore(store);
                for (int i = 0; i < runs; i++)
                {
                    var record = new RunRecord
                    {
                        Id = $"bench-{i:D5}",
                        Spec = new RunSpec { Name = $"bench run {i}", Algorithm = (i % 2 == 0 ? Algorithm.Leed : Algorithm.Ippo).Name(), Map = PresetMaps.Medium, Agents = 20, Seed = i % 5, Group = $"group-{i / 5}" },
                        Status = RunStatus.Completed, CreatedAt = DateTime.UtcNow.AddMinutes(-i), Iteration = 100, GlobalStep = 204_800,
                        BestReturn = i, LastReturn = i - 1, WallSeconds = 60 + i, Tags = ["bench", i % 3 == 0 ? "baseline" : "method"],
                    };
                    runStore.Save(record);
                }
            }

            string port = FreePort().ToString();
            // Logs go to stderr: stdout carries only the JSON result.
            WebApplication app = DashboardApp.Build(["--urls", $"http://127.0.0.1:{port}", "--data", folder, "--Logging:Console:LogToStandardErrorThreshold=Trace"]);
            await app.StartAsync(context.Cancellation);
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
                var timings = new List<double>();
                for (int k = 0; k <= requests; k++)
                {
                    var clock = Stopwatch.StartNew();
                    using HttpResponseMessage response = await client.GetAsync("runs", context.Cancellation);
                    string html = await response.Content.ReadAsStringAsync(context.Cancellation);
                    double ms = clock.Elapsed.TotalMilliseconds;
                    if (!response.IsSuccessStatusCode || !html.Contains("bench run 0")) throw new InvalidOperationException($"GET /runs answered {(int)response.StatusCode} without the runs.");
                    if (k > 0) timings.Add(ms);
                    else context.Error.WriteLine($"  first (cold) load: {ms:0} ms");
                }
                timings.Sort();
                context.WriteJson(new
                {
                    runs,
                    requests,
                    medianMilliseconds = Math.Round(timings[timings.Count / 2], 1),
                    maxMilliseconds = Math.Round(timings[^1], 1),
                    note = "server-side first render of /runs (prerendered HTML with the first page of the table), after one cold load",
                });
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A free loopback port for a dashboard a benchmark starts in-process.</summary>
    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
