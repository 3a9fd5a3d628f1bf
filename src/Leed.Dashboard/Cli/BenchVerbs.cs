// `bench ...`: throughput benchmarks printed as JSON.
using System.CommandLine;
using Leed.Engine.Analysis;
using Leed.Engine.Bench;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Studies;

namespace Leed.Dashboard.Cli;

internal static class BenchVerbs
{
    private static readonly Option<string> EnvMap = CliOptions.Map(PresetMaps.Medium);
    private static readonly Option<int> EnvAgents = CliOptions.Int("--agents", "agents per environment", "N", 20, 1, 10_000);
    private static readonly Option<int> EnvEnvs = TrainingOptions.Envs(new Hyperparameters().Envs);
    private static readonly Option<double> EnvSeconds = CliOptions.Double("--seconds", "measuring time", "S", 5, 0.1, 3600);

    private static readonly Option<string> PlannerMap = CliOptions.Map(PresetMaps.Large);
    private static readonly Option<int> PlannerAgents = CliOptions.Int("--agents", "agents", "N", 100, 1, 10_000);
    private static readonly Option<int> PlannerSeed = CliOptions.Int("--seed", "scenario seed", "S", ScenarioResolver.DefaultSeed);
    private static readonly Option<int> PlannerRepeats = CliOptions.Int("--repeats", "timed runs", "R", 5, 1, 1000);

    public static Command Env() => CommandLine.Verb("env", "Measures environment throughput (agent-steps/s) and allocations per step.",
        [CliOptions.Data, EnvMap, EnvAgents, EnvEnvs, EnvSeconds], EnvAsync);

    public static Command Planner() => CommandLine.Verb("planner", "Times the built-in planner (default: large preset, 100 agents).",
        [CliOptions.Data, PlannerMap, PlannerAgents, PlannerSeed, PlannerRepeats], PlannerAsync);

    private static Task<int> PlannerAsync(VerbContext context)
    {
        CityMap map = context.Map(PlannerMap);
        int agents = context.Get(PlannerAgents);
        int repeats = context.Get(PlannerRepeats);
        context.Error.WriteLine($"Timing the planner on {map.Name} with {agents} agents ({repeats} runs)...");
        context.WriteJson(PlannerBenchmark.Run(map, agents, context.Get(PlannerSeed), repeats));
        return Task.FromResult(0);
    }

    private static Task<int> EnvAsync(VerbContext context)
    {
        CityMap map = context.Map(EnvMap);
        int agents = context.Get(EnvAgents);
        int envs = context.Get(EnvEnvs);
        double seconds = context.Get(EnvSeconds);
        context.Error.WriteLine($"Benchmarking {envs} x {agents} agents on {map.Name} for {seconds} s...");
        context.WriteJson(EnvBenchmark.Run(map, agents, envs, seconds));
        return Task.FromResult(0);
    }
}

/// <summary>`bench train`, `bench scaling`, `bench memory` and `bench learning`: the trainer's benchmarks.</summary>
internal static class TrainBenchVerbs
{
    private static readonly Hyperparameters Defaults = new();
    private const string AlgoHelp = "algorithm (those that use demonstrations get the built-in planner's)";

    private static readonly Option<string> TrainMap = CliOptions.Map(PresetMaps.Medium);
    private static readonly Option<int> TrainAgents = CliOptions.Int("--agents", "agents", "N", 20, 1, 10_000);
    private static readonly Option<double> TrainSeconds = CliOptions.Double("--seconds", "measuring time after one warm-up iteration", "S", 20, 0.1, 3600);
    private static readonly Option<int?> TrainIterations = CliOptions.OptionalInt("--iterations",
        "measure this many iterations instead of --seconds (with --busy: this many alone, then as many beside the busy processes; default 3)", "I", 1, 100_000);
    private static readonly Option<int?> TrainBusy = CliOptions.OptionalInt("--busy",
        $"also train beside N busy processes ({BusyMachineBenchmark.BusyProgram} {BusyMachineBenchmark.BusyArgument}, started and stopped by the benchmark) " +
        "and print both figures and their ratio", "N", 1, 4 * Environment.ProcessorCount);
    private static readonly Option<Algorithm> TrainAlgo = TrainingOptions.Algorithm(AlgoHelp);
    private static readonly RolloutOptions TrainRollout = new(Defaults, withRolloutThreads: true);

