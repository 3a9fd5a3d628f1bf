// `bench ...`: throughput benchmarks printed as JSON.
using Leed.Engine.Bench;
using Leed.Engine.Learning;
using Leed.Engine.Maps;

namespace Leed.Dashboard.Cli;

internal static class BenchVerbs
{
    public static readonly OptionSpec[] EnvOptions =
    [
        Verb.Data,
        new("map", "map name (default synthetic-medium)", ValueName: "NAME"),
        new("agents", "agents per environment (default 20)", ValueName: "N"),
        new("envs", "parallel environments (default 16)", ValueName: "E"),
        new("seconds", "measuring time (default 5)", ValueName: "S"),
    ];

    public static readonly OptionSpec[] PlannerOptions =
    [
        Verb.Data,
        new("map", "map name (default synthetic-large)", ValueName: "NAME"),
        new("agents", "agents (default 100)", ValueName: "N"),
        new("seed", "scenario seed (default 1)", ValueName: "S"),
        new("repeats", "timed runs (default 5)", ValueName: "R"),
    ];

    public static Task<int> PlannerAsync(VerbContext context)
    {
        CityMap map = FindMap(context, PresetMaps.Large);
        int agents = context.Args.GetInt("agents", 100, 1, 10_000);
        int seed = context.Args.GetInt("seed", 1);
        int repeats = context.Args.GetInt("repeats", 5, 1, 1000);
        context.Error.WriteLine($"Timing the planner on {map.Name} with {agents} agents ({repeats} runs)...");
        context.WriteJson(PlannerBenchmark.Run(map, agents, seed, repeats));
        return Task.FromResult(0);
    }

    internal static CityMap FindMap(VerbContext context, string fallback)
    {
        string name = context.Args.Get("map") ?? fallback;
        return MapCatalog.For(context.Store).Find(name) ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
    }

    public static Task<int> EnvAsync(VerbContext context)
    {
        CityMap map = FindMap(context, PresetMaps.Medium);
        int agents = context.Args.GetInt("agents", 20, 1, 10_000);
        int envs = context.Args.GetInt("envs", 16, 1, 4096);
        double seconds = context.Args.GetDouble("seconds", 5, 0.1, 3600);
        context.Error.WriteLine($"Benchmarking {envs} x {agents} agents on {map.Name} for {seconds} s...");
        context.WriteJson(EnvBenchmark.Run(map, agents, envs, seconds));
        return Task.FromResult(0);
    }
}

/// <summary>`bench train`, `bench scaling`, `bench memory` and `bench learning`: the trainer's benchmarks.</summary>
internal static class TrainBenchVerbs
{
    private static readonly OptionSpec Algo = new("algo", "algorithm (default leed; leed and bc use the built-in planner's demonstrations)", ValueName: "ALGO");
    private static readonly OptionSpec Envs = new("envs", "parallel environments (default 16)", ValueName: "E");
    private static readonly OptionSpec Steps = new("steps", "steps per rollout (default 128)", ValueName: "T");
    private static readonly OptionSpec Threads = new("threads", "torch threads for the update (default 2)", ValueName: "K");
    private static readonly OptionSpec RolloutThreads = new("rollout-threads", "torch threads during rollouts (default 1)", ValueName: "K");

    public static readonly OptionSpec[] TrainOptions =
    [
        Verb.Data,
        new("map", "map name (default synthetic-medium)", ValueName: "NAME"),
        new("agents", "agents (default 20)", ValueName: "N"),
        new("seconds", "measuring time after one warm-up iteration (default 20)", ValueName: "S"),
        new("iterations", "measure this many iterations instead of --seconds (with --busy: this many alone, then as many beside the busy processes; default 3)", ValueName: "I"),
        new("busy", $"also train beside N busy processes ({BusyMachineBenchmark.BusyProgram} {BusyMachineBenchmark.BusyArgument}, started and stopped by the benchmark) and print both figures and their ratio", ValueName: "N"),
        Algo, Envs, Steps, Threads, RolloutThreads,
    ];

    public static readonly OptionSpec[] KernelOptions =
    [
        Verb.Data,
        new("agents", "ensemble members (default 20)", ValueName: "N"),
        new("rows", "rows per member, i.e. the minibatch (default 512)", ValueName: "B"),
        new("observation", "input width (default 160, the 7x7 observation)", ValueName: "O"),
        new("hidden", "hidden width (default 64)", ValueName: "H"),
        Threads,
    ];

