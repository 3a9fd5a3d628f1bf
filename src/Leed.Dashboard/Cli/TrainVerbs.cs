// `train`: trains one run headless, streaming one JSON line per iteration and writing metrics.csv and the checkpoint.
using System.Text.Json;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;

namespace Leed.Dashboard.Cli;

internal static class TrainVerbs
{
    public static readonly OptionSpec[] Options =
    [
        Verb.Data,
        new("map", "map name", ValueName: "NAME"),
        new("agents", "number of agents (default: the map's own scenario, else 20)", ValueName: "N"),
        new("algo", $"algorithm: {string.Join('|', AlgorithmNames.All)} (default leed)", ValueName: "ALGO"),
        new("weight", $"LEED's expert-weight schedule: {WeightSchedules.Help}; default dynamic", ValueName: "SCHEDULE"),
        new("demos", "demonstrations: planner (built-in, default) or an instruction FILE", ValueName: "planner|FILE"),
        new("iterations", "iterations to run (default 100)", ValueName: "I"),
        new("seed", "training seed (default 1)", ValueName: "S"),
        new("scenario-seed", "seed of the generated scenario (default 1)", ValueName: "S"),
        new("out", "output folder for config.json, metrics.csv and checkpoint.bin (default runs/MAP-ALGO-seedS)", ValueName: "DIR"),
        new("envs", "parallel environments (default 16)", ValueName: "E"),
        new("steps", "steps per environment per rollout (default 128)", ValueName: "T"),
        new("lr", "learning rate (default 0.001)", ValueName: "X"),
        new("threads", "torch threads (default 2)", ValueName: "K"),
        new("resume", "continue from this checkpoint (same map, agents and demonstrations)", ValueName: "FILE"),
    ];