    private static readonly Option<int> KernelAgents = CliOptions.Int("--agents", "ensemble members", "N", 20, 1, 10_000);
    private static readonly Option<int> KernelRows = CliOptions.Int("--rows", "rows per member, i.e. the minibatch", "B", 512, 1, 1_000_000);
    private static readonly Option<int> KernelObservation = CliOptions.Int("--observation", "input width (160 is the 7x7 observation)", "O", 160, 6, 100_000);
    private static readonly Option<int> KernelHidden = CliOptions.Int("--hidden", "hidden width", "H", Defaults.HiddenSize, 1, 8192);
    private static readonly Option<int> KernelThreads = TrainingOptions.Threads(Defaults.Threads);

    private static readonly Option<string> ScalingMap = CliOptions.Map(PresetMaps.Large);
    private static readonly Option<IntList> ScalingAgents = CliOptions.IntList("--agents", "comma-separated agent counts", "LIST", 5, 10, 20, 50, 100);
    private static readonly Option<int> ScalingIterations = CliOptions.Int("--iterations", "measured iterations per count, after one warm-up", "I", 2, 1, 1000);
    private static readonly Option<Algorithm> ScalingAlgo = TrainingOptions.Algorithm(AlgoHelp);
    private static readonly RolloutOptions ScalingRollout = new(Defaults, withRolloutThreads: true);

    private static readonly Option<string> MemoryMap = CliOptions.Map(PresetMaps.Medium);
    private static readonly Option<int> MemoryAgents = CliOptions.Int("--agents", "agents", "N", 20, 1, 10_000);
    private static readonly Option<int> MemoryIterations = CliOptions.Int("--iterations", "iterations", "I", 1000, 2, 1_000_000);
    private static readonly Option<Algorithm> MemoryAlgo = TrainingOptions.Algorithm(AlgoHelp);
    // Small rollouts: the benchmark is about many iterations, not their size.
    private static readonly RolloutOptions MemoryRollout = new(Defaults with { Envs = 4, Steps = 32 });

    private static readonly Option<string> LearningMap = CliOptions.Map(PresetMaps.Medium);
    private static readonly Option<int> LearningAgents = CliOptions.Int("--agents", "agents", "N", 20, 1, 10_000);
    private static readonly Option<int> LearningIterations = CliOptions.Int("--iterations", "iterations per run", "I", 60, 1, 100_000);
    private static readonly Option<IntList> LearningSeeds = CliOptions.IntList("--seeds", "comma-separated training seeds", "LIST", 1, 2, 3);
    private static readonly Option<string?> LearningConfigs = CliOptions.Text("--configs",
        "comma-separated configurations (default all: " + string.Join(',', LearningBenchmark.DefaultConfigs.Select(c => c.Name)) + ")", "LIST");
    private static readonly Option<string> LearningOutput = CliOptions.Text("--out", "folder for curves.csv, summary.json and summary.md", "DIR",
        Path.Combine("bench", "out", "learning"));
    private static readonly Option<double> LearningRate = TrainingOptions.LearningRate(Defaults.LearningRate);
    private static readonly RolloutOptions LearningRollout = new(Defaults);

    public static Command Train() => CommandLine.Verb("train",
        "Measures end-to-end training throughput (agent-steps/s), the time split and the ensemble kernels' GFLOP/s.",
        [CliOptions.Data, TrainMap, TrainAgents, TrainSeconds, TrainIterations, TrainBusy, TrainAlgo, .. TrainRollout.All], TrainAsync);

    public static Command Kernel() => CommandLine.Verb("kernel",
        "GFLOP/s of the per-agent ensemble networks' forward + backward alone (the ceiling for the training loop).",
        [CliOptions.Data, KernelAgents, KernelRows, KernelObservation, KernelHidden, KernelThreads], KernelAsync);

