// Runs the real trainer for a registry run: scenario, demonstrations, training, metrics, snapshots, checkpoints.
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;

namespace Leed.Engine.Runs;

/// <summary>Everything a run needs before its first iteration.</summary>
public sealed record PreparedRun(Scenario Scenario, ExpertDataset? Demonstrations, string DemonstrationLabel, Algorithm Algorithm,
    IWeightSchedule? Weights, Hyperparameters Hyperparameters);

/// <summary>Makes <see cref="TrainerWorkload"/>s; demonstrations come from the planner or a stored set.</summary>
public sealed class TrainerWorkloadFactory(ILeedStore store, Func<IDemonstrator>? llmDemonstrator = null) : IRunWorkloadFactory
{
    /// <summary>Iterations between checkpoints (and always after the last one).</summary>
    public int CheckpointEvery { get; init; } = 10;

    /// <summary>
    /// Share of training time that episode snapshots for watchers may take. Recording an episode
    /// costs a full episode of forward passes, so without a budget a watched run would slow down;
    /// the first snapshot is always taken, later ones only while within the budget.
    /// </summary>
    public double SnapshotBudget { get; init; } = 0.05;

    public IRunWorkload Create(RunRecord run) => new TrainerWorkload(this, store, llmDemonstrator);

    /// <summary>
    /// How many agents a run of <paramref name="spec"/> will train (a spec's 0 means the map's own
    /// agents), or null when its map, set or algorithm cannot be resolved (the run then fails with the reason).
    /// </summary>
    public int? AgentCount(RunSpec spec)
    {
        try
        {
            var catalog = MapCatalog.For(store);
            return catalog.Find(spec.Map) is { } map && Algorithms.Find(spec.Algorithm) is { } algorithm
                ? TrainerWorkload.ResolveScenario(store, catalog, map, spec, algorithm).Scenario.AgentCount
                : null;
        }
        catch (Exception error) when (error is ArgumentException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Resolves map, scenario, demonstrations and hyperparameters; throws with a clear message when something is missing.</summary>
    public PreparedRun Prepare(RunSpec spec, CancellationToken cancellation = default) =>
        TrainerWorkload.Prepare(store, llmDemonstrator, spec, cancellation);

    /// <summary>
    /// Checks a run's settings before it is queued, without preparing demonstrations (map,
    /// algorithm, schedule, hyperparameters, scenario, memory); throws saying what is wrong.
    /// Returns the scenario the run will train on.
    /// </summary>
    public Scenario Check(RunSpec spec) => TrainerWorkload.Resolve(store, spec).Scenario;
}

/// <summary>One run's training loop on the run's own thread.</summary>
public sealed class TrainerWorkload(TrainerWorkloadFactory factory, ILeedStore store, Func<IDemonstrator>? llmDemonstrator) : IRunWorkload
{
    public void Execute(RunContext context)
    {
        RunSpec spec = context.Spec;
        PreparedRun prepared = Prepare(store, llmDemonstrator, spec, context.Cancellation);
        context.SetPrepared(prepared.DemonstrationLabel, prepared.Scenario.AgentCount);
        if (spec.DemoSetId is int setId && prepared.Demonstrations is not null) new DemonstrationStore(store).MarkUsed(setId, context.Run.Id);

        Trainer? trainer = null;
        context.TryLoadCheckpoint(stream => trainer = Trainer.LoadCheckpoint(stream, prepared.Scenario, prepared.Demonstrations));
        trainer ??= new Trainer(prepared.Scenario, prepared.Demonstrations, prepared.Algorithm, prepared.Weights, prepared.Hyperparameters, spec.Seed);
        // The trainer is replaced when the run switches demonstration sets, so it is disposed by hand.
        try
        {
            double priorWall = context.Run.WallSeconds;
            int[] destinations = [.. prepared.Scenario.Agents.Select(agent => agent.Destination)];
            double snapshotSeconds = 0;
            bool firstSnapshot = true;
            while (trainer.Iteration < spec.Iterations)
            {
                context.WaitWhilePaused();
                if (context.TakeDemonstrationSwitch() is { } request) trainer = SwitchDemonstrations(context, trainer, prepared.Scenario, request.SetId, request.Who);
                IterationMetrics metrics = trainer.RunIteration();
                context.ReportIteration(new MetricRecord(metrics.Iteration, metrics.GlobalStep, priorWall + context.ActiveTime.TotalSeconds, metrics.Values));
                bool withinBudget = firstSnapshot || snapshotSeconds <= factory.SnapshotBudget * context.ActiveTime.TotalSeconds;
                if ((context.SnapshotWanted && withinBudget) || trainer.Iteration == spec.Iterations)
                {
                    long start = Stopwatch.GetTimestamp();
                    context.ReportSnapshot(ToSnapshot(trainer.RecordEpisode(greedy: false), destinations));
                    snapshotSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
                    firstSnapshot = false;
                }
                if (trainer.Iteration % factory.CheckpointEvery == 0 || trainer.Iteration == spec.Iterations)
                    context.SaveCheckpoint(trainer.SaveCheckpoint);
            }
        }
        finally
        {
            trainer.Dispose();
        }
    }

    /// <summary>
    /// Continues the run on another stored set of the same agents: the trainer is rebuilt from its own
    /// state (networks, optimiser, random stream, weights, iteration and global step), so the checkpoint
    /// and the metrics go on without a seam; only the environments start fresh episodes. The switch is
    /// saved (checkpoint and spec) before training goes on, so a restart continues on the new set. A set
    /// that does not fit is refused and recorded, and the run keeps its old set.
    /// </summary>
    private Trainer SwitchDemonstrations(RunContext context, Trainer trainer, Scenario scenario, int setId, string who)
    {
        var demos = new DemonstrationStore(store);
        StoredDemonstrationSet? old = context.Spec.DemoSetId is int oldId ? demos.Find(oldId) : null;
        StoredDemonstrationSet? chosen = demos.Find(setId);
        var happened = new RunEvent
        {
            Iteration = trainer.Iteration, GlobalStep = trainer.GlobalStep, At = DateTime.UtcNow, Who = who,
            OldSetId = old?.Id, OldVersion = old?.Title, NewSetId = setId, NewVersion = chosen?.Title,
        };
        Trainer next;
        string label;
        try
        {
            (Scenario setScenario, DemonstrationSet set) = demos.LoadForTraining(setId, MapCatalog.For(store), requireValidAgent: true);
            if (!SameAgents(setScenario, scenario))
                throw new ArgumentException($"{chosen?.Title ?? $"set {setId}"} was made for other agents than this run's; choose a version of the run's own set.");
            ExpertDataset dataset = InstructionExecutor.Execute(scenario, set).Dataset;
            using var state = new MemoryStream();
            trainer.SaveCheckpoint(state);
            state.Position = 0;
            next = Trainer.LoadCheckpoint(state, scenario, dataset);
            label = set.Label;
        }
        catch (Exception refused) when (refused is ArgumentException or KeyNotFoundException or NoValidAgentException or InvalidDataException)
        {
            happened.Kind = RunEvent.DemonstrationSwitchRefused;
            happened.Refusal = refused.Message;
            context.RecordEvent(happened);
            return trainer;
        }
        trainer.Dispose();
        context.Spec.DemoSetId = setId;
        context.Run.DemonstrationLabel = label;
        demos.MarkUsed(setId, context.Run.Id);
        context.SaveCheckpoint(next.SaveCheckpoint);
        context.RecordEvent(happened);
        return next;
    }

    private static bool SameAgents(Scenario a, Scenario b) =>
        a.Map.Name == b.Map.Name && a.Agents.SequenceEqual(b.Agents);

    internal static PreparedRun Prepare(ILeedStore store, Func<IDemonstrator>? llmDemonstrator, RunSpec spec, CancellationToken cancellation)
    {
        (Scenario scenario, AlgorithmInfo algorithm, IWeightSchedule? weights, Hyperparameters hyperparameters, DemonstrationSet? stored) = Resolve(store, spec);
        ExpertDataset? dataset = null;
        string label = "none";
        if (stored is not null)
        {
            dataset = InstructionExecutor.Execute(scenario, stored).Dataset;
            label = stored.Label;
        }
        else
        {
            if (algorithm.NeedsDemonstrations)
            {
                IDemonstrator demonstrator = spec.Demonstrator == "llm"
                    ? llmDemonstrator?.Invoke() ?? throw new ArgumentException("No LLM is configured: choose the planner or a stored set.")
                    : new PlannerDemonstrator();
                DemonstrationSet set = demonstrator.GenerateAsync(scenario, null, cancellation).GetAwaiter().GetResult();
                if (demonstrator.Kind == "llm") new DemonstrationStore(store).SaveNew(scenario, spec.ScenarioSeed, set);
                dataset = InstructionExecutor.Execute(scenario, set).Dataset;
                label = set.Label;
            }
        }
        if (dataset is not null && !dataset.Agents.Any(agent => agent.Valid && agent.Steps > 0))
            throw new ArgumentException($"No agent has a valid demonstration ({label}): {algorithm.Name} cannot train.");
        return new PreparedRun(scenario, dataset, label, algorithm.Algorithm, weights, hyperparameters);
    }

    /// <summary>
    /// Everything about a run's settings that is known without demonstrations: map, algorithm,
    /// schedule, hyperparameters, the scenario (and the stored set it comes from), and that the run
    /// fits in this machine's memory. Throws saying what is wrong.
    /// </summary>
    internal static (Scenario Scenario, AlgorithmInfo Algorithm, IWeightSchedule? Weights, Hyperparameters Hyperparameters, DemonstrationSet? Stored)
        Resolve(ILeedStore store, RunSpec spec)
    {
        var catalog = MapCatalog.For(store);
        CityMap map = catalog.Require(spec.Map);
        AlgorithmInfo algorithm = Algorithms.Parse(spec.Algorithm).Info();
        Hyperparameters hyperparameters = HyperparameterValues.Apply(new Hyperparameters { Iterations = spec.Iterations }, spec.Hyperparameters);
        IWeightSchedule? weights = algorithm.UsesWeightSchedule ? WeightSchedules.Parse(spec.Weight) : null;
        (Scenario scenario, DemonstrationSet? stored) = ResolveScenario(store, catalog, map, spec, algorithm, requireValidAgent: true);
        TrainingMemory.EnsureFits(scenario, algorithm.Algorithm, hyperparameters);
        return (scenario, algorithm, weights, hyperparameters, stored);
    }

    /// <summary>
    /// The agents a run trains: a stored set's own scenario when its demonstrations come from one, else
    /// the map's own (.scen) agents when the spec asks for 0 agents and the map has them, else a generated
    /// scenario. The set is returned too when there is one; with <paramref name="requireValidAgent"/>, a set
    /// with no valid agent is refused with its name.
    /// </summary>
    internal static (Scenario Scenario, DemonstrationSet? Set) ResolveScenario(ILeedStore store, MapCatalog catalog, CityMap map, RunSpec spec,
        AlgorithmInfo algorithm, bool requireValidAgent = false)
    {
        if (spec.Demonstrator == "set" && algorithm.NeedsDemonstrations)
        {
            int id = spec.DemoSetId ?? throw new ArgumentException("A demonstration set was chosen but no set id was given.");
            return new DemonstrationStore(store).LoadForTraining(id, catalog, requireValidAgent);
        }
        return (spec.Agents <= 0 && catalog.FindScenario(map.Name) is { } own
            ? own
            : ScenarioGenerator.Generate(map, Math.Max(1, spec.Agents), spec.ScenarioSeed), null);
    }

    private static EpisodeSnapshot ToSnapshot(EpisodeTrace trace, int[] destinations) => new(
        trace.Iteration,
        trace.Positions,
        [.. trace.Statuses.Select(step => step.Select(status => (byte)status).ToArray())],
        destinations);
}

/// <summary>Hyperparameters as name/value pairs (how a run stores them) and back.</summary>
public static class HyperparameterValues
{
    private static readonly PropertyInfo[] Settable = [.. typeof(Hyperparameters).GetProperties()
        .Where(property => property.CanWrite && (property.PropertyType == typeof(int) || property.PropertyType == typeof(double)
            || property.PropertyType == typeof(bool) || property.PropertyType == typeof(double?)))];

    /// <summary>Names and values of every numeric or boolean setting (booleans as 0/1, unset nullable as NaN).</summary>
    public static Dictionary<string, double> ToValues(Hyperparameters hyperparameters) => Settable.ToDictionary(property => property.Name, property =>
        property.GetValue(hyperparameters) switch
        {
            int value => value,
            double value => value,
            bool value => value ? 1 : 0,
            _ => double.NaN,
        });

    public static IReadOnlyList<string> Names => [.. Settable.Select(property => property.Name)];

    public static Type TypeOf(string name) => Settable.First(property => property.Name == name).PropertyType;

    /// <summary>A copy of <paramref name="baseline"/> with <paramref name="values"/> applied; unknown names are refused.</summary>
    public static Hyperparameters Apply(Hyperparameters baseline, IReadOnlyDictionary<string, double> values)
    {
        Hyperparameters result = baseline with { };
        foreach ((string name, double value) in values)
        {
            PropertyInfo property = Settable.FirstOrDefault(candidate => candidate.Name == name)
                ?? throw new ArgumentException($"Unknown hyperparameter '{name}'. Known: {string.Join(", ", Names)}.");
            object? converted = property.PropertyType == typeof(int) ? checked((int)value)
                : property.PropertyType == typeof(bool) ? value != 0
                : property.PropertyType == typeof(double?) ? (double.IsNaN(value) ? null : value)
                : value;
            property.SetValue(result, converted);
        }
        return result.Checked();
    }

    public static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
