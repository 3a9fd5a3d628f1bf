// `train`: trains one run headless, streaming one JSON line per iteration and writing metrics.csv and the checkpoint.
using System.CommandLine;
using System.Text.Json;
using Leed.Engine.Analysis;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Cli;

internal static class TrainVerbs
{
    private static readonly Hyperparameters Defaults = new();

    private static readonly Option<Algorithm> Algo = TrainingOptions.Algorithm("algorithm");
    private static readonly Option<IWeightSchedule?> Weight = CliOptions.Parsed<IWeightSchedule?>("--weight",
        $"LEED's expert-weight schedule: {WeightSchedules.Help}; default {WeightSchedules.Default.Spec}", "SCHEDULE", WeightSchedules.Parse);
    private static readonly Option<string> Demos = CliOptions.Text("--demos", "demonstrations: planner (built-in), a stored set's ID, or an instruction FILE",
        "planner|ID|FILE", "planner");
    private static readonly Option<int> Iterations = CliOptions.Int("--iterations", "iterations to run", "I", Defaults.Iterations, 1, 1_000_000);
    private static readonly Option<int> Seed = CliOptions.Int("--seed", "training seed", "S", new RunSpec().Seed);
    private static readonly Option<int?> ScenarioSeed = CliOptions.OptionalInt("--scenario-seed",
        $"seed of the generated scenario (default {ScenarioResolver.DefaultSeed})", "S");
    private static readonly Option<string?> Output = CliOptions.Text("--out",
        "output folder for config.json, metrics.csv and checkpoint.bin (default runs/MAP-ALGO-seedS)", "DIR");
    private static readonly RolloutOptions Rollout = new(Defaults);
    private static readonly Option<double> LearningRate = TrainingOptions.LearningRate(Defaults.LearningRate);
    private static readonly Option<string?> ResumeFrom = CliOptions.Text("--resume", "continue from this checkpoint (same map, agents and demonstrations)", "FILE");

    public static Command Command() => CommandLine.Verb("train",
        "Trains one run; streams one JSON line per iteration, writes config.json, metrics.csv and checkpoint.bin to --out.",
        [CliOptions.Data, CliOptions.RequiredMap, CliOptions.ScenarioAgents, Algo, Weight, Demos, Iterations, Seed, ScenarioSeed, Output,
            .. Rollout.All, LearningRate, ResumeFrom],
        TrainAsync);

    private static async Task<int> TrainAsync(VerbContext context)
    {
        Algorithm algorithm = context.Get(Algo);
        IWeightSchedule? weights = context.Get(Weight);
        if (weights is not null && !algorithm.Info().UsesWeightSchedule)
            throw new UsageException($"--weight applies to {string.Join(", ", Algorithms.All.Where(a => a.UsesWeightSchedule).Select(a => a.Name))} only; {algorithm.Name()} has no expert weight.");
        int iterations = context.Get(Iterations);
        int seed = context.Get(Seed);
        Hyperparameters hp = Rollout.Apply(context, Defaults with { Iterations = iterations, LearningRate = context.Get(LearningRate) });

        var catalog = MapCatalog.For(context.Store);
        CityMap map = catalog.Require(context.Require(CliOptions.RequiredMap));
        (Scenario scenario, int? chosenScenarioSeed) = ScenarioResolver.Resolve(catalog, map, context.Get(CliOptions.ScenarioAgents), context.Get(ScenarioSeed));

        ExpertDataset? demos = null;
        string demosSource = context.Get(Demos);
        if (int.TryParse(demosSource, out int setId) && !File.Exists(demosSource))
        {
            // A stored demonstration set carries its own scenario: train on exactly the agents it was made for.
            try
            {
                (scenario, DemonstrationSet set) = new DemonstrationStore(context.Store).LoadForTraining(setId, catalog, requireValidAgent: algorithm.Info().NeedsDemonstrations);
                if (scenario.Map.Name != map.Name)
                    throw new InputException($"--demos {setId}: the set was made for map '{scenario.Map.Name}', not '{map.Name}'.");
                demosSource = set.Label;
                demos = InstructionExecutor.Execute(scenario, set).Dataset;
            }
            catch (Exception error) when (error is KeyNotFoundException or NoValidAgentException)
            {
                throw new InputException($"--demos {setId}: {error.Message}");
            }
        }
        if (algorithm.Info().NeedsDemonstrations || context.Has(Demos))
        {
            context.Error.WriteLine($"Preparing demonstrations ({demosSource}) for {scenario.AgentCount} agents on {map.Name}...");
            demos ??= LoadDemonstrations(demosSource, scenario);
            int usable = demos.Agents.Count(agent => agent.Valid && agent.Steps > 0);
            context.Error.WriteLine($"  {usable} of {scenario.AgentCount} agents have a valid demonstration; arrival rate {demos.ArrivalRate:P0}.");
            if (algorithm.Info().NeedsDemonstrations && usable == 0)
                throw new InputException($"No agent has a valid demonstration in '{demosSource}': {algorithm.Name()} cannot train. Run `demos validate` on the file to see why.");
        }

        string output = context.Get(Output) ?? Path.Combine("runs", $"{map.Name}-{algorithm.Name()}-seed{seed}");
        Directory.CreateDirectory(output);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            using Trainer trainer = context.Get(ResumeFrom) is { } resume
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
}
