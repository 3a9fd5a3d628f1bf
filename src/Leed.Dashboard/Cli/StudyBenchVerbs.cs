// `bench study`: how long a 300-cell study's summary and Study page take from stored metrics, and the study's own overhead against its runs' time.
using System.CommandLine;
using System.Diagnostics;
using Leed.Dashboard.Hosting;
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Leed.Engine.Studies;

namespace Leed.Dashboard.Cli;

internal static class StudyBenchVerbs
{
    private static readonly Option<int> Iterations = CliOptions.Int("--iterations", "stored iterations per synthetic run", "I", 100, 1, 10_000);
    private static readonly Option<int> Repeats = CliOptions.Int("--repeats", "timed summaries and page loads", "K", 5, 1, 100);
    private static readonly Option<int> TrainIterations = CliOptions.Int("--train-iterations",
        "iterations per run of the small real study that measures the overhead share (0 skips it)", "I", 3, 0, 1000);

    private static readonly string Leed = Algorithm.Leed.Name(), Ippo = Algorithm.Ippo.Name();

    /// <summary>Five agent counts x six corruption levels x (3 configurations with demonstrations + 2 without) x 3 seeds = 300 cells.</summary>
    internal static readonly string Plan = $$"""
        {"name": "bench-300", "map": "synthetic-medium", "agents": [5, 10, 20, 50, 100], "seeds": [1, 2, 3], "iterations": 100,
         "corruption": [{"kind": "none", "fraction": 0}, {"kind": "detour", "fraction": 0.1}, {"kind": "detour", "fraction": 0.3},
                        {"kind": "detour", "fraction": 0.5}, {"kind": "wait", "fraction": 0.3}, {"kind": "drop", "fraction": 0.3}],
         "configs": [{"name": "leed-dynamic", "algo": "{{Leed}}", "weight": "dynamic"}, {"name": "leed-fixed-0.5", "algo": "{{Leed}}", "weight": "fixed:0.5"},
                     {"name": "{{Ippo}}", "algo": "{{Ippo}}"}],
         "reference": "{{Ippo}}"}
        """;

    // No --data: the benchmark fills temporary folders of its own.
    public static Command Study() => CommandLine.Verb("study",
        "Times a 300-cell study's summary and Study page from stored (synthetic) metrics, and a small real study's own overhead against its runs' time.",
        [Iterations, Repeats, TrainIterations], StudyAsync);