    public static async Task<int> TrainAsync(VerbContext context)
    {
        ParsedArguments args = context.Args;
        Algorithm algorithm = Parse(() => AlgorithmNames.Parse(args.Get("algo") ?? "leed"), "algo");
        IWeightSchedule? weights = args.Get("weight") is { } spec ? Parse(() => WeightSchedules.Parse(spec), "weight") : null;
        if (weights is not null && algorithm != Algorithm.Leed)
            throw new UsageException($"--weight applies to leed only; {algorithm.Name()} has no expert weight.");
        int iterations = args.GetInt("iterations", 100, 1, 1_000_000);
        int seed = args.GetInt("seed", 1);
        var hp = new Hyperparameters
        {
            Iterations = iterations,
            Envs = args.GetInt("envs", 16, 1, 4096),
            Steps = args.GetInt("steps", 128, 1, 100_000),
            LearningRate = args.GetDouble("lr", 1e-3, 1e-7, 1),
            Threads = args.GetInt("threads", 2, 1, 256),
        };
        if (hp.BatchSize % hp.Minibatches != 0)
            throw new UsageException($"--envs x --steps ({hp.BatchSize}) must be divisible by the {hp.Minibatches} minibatches.");

        string name = args.Require("map");
        var catalog = MapCatalog.For(context.Store);
        CityMap map = catalog.Find(name) ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
        int? agents = args.Has("agents") ? args.GetInt("agents", 0, 1, 10_000) : null;
        int? scenarioSeed = args.Has("scenario-seed") ? args.GetInt("scenario-seed", 1) : null;
        (Scenario scenario, int? chosenScenarioSeed) = ScenarioResolver.Resolve(catalog, map, agents, scenarioSeed);

        ExpertDataset? demos = null;
        string demosSource = args.Get("demos") ?? "planner";
        if (int.TryParse(demosSource, out int setId) && !File.Exists(demosSource))
        {
            // A stored demonstration set carries its own scenario: train on exactly the agents it was made for.
            try
            {
                (scenario, DemonstrationSet set) = new DemonstrationStore(context.Store).LoadForTraining(setId, catalog);
                if (scenario.Map.Name != map.Name)
                    throw new InputException($"--demos {setId}: the set was made for map '{scenario.Map.Name}', not '{map.Name}'.");
                demosSource = set.Label;
                demos = InstructionExecutor.Execute(scenario, set).Dataset;
            }
            catch (KeyNotFoundException error)
            {
                throw new InputException($"--demos {setId}: {error.Message}");
            }
        }
        if (algorithm.NeedsDemonstrations() || args.Has("demos"))
        {
            context.Error.WriteLine($"Preparing demonstrations ({demosSource}) for {scenario.AgentCount} agents on {map.Name}...");
            demos ??= LoadDemonstrations(demosSource, scenario);
            int usable = demos.Agents.Count(agent => agent.Valid && agent.Steps > 0);
            context.Error.WriteLine($"  {usable} of {scenario.AgentCount} agents have a valid demonstration; arrival rate {demos.ArrivalRate:P0}.");
            if (algorithm.NeedsDemonstrations() && usable == 0)
                throw new InputException($"No agent has a valid demonstration in '{demosSource}': {algorithm.Name()} cannot train. Run `demos validate` on the file to see why.");
        }

        string output = args.Get("out") ?? Path.Combine("runs", $"{map.Name}-{algorithm.Name()}-seed{seed}");
        Directory.CreateDirectory(output);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            using Trainer trainer = args.Get("resume") is { } resume
                ? Resume(resume, scenario, demos)
                : new Trainer(scenario, demos, algorithm, weights, hp, seed);
            await WriteConfigAsync(output, trainer, map, chosenScenarioSeed, demosSource);

            var table = new MetricsTable(scenario.AgentCount);
            string csvPath = Path.Combine(output, "metrics.csv");
            bool appending = trainer.Iteration > 0 && File.Exists(csvPath);
            await using var csv = new StreamWriter(csvPath, append: appending);
            if (!appending) await csv.WriteLineAsync(table.CsvHeader);
            context.Error.WriteLine($"Training {trainer.Algorithm.Name()} ({trainer.WeightSchedule?.Spec ?? "no expert weight"}) for {iterations} iterations " +
                $"of {hp.Envs} x {hp.Steps} steps x {scenario.AgentCount} agents on {map.Name}; output in {output}.");

            using var run = new TrainingRun(trainer, iterations);
            run.IterationCompleted += metrics =>
            {
                csv.WriteLine(table.CsvRow(metrics));
                csv.Flush();
                context.WriteJson(table.Row(metrics), indented: false);
            };
            bool cancelled = false;
            try
            {
                await run.RunAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }
            SaveCheckpoint(trainer, Path.Combine(output, "checkpoint.bin"));
            context.Error.WriteLine($"{(cancelled ? "Stopped" : "Finished")} after {trainer.Iteration} iterations ({trainer.GlobalStep} global steps); checkpoint saved.");
            return cancelled ? 1 : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static ExpertDataset LoadDemonstrations(string source, Scenario scenario)
    {
        if (source == "planner") return ExpertSources.Planner(scenario);
        if (!File.Exists(source)) throw new InputException($"--demos: '{source}' is neither 'planner' nor an existing instruction file.");
        try
        {
            return ExpertSources.File(source, scenario);
        }
        catch (DemonstrationFileException error)
        {
            throw new InputException(error.Message);
        }
    }

    private static Trainer Resume(string path, Scenario scenario, ExpertDataset? demos)
    {
        if (!File.Exists(path)) throw new InputException($"--resume: no checkpoint at '{path}'.");
        using FileStream stream = File.OpenRead(path);
        try
        {
            return Trainer.LoadCheckpoint(stream, scenario, demos);
        }
        catch (Exception error) when (error is InvalidDataException or ArgumentException)
        {
            throw new InputException($"--resume {path}: {error.Message}");
        }
    }

    /// <summary>Writes to a temporary file first so an interrupted save never leaves a half-written checkpoint.</summary>
    private static void SaveCheckpoint(Trainer trainer, string path)
    {
        string temporary = path + ".tmp";
        using (FileStream stream = File.Create(temporary)) trainer.SaveCheckpoint(stream);
        File.Move(temporary, path, overwrite: true);
    }

    private static async Task WriteConfigAsync(string output, Trainer trainer, CityMap map, int? scenarioSeed, string demos)
    {
        var config = new
        {
            algorithm = trainer.Algorithm.Name(),
            weightSchedule = trainer.WeightSchedule?.Spec,
            seed = trainer.Seed,
            map = map.Name,
            agents = trainer.AgentCount,
            scenarioSeed,
            scenario = trainer.Scenario.Description,
            demonstrations = trainer.Demonstrations is null ? null : $"{demos}: {trainer.Demonstrations.Provenance}",
            envVersion = EnvConfig.EnvVersion,
            globalStep = "environment steps summed over the parallel environments (agent-steps = globalStep x agents)",
            hyperparameters = trainer.Hyperparameters,
            parameters = trainer.ParameterCount,
        };
        await File.WriteAllTextAsync(Path.Combine(output, "config.json"), JsonSerializer.Serialize(config, CommandLine.Indented));
    }

    private static T Parse<T>(Func<T> parse, string option)
    {
        try
        {
            return parse();
        }
        catch (FormatException error)
        {
            throw new UsageException($"--{option}: {error.Message}");
        }
    }
}