    public static Command Scaling() => CommandLine.Verb("scaling",
        "Seconds per iteration and agent-steps/s per agent count (default: large preset, 5,10,20,50,100 agents).",
        [CliOptions.Data, ScalingMap, ScalingAgents, ScalingIterations, ScalingAlgo, .. ScalingRollout.All], ScalingAsync);

    public static Command Memory() => CommandLine.Verb("memory",
        "Live tensors, RSS and managed heap over many training iterations (flat means no leak).",
        [CliOptions.Data, MemoryMap, MemoryAgents, MemoryIterations, MemoryAlgo, .. MemoryRollout.All], MemoryAsync);

    public static Command Learning() => CommandLine.Verb("learning",
        "LEED vs IPPO vs MAPPO and weight schedules on equal steps, several seeds; writes curves and a summary.",
        [CliOptions.Data, LearningMap, LearningAgents, LearningIterations, LearningSeeds, LearningConfigs, LearningOutput, LearningRate,
            .. LearningRollout.All], LearningAsync);

    private static Task<int> TrainAsync(VerbContext context)
    {
        CityMap map = context.Map(TrainMap);
        int agents = context.Get(TrainAgents);
        double seconds = context.Get(TrainSeconds);
        Algorithm algorithm = context.Get(TrainAlgo);
        Hyperparameters hp = TrainRollout.Apply(context, Defaults);
        int? iterations = context.Get(TrainIterations);
        if (context.Get(TrainBusy) is int busy)
        {
            int measured = iterations ?? 3;
            context.Error.WriteLine($"Benchmarking {algorithm.Name()} training ({hp.Envs} x {hp.Steps} steps x {agents} agents on {map.Name}): " +
                $"{measured} iterations alone, then {measured} beside {busy} busy processes...");
            context.WriteJson(BusyMachineBenchmark.Run(map, agents, measured, busy, algorithm, hp, log: context.Error.WriteLine));
            return Task.FromResult(0);
        }
        context.Error.WriteLine($"Benchmarking {algorithm.Name()} training: {hp.Envs} x {hp.Steps} steps x {agents} agents on {map.Name} for " +
            (iterations is int count ? $"{count} iterations..." : $"{seconds} s..."));
        context.WriteJson(TrainBenchmark.Run(map, agents, seconds, algorithm, hp, log: context.Error.WriteLine, iterations: iterations));
        return Task.FromResult(0);
    }

    private static Task<int> KernelAsync(VerbContext context)
    {
        int agents = context.Get(KernelAgents);
        int rows = context.Get(KernelRows);
        int observation = context.Get(KernelObservation);
        Hyperparameters hp = Defaults with { Envs = rows, Steps = 1, Minibatches = 1, HiddenSize = context.Get(KernelHidden), Threads = context.Get(KernelThreads) };
        TorchSharp.torch.set_num_threads(hp.Threads);
        KernelMeasurement kernel = TrainBenchmark.MeasureKernel(agents, observation, stateSize: null, hp, 1);
        context.WriteJson(new { agents, rows, observation, hidden = hp.HiddenSize, threads = hp.Threads, gflopPerSecond = Math.Round(kernel.GflopPerSecond, 1),
            cpuUtilisation = kernel.CpuUtilisation, gflopPerCpuSecond = Math.Round(kernel.GflopPerCpuSecond, 1),
            what = "forward + backward of the actor and critic ensembles (tanh MLP, bmm; both read the observations, first layers in one matmul as in training), FLOPs counted as 2 x multiply-adds" });
        return Task.FromResult(0);
    }

    private static Task<int> ScalingAsync(VerbContext context)
    {
        CityMap map = context.Map(ScalingMap);
        int[] counts = context.Get(ScalingAgents).Values;
        int iterations = context.Get(ScalingIterations);
        Algorithm algorithm = context.Get(ScalingAlgo);
        Hyperparameters hp = ScalingRollout.Apply(context, Defaults);
        context.Error.WriteLine($"Scaling {algorithm.Name()} on {map.Name}: {string.Join(", ", counts)} agents, {hp.Envs} x {hp.Steps} steps...");
        context.WriteJson(ScalingBenchmark.Run(map, counts, iterations, algorithm, hp, log: context.Error.WriteLine));
        return Task.FromResult(0);
    }

