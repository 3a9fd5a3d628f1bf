// `train` as a queued run: the verb's options, given on the command line or sent by it to a running dashboard, become a run by one rule.
using Leed.Dashboard.Cli;
using Leed.Dashboard.LocalApi;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Runs;

/// <summary>The run a `train` call asks for, the scenario it trains on, and what was chosen for it in words (printed on stderr).</summary>
internal sealed record TrainPlan(RunSpec Spec, Scenario Scenario, IReadOnlyList<string> Notices);

/// <summary>
/// Where the command line's own `train` and the local API's agree: both turn a <see cref="TrainCall"/>
/// into a <see cref="RunSpec"/> here, and both continue a run here, so a run started either way is
/// the same run, stored the same way, and prepared by <see cref="RunPreparation"/>.
/// </summary>
internal static class TrainRuns
{
    /// <summary>
    /// The run <paramref name="call"/> asks for, checked before anything is stored (map, algorithm,
    /// schedule, hyperparameters, the scenario by <see cref="ScenarioResolver"/>'s rule or as a set or
    /// a file's header recorded it, memory). An instruction file's demonstrations are stored as a set
    /// (or the set stored from the same file is reused), so the run can be continued from anywhere.
    /// </summary>
    /// <exception cref="UsageException">Options that contradict each other or the recorded scenario.</exception>
    /// <exception cref="InputException">A set or file that cannot be used.</exception>
    public static TrainPlan Plan(TrainCall call, ILeedStore store, TrainerWorkloadFactory factory)
    {
        var catalog = MapCatalog.For(store);
        AlgorithmInfo algorithm = Algorithms.Parse(call.Algorithm ?? Algorithms.Default.Name).Info();
        if (call.Weight is not null && !algorithm.UsesWeightSchedule)
            throw new UsageException($"--weight applies to {string.Join(", ", Algorithms.All.Where(a => a.UsesWeightSchedule).Select(a => a.Name))} only; " +
                $"{algorithm.Name} has no expert weight.");
        if (call.Weight is not null) WeightSchedules.Parse(call.Weight);
        var defaults = new Hyperparameters();
        Hyperparameters hyperparameters = (defaults with
        {
            Iterations = call.Iterations ?? defaults.Iterations,
            Envs = call.Envs ?? defaults.Envs,
            Steps = call.Steps ?? defaults.Steps,
            LearningRate = call.LearningRate ?? defaults.LearningRate,
            Threads = call.Threads ?? defaults.Threads,
        }).Checked();
        var spec = new RunSpec
        {
            Name = call.Name ?? "",
            Algorithm = algorithm.Name,
            Weight = algorithm.UsesWeightSchedule ? call.Weight ?? WeightSchedules.Default.Spec : "",
            Seed = call.Seed ?? new RunSpec().Seed,
            Iterations = hyperparameters.Iterations,
            CheckpointEvery = call.CheckpointEvery,
            // Every value (defaults too), so the run records exactly what it trained with.
            Hyperparameters = HyperparameterValues.ToValues(hyperparameters),
            Demonstrator = algorithm.NeedsDemonstrations ? "planner" : "none",
        };
        var notices = new List<string>();
        string demos = call.Demos ?? "planner";

        if (call.DemosFileName is string file)
        {
            // The file's header says what it was made for; a file without one follows the scenario rule on --map.
            Scenario scenario;
            DemonstrationSet set;
            try
            {
                ScenarioIdentity? recorded = DemonstrationFile.RecordedIn(file, call.DemosContent ?? "");
                (scenario, string? notice) = DemonstrationFile.ScenarioFor(file, recorded, catalog, call.Map, call.Agents, call.ScenarioSeed);
                if (notice is not null) notices.Add(notice);
                (set, _) = DemonstrationFile.Parse(file, call.DemosContent ?? "", scenario);
            }
            catch (DemonstrationFileException error)
            {
                throw new InputException(error.Message);
            }
            if (algorithm.NeedsDemonstrations && !set.HasValidAgent)
                throw new InputException($"No agent has a valid demonstration in '{file}': {algorithm.Name} cannot train. Run `demos validate {file}` to see why.");
            // Refused before the file's set is stored: nothing is kept for a run that cannot start.
            TrainingMemory.EnsureFits(scenario, algorithm.Algorithm, hyperparameters);
            StoredDemonstrationSet stored = new DemonstrationService(store).SaveFile(scenario, set);
            notices.Add($"{file}: its demonstrations are {stored.Title} (id {stored.Id}) in the store.");
            UseSet(spec, stored);
        }
        else if (int.TryParse(demos, out int setId))
        {
            StoredDemonstrationSet stored = new DemonstrationStore(store).Find(setId)
                ?? throw new InputException($"--demos {setId}: No demonstration set with id {setId}. `demos list` shows the stored sets.");
            try
            {
                ScenarioResolver.Recorded(stored.Identity, stored.Title, catalog, call.Map, call.Agents, call.ScenarioSeed);
            }
            catch (ScenarioException error)
            {
                throw new UsageException($"--demos {setId}: {error.Message}");
            }
            UseSet(spec, stored);
        }
        else
        {
            if (demos is not ("planner" or "llm"))
                throw new InputException($"--demos: '{demos}' is neither 'planner' nor an existing instruction file nor a stored set's id.");
            string mapName = call.Map ?? throw new UsageException("--map is required (or --demos with a stored set or an instruction file that names its map).");
            CityMap map = catalog.Require(mapName);
            ScenarioSource source = ScenarioResolver.Choose(catalog, map, call.Agents, call.ScenarioSeed);
            notices.Add(ScenarioResolver.Notice(catalog, map, source) + ".");
            spec.Map = map.Name;
            spec.ScenarioKind = source.Kind;
            spec.Agents = source.Agents;
            spec.ScenarioSeed = source.Seed ?? ScenarioResolver.DefaultSeed;
            if (algorithm.NeedsDemonstrations) spec.Demonstrator = demos;
        }

        try
        {
            return new TrainPlan(spec, factory.Check(spec), notices);
        }
        catch (NoValidAgentException error)
        {
            throw new InputException($"--demos {spec.DemoSetId}: {error.Message}");
        }
    }