    private static async Task<int> StudyAsync(VerbContext context)
    {
        int iterations = context.Get(Iterations), repeats = context.Get(Repeats), trainIterations = context.Get(TrainIterations);
        string folder = Directory.CreateTempSubdirectory("leed-bench-study-").FullName;
        try
        {
            string studyId;
            int cells;
            double planningMs, summaryMedianMs, summaryMaxMs, coldMs = 0;
            using (var store = LiteDbStore.Open(folder))
            {
                var clock = Stopwatch.StartNew();
                StudyPlan plan = StudyPlanReader.Read(Plan.Replace("\"iterations\": 100", $"\"iterations\": {iterations}"), "bench-300.json", MapCatalog.For(store));
                StudyRecord study = StudyRunner.NewStudy(plan, "bench-300.json", Plan);
                planningMs = clock.Elapsed.TotalMilliseconds;
                (studyId, cells) = (study.Id, study.Cells.Count);
                context.Error.WriteLine($"Planned {cells} cells in {planningMs:F0} ms; storing {cells} x {iterations} synthetic metric rows...");
                StoreSyntheticRuns(store, study, plan, iterations);

                var runs = new RunStore(store);
                var timings = new List<double>();
                for (int k = 0; k <= repeats; k++)
                {
                    clock.Restart();
                    StudyRecord stored = new StudyStore(store).Find(studyId)!;
                    StudySummary summary = StudyResults.Compute(stored.Id, stored.Plan(), StudyRunner.Runs(stored, runs.Find, store)).Summary;
                    if (summary.Groups.Count == 0) throw new InvalidOperationException("The summary has no groups.");
                    if (k > 0) timings.Add(clock.Elapsed.TotalMilliseconds);
                    else
                    {
                        coldMs = clock.Elapsed.TotalMilliseconds;
                        context.Error.WriteLine($"  first (cold) summary, from the full metric rows: {coldMs:F0} ms, {summary.Groups.Count} groups");
                    }
                }
                timings.Sort();
                (summaryMedianMs, summaryMaxMs) = (timings[timings.Count / 2], timings[^1]);
            }

            (double pageMedianMs, double pageMaxMs) = await TimePageAsync(context, folder, studyId, repeats);
            object? overhead = trainIterations > 0 ? await MeasureOverheadAsync(context, trainIterations) : null;
            context.WriteJson(new
            {
                cells, iterationsPerRun = iterations,
                planningMilliseconds = Math.Round(planningMs, 1),
                coldSummaryMilliseconds = Math.Round(coldMs, 1),
                summaryMedianMilliseconds = Math.Round(summaryMedianMs, 1), summaryMaxMilliseconds = Math.Round(summaryMaxMs, 1),
                pageMedianMilliseconds = Math.Round(pageMedianMs, 1), pageMaxMilliseconds = Math.Round(pageMaxMs, 1),
                overhead,
                note = "summary: read the study, its runs and their stored statistics series (study_series, written from the metric rows by the first, cold summary) from LiteDB and compute every group's statistics; page: server-side prerender of GET /studies/ID (cells grid, results table, figure data); medians after the cold pass",
            });
            return 0;
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>One completed run per cell with <paramref name="iterations"/> rows of every metric a 20-agent run reports, returns rising with noise.</summary>
    private static void StoreSyntheticRuns(ILeedStore store, StudyRecord study, StudyPlan plan, int iterations)
    {
        var runs = new RunStore(store);
        var random = new SplitMix(42);
        IReadOnlyList<string> metrics = MetricNames.All(20);
        store.InTransaction(() =>
        {
            foreach (StoredStudyCell cell in study.Cells)
            {
                var run = new RunRecord
                {
                    Id = $"bench-{cell.Key.Replace('/', '-')}", Spec = StudyRunnerSpec(study, plan, cell), Status = RunStatus.Completed,
                    CreatedAt = DateTime.UtcNow, Iteration = iterations, GlobalStep = iterations * 2048L, WallSeconds = iterations, Tags = ["study", StudyRunner.Tag(study.Id)],
                };
                cell.RunId = run.Id;
                runs.Save(run);
                double level = random.NextDouble() * 1000;
                for (int k = 1; k <= iterations; k++)
                {
                    var values = new Dictionary<string, double>(metrics.Count);
                    foreach (string metric in metrics) values[metric] = random.NextDouble();
                    values[MetricNames.EpisodicReturn] = -5000 + level * k / iterations + random.NextDouble() * 100;
                    runs.AppendMetric(run.Id, new MetricRecord(k, k * 2048L, k, values));
                }
            }
            new StudyStore(store).Save(study);
            return 0;
        });
    }

    // Synthetic cells reference no stored demonstration set, so the spec is built without one.
    private static RunSpec StudyRunnerSpec(StudyRecord study, StudyPlan plan, StoredStudyCell cell)
    {
        StudyConfig config = plan.Config(cell.Config)!;
        return new RunSpec
        {
            Name = $"{plan.Name} {cell.Key}", Algorithm = config.Algorithm.Name, Map = plan.Map, Agents = cell.Agents, Seed = cell.Seed,
            Iterations = plan.Iterations, Group = StudyRunner.GroupName(study.Id, cell), StudyId = study.Id, Cell = cell.Key,
        };
    }

    private static async Task<(double Median, double Max)> TimePageAsync(VerbContext context, string folder, string studyId, int repeats)
    {
        string port = DashboardBenchVerbs.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        WebApplication app = DashboardApp.Build(["--urls", $"http://127.0.0.1:{port}", "--data", folder, "--Logging:Console:LogToStandardErrorThreshold=Trace"]);
        await app.StartAsync(context.Cancellation);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var timings = new List<double>();
            for (int k = 0; k <= repeats; k++)
            {
                var clock = Stopwatch.StartNew();
                using HttpResponseMessage response = await client.GetAsync($"studies/{studyId}", context.Cancellation);
                string html = await response.Content.ReadAsStringAsync(context.Cancellation);
                double ms = clock.Elapsed.TotalMilliseconds;
                if (!response.IsSuccessStatusCode || !html.Contains("study-results", StringComparison.Ordinal))
                    throw new InvalidOperationException($"GET /studies/{studyId} answered {(int)response.StatusCode} without the results table.");
                if (k > 0) timings.Add(ms);
                else context.Error.WriteLine($"  first (cold) page load: {ms:F0} ms ({html.Length / 1024} KiB)");
            }
            timings.Sort();
            return (timings[timings.Count / 2], timings[^1]);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>A real 8-cell study on the medium preset (default rollouts): the study's recorded overhead against the sum of its runs' training time.</summary>
    private static async Task<object> MeasureOverheadAsync(VerbContext context, int iterations)
    {
        string folder = Directory.CreateTempSubdirectory("leed-bench-study-real-").FullName;
        try
        {
            using var store = LiteDbStore.Open(folder);
            string json = $$"""
                {"name": "bench-overhead", "map": "synthetic-medium", "agents": [20], "seeds": [1, 2], "iterations": {{iterations}},
                 "corruption": [{"kind": "none", "fraction": 0}, {"kind": "detour", "fraction": 0.3}],
                 "configs": [{"name": "leed-dynamic", "algo": "{{Leed}}"}, {"name": "{{Ippo}}", "algo": "{{Ippo}}"}], "referencePolicies": false}
                """;
            using var registry = new RunRegistry(new RunStore(store), new TrainerWorkloadFactory(store));
            var runner = new StudyRunner(store, registry);
            var wall = Stopwatch.StartNew();
            StudyRecord study = runner.Create(StudyPlanReader.Read(json, "bench-overhead.json", MapCatalog.For(store)), "bench-overhead.json", json);
            context.Error.WriteLine($"Real study: {study.Cells.Count} cells x {iterations} iterations on synthetic-medium (20 agents, default rollouts)...");
            runner.Start(study.Id);
            await runner.WaitAsync(study.Id, (cell, run) => context.Error.WriteLine($"  {cell.Key}: {run.Status.ToString().ToLowerInvariant()} in {run.WallSeconds:F1} s"), context.Cancellation);
            var clock = Stopwatch.StartNew();
            study = runner.Studies.Find(study.Id)!;
            runner.Results(study);
            study.OverheadSeconds += clock.Elapsed.TotalSeconds;
            runner.Studies.Save(study);
            double runSeconds = runner.CellRuns(study).Sum(pair => pair.Run?.WallSeconds ?? 0);
            return new
            {
                cells = study.Cells.Count, iterations,
                overheadSeconds = Math.Round(study.OverheadSeconds, 3),
                runSeconds = Math.Round(runSeconds, 1),
                overheadShare = Math.Round(study.OverheadSeconds / runSeconds, 5),
                wallSeconds = Math.Round(wall.Elapsed.TotalSeconds, 1),
                what = "overhead = planning the cells, making the demonstration set and its corrupted version, queueing, and computing the summary; runs = the sum of the cells' training time",
            };
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