    public static readonly OptionSpec[] ScalingOptions =
    [
        Verb.Data,
        new("map", "map name (default synthetic-large)", ValueName: "NAME"),
        new("agents", "comma-separated agent counts (default 5,10,20,50,100)", ValueName: "LIST"),
        new("iterations", "measured iterations per count, after one warm-up (default 2)", ValueName: "I"),
        Algo, Envs, Steps, Threads,
    ];

    public static readonly OptionSpec[] MemoryOptions =
    [
        Verb.Data,
        new("map", "map name (default synthetic-medium)", ValueName: "NAME"),
        new("agents", "agents (default 20)", ValueName: "N"),
        new("iterations", "iterations (default 1000)", ValueName: "I"),
        Algo,
        new("envs", "parallel environments (default 4)", ValueName: "E"),
        new("steps", "steps per rollout (default 32)", ValueName: "T"),
        Threads,
    ];

    public static readonly OptionSpec[] LearningOptions =
    [
        Verb.Data,
        new("map", "map name (default synthetic-medium)", ValueName: "NAME"),
        new("agents", "agents (default 20)", ValueName: "N"),
        new("iterations", "iterations per run (default 60)", ValueName: "I"),
        new("seeds", "comma-separated training seeds (default 1,2,3)", ValueName: "LIST"),
        new("configs", "comma-separated configurations (default all: " + string.Join(',', LearningBenchmark.DefaultConfigs.Select(c => c.Name)) + ")", ValueName: "LIST"),
        new("out", "folder for curves.csv, summary.json and summary.md (default bench/out/learning)", ValueName: "DIR"),
        new("lr", "learning rate for every configuration (default 0.001)", ValueName: "X"),
        Envs, Steps, Threads,
    ];

    public static Task<int> TrainAsync(VerbContext context)
    {
        CityMap map = FindMap(context, PresetMaps.Medium);
        int agents = context.Args.GetInt("agents", 20, 1, 10_000);
        double seconds = context.Args.GetDouble("seconds", 20, 0.1, 3600);
        Algorithm algorithm = ParseAlgorithm(context);
        Hyperparameters hp = Common(context, new Hyperparameters());
        if (context.Args.Has("busy"))
        {
            int busy = context.Args.GetInt("busy", 2, 1, 4 * Environment.ProcessorCount);
            int measured = context.Args.GetInt("iterations", 3, 1, 100_000);
            context.Error.WriteLine($"Benchmarking {algorithm.Name()} training ({hp.Envs} x {hp.Steps} steps x {agents} agents on {map.Name}): " +
                $"{measured} iterations alone, then {measured} beside {busy} busy processes...");
            context.WriteJson(BusyMachineBenchmark.Run(map, agents, measured, busy, algorithm, hp, log: context.Error.WriteLine));
            return Task.FromResult(0);
        }
        int? iterations = context.Args.Has("iterations") ? context.Args.GetInt("iterations", 3, 1, 100_000) : null;
        context.Error.WriteLine($"Benchmarking {algorithm.Name()} training: {hp.Envs} x {hp.Steps} steps x {agents} agents on {map.Name} for " +
            (iterations is int count ? $"{count} iterations..." : $"{seconds} s..."));
        context.WriteJson(TrainBenchmark.Run(map, agents, seconds, algorithm, hp, log: context.Error.WriteLine, iterations: iterations));
        return Task.FromResult(0);
    }

    public static Task<int> KernelAsync(VerbContext context)
    {
        int agents = context.Args.GetInt("agents", 20, 1, 10_000);
        int rows = context.Args.GetInt("rows", 512, 1, 1_000_000);
        int observation = context.Args.GetInt("observation", 160, 6, 100_000);
        var hp = new Hyperparameters { Envs = rows, Steps = 1, Minibatches = 1, HiddenSize = context.Args.GetInt("hidden", 64, 1, 8192),
            Threads = context.Args.GetInt("threads", 2, 1, 256) };
        TorchSharp.torch.set_num_threads(hp.Threads);
        (double gflops, double utilisation) = TrainBenchmark.KernelGflopPerSecond(agents, observation, observation, hp, 1);
        context.WriteJson(new { agents, rows, observation, hidden = hp.HiddenSize, threads = hp.Threads, gflopPerSecond = Math.Round(gflops, 1), cpuUtilisation = utilisation,
            what = "forward + backward of the actor and critic ensembles (tanh MLP, bmm), FLOPs counted as 2 x multiply-adds" });
        return Task.FromResult(0);
    }