    /// <summary>The run trains on a stored set, and on the scenario it records.</summary>
    private static void UseSet(RunSpec spec, StoredDemonstrationSet stored)
    {
        ScenarioIdentity identity = stored.Identity;
        spec.Map = stored.MapName;
        spec.Demonstrator = "set";
        spec.DemoSetId = stored.Id;
        spec.ScenarioKind = identity.Source.Kind == ScenarioKind.Custom ? null : identity.Source.Kind;
        spec.Agents = identity.Agents.Count;
        spec.ScenarioSeed = identity.Source.Seed ?? ScenarioResolver.DefaultSeed;
    }

    /// <summary>
    /// Makes the stored run <paramref name="runId"/> ready to continue from <paramref name="checkpoint"/>
    /// (stored as its checkpoint, replacing any), planned for <paramref name="iterations"/> in all.
    /// A store that does not hold the run yet (another data folder) gets it from <paramref name="recorded"/>,
    /// its settings as its config.json recorded them. Then <see cref="RunRegistry.Restart"/> continues it.
    /// </summary>
    /// <exception cref="InputException">The run is active, or unknown and not recorded.</exception>
    public static void PrepareResume(RunStore runs, string runId, RunSpec? recorded, byte[] checkpoint, int iterations, int? checkpointEvery)
    {
        RunRecord record = runs.Find(runId) ?? new RunRecord
        {
            Id = runId,
            Spec = recorded ?? throw new InputException($"Run {runId} is not in this data folder's store, and its settings were not sent."),
            Status = RunStatus.Interrupted,
            CreatedAt = DateTime.UtcNow,
        };
        if (record.IsActive && runs.Find(runId) is not null && record.Status != RunStatus.Interrupted)
            throw new InputException($"Run {runId} is {record.Status.ToString().ToLowerInvariant()} already; stop it first.");
        record.Spec.Iterations = iterations;
        if (checkpointEvery is int every) record.Spec.CheckpointEvery = every;
        runs.Save(record);
        using var content = new MemoryStream(checkpoint, writable: false);
        runs.SaveCheckpoint(runId, content);
    }
}