    private static Task<int> MemoryAsync(VerbContext context)
    {
        CityMap map = context.Map(MemoryMap);
        int agents = context.Get(MemoryAgents);
        int iterations = context.Get(MemoryIterations);
        Algorithm algorithm = context.Get(MemoryAlgo);
        Hyperparameters hp = MemoryRollout.Apply(context, Defaults);
        context.Error.WriteLine($"Memory over {iterations} iterations of {algorithm.Name()} ({hp.Envs} x {hp.Steps} steps x {agents} agents on {map.Name})...");
        context.WriteJson(MemoryBenchmark.Run(map, agents, iterations, hp, algorithm, log: context.Error.WriteLine));
        return Task.FromResult(0);
    }

    /// <summary>A thin alias of a study: builds the benchmark's plan from the options, runs it as a study, writes curves and summaries.</summary>
    private static async Task<int> LearningAsync(VerbContext context)
    {
        string map = context.Map(LearningMap).Name;
        int agents = context.Get(LearningAgents);
        int[] seeds = context.Get(LearningSeeds).Values;
        Hyperparameters hp = LearningRollout.Apply(context, Defaults with
        {
            Iterations = context.Get(LearningIterations),
            LearningRate = context.Get(LearningRate),
        });
        IReadOnlyList<LearningConfig> configs = LearningBenchmark.DefaultConfigs;
        if (context.Get(LearningConfigs) is { } names)
        {
            string[] wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string[] unknown = [.. wanted.Where(name => configs.All(config => config.Name != name))];
            if (unknown.Length > 0) throw new UsageException($"--configs: unknown {string.Join(", ", unknown)}; known: {string.Join(", ", configs.Select(c => c.Name))}.");
            configs = [.. configs.Where(config => wanted.Contains(config.Name))];
        }
        string output = context.Get(LearningOutput);
        string planText = LearningBenchmark.Plan(map, agents, seeds, hp, configs);
        StudyPlan plan = StudyPlanReader.Read(planText, "bench learning", MapCatalog.For(context.Store));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using StudyHost host = StudyHost.Open(context, maxConcurrent: 1);
        StudyRecord study = host.Runner.Create(plan, "bench learning", planText);
        context.Error.WriteLine($"Learning benchmark on {map}, {agents} agents, seeds {string.Join(",", seeds)}, {hp.Iterations} iterations per run: study {study.Id}; writing {output}...");
        int? failed = await StudyVerbs.RunCellsAsync(context, host, study.Id, resume: false, (cell, run) =>
            context.Error.WriteLine($"{cell.Key}: {run.Status.ToString().ToLowerInvariant()}, last return {run.LastReturn:F1}, {run.WallSeconds:F0} s (total {clock.Elapsed.TotalMinutes:F1} min){(run.Error is null ? "" : ": " + run.Error)}"));
        if (failed is null) return 1;

        (StudySummary summary, _) = host.Summarize(study.Id);
        // The curves have every metric: read the full rows, not the statistics' series.
        var runs = host.Runner.Studies.Find(study.Id)!.Cells
            .Select(cell => (cell, cell.RunId is { } id && host.Registry.Get(id) is { } run ? new ComparedRun(run, host.Registry.Metrics(id)) : null)).ToList();
        long stepsPerRun = (long)hp.Iterations * hp.GlobalStepsPerIteration;
        LearningTargets targets = LearningBenchmark.Targets(summary, runs, stepsPerRun);
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "curves.csv"), LearningBenchmark.Curves(agents, runs));
        var result = new { study = study.Id, map, agents, iterations = hp.Iterations, globalStepsPerRun = stepsPerRun, hyperparameters = hp, summary, targets,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 1), output };
        await File.WriteAllTextAsync(Path.Combine(output, "summary.json"), System.Text.Json.JsonSerializer.Serialize(result, CommandLine.Indented));
        await File.WriteAllTextAsync(Path.Combine(output, "summary.md"), LearningBenchmark.Markdown(summary, targets));
        context.WriteJson(new { study = study.Id, map, agents, iterations = hp.Iterations, globalStepsPerRun = stepsPerRun, groups = summary.Groups, targets,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 1), output });
        return failed > 0 ? 1 : 0;
    }
}