    public static Task<int> ScalingAsync(VerbContext context)
    {
        CityMap map = FindMap(context, PresetMaps.Large);
        int[] counts = IntList(context, "agents", [5, 10, 20, 50, 100]);
        int iterations = context.Args.GetInt("iterations", 2, 1, 1000);
        Algorithm algorithm = ParseAlgorithm(context);
        Hyperparameters hp = Common(context, new Hyperparameters());
        context.Error.WriteLine($"Scaling {algorithm.Name()} on {map.Name}: {string.Join(", ", counts)} agents, {hp.Envs} x {hp.Steps} steps...");
        context.WriteJson(ScalingBenchmark.Run(map, counts, iterations, algorithm, hp, log: context.Error.WriteLine));
        return Task.FromResult(0);
    }

    public static Task<int> MemoryAsync(VerbContext context)
    {
        CityMap map = FindMap(context, PresetMaps.Medium);
        int agents = context.Args.GetInt("agents", 20, 1, 10_000);
        int iterations = context.Args.GetInt("iterations", 1000, 2, 1_000_000);
        Algorithm algorithm = ParseAlgorithm(context);
        Hyperparameters hp = Common(context, new Hyperparameters { Envs = 4, Steps = 32 });
        context.Error.WriteLine($"Memory over {iterations} iterations of {algorithm.Name()} ({hp.Envs} x {hp.Steps} steps x {agents} agents on {map.Name})...");
        context.WriteJson(MemoryBenchmark.Run(map, agents, iterations, hp, algorithm, log: context.Error.WriteLine));
        return Task.FromResult(0);
    }

    public static Task<int> LearningAsync(VerbContext context)
    {
        CityMap map = FindMap(context, PresetMaps.Medium);
        int agents = context.Args.GetInt("agents", 20, 1, 10_000);
        int[] seeds = IntList(context, "seeds", [1, 2, 3]);
        Hyperparameters hp = Common(context, new Hyperparameters()) with
        {
            Iterations = context.Args.GetInt("iterations", 60, 1, 100_000),
            LearningRate = context.Args.GetDouble("lr", 1e-3, 1e-7, 1),
        };
        IReadOnlyList<LearningConfig> configs = LearningBenchmark.DefaultConfigs;
        if (context.Args.Get("configs") is { } names)
        {
            string[] wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string[] unknown = [.. wanted.Where(name => configs.All(config => config.Name != name))];
            if (unknown.Length > 0) throw new UsageException($"--configs: unknown {string.Join(", ", unknown)}; known: {string.Join(", ", configs.Select(c => c.Name))}.");
            configs = [.. configs.Where(config => wanted.Contains(config.Name))];
        }
        string output = context.Args.Get("out") ?? Path.Combine("bench", "out", "learning");
        context.Error.WriteLine($"Learning benchmark on {map.Name}, {agents} agents, seeds {string.Join(",", seeds)}, {hp.Iterations} iterations per run; writing {output}...");
        LearningBenchmarkResult result = LearningBenchmark.Run(map, agents, seeds, hp, configs, output, log: context.Error.WriteLine);
        context.WriteJson(new { result.Map, result.Agents, result.Iterations, result.GlobalStepsPerRun, result.Summaries, result.Targets, result.Seconds, output });
        return Task.FromResult(0);
    }

    private static CityMap FindMap(VerbContext context, string fallback)
    {
        string name = context.Args.Get("map") ?? fallback;
        return MapCatalog.For(context.Store).Find(name) ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
    }

    private static Algorithm ParseAlgorithm(VerbContext context)
    {
        try
        {
            return AlgorithmNames.Parse(context.Args.Get("algo") ?? "leed");
        }
        catch (FormatException error)
        {
            throw new UsageException($"--algo: {error.Message}");
        }
    }

    private static Hyperparameters Common(VerbContext context, Hyperparameters defaults)
    {
        Hyperparameters hp = defaults with
        {
            Envs = context.Args.GetInt("envs", defaults.Envs, 1, 4096),
            Steps = context.Args.GetInt("steps", defaults.Steps, 1, 100_000),
            Threads = context.Args.GetInt("threads", defaults.Threads, 1, 256),
            RolloutThreads = context.Args.Has("rollout-threads") ? context.Args.GetInt("rollout-threads", 1, 1, 256) : defaults.RolloutThreads,
        };
        if (hp.BatchSize % hp.Minibatches != 0)
            throw new UsageException($"--envs x --steps ({hp.BatchSize}) must be divisible by the {hp.Minibatches} minibatches.");
        return hp;
    }

    private static int[] IntList(VerbContext context, string option, int[] fallback)
    {
        string? text = context.Args.Get(option);
        if (text is null) return fallback;
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value) || value < 1)
                throw new UsageException($"--{option} expects comma-separated positive whole numbers, got '{text}'.");
            values.Add(value);
        }
        return values.Count > 0 ? [.. values] : throw new UsageException($"--{option} is empty.");
    }
}
