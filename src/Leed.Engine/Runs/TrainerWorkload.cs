// Runs the real trainer for a registry run: prepared by RunPreparation, then training, metrics, snapshots, checkpoints.
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;

namespace Leed.Engine.Runs;

/// <summary>Makes <see cref="TrainerWorkload"/>s, which prepare their runs through <see cref="RunPreparation"/>.</summary>
/// <param name="demonstrations">Makes and stores the configured LLM's sets for runs that ask for them; without it such runs fail saying no LLM is configured.</param>
public sealed class TrainerWorkloadFactory(ILeedStore store, DemonstrationService? demonstrations = null) : IRunWorkloadFactory
{
    /// <summary>Iterations between checkpoints (and always after the last one) when a run does not say (<see cref="RunSpec.CheckpointEvery"/>).</summary>
    public int CheckpointEvery { get; init; } = 10;

    /// <summary>
    /// Share of training time that episode snapshots may take. Snapshots are recorded all through
    /// training, watched or not, for the replay timeline; recording one costs a full episode of
    /// forward passes (and storing it), so without a budget a run would slow down. The first
    /// snapshot and the one after the last iteration are always taken; the others when the time
    /// spent on snapshots so far (<see cref="RunRecord.SnapshotSeconds"/>), plus what the last one
    /// took, is within this share of the run's training time (so the next one cannot overshoot it),
    /// and the iteration falls on the stride the stored snapshots are thinned to (<see cref="SnapshotThinning"/>).
    /// </summary>
    public double SnapshotBudget { get; init; } = 0.05;

    /// <summary>The one path from a run's settings to its trainer.</summary>
    public RunPreparation Preparation { get; } = new(store, demonstrations);

    public IRunWorkload Create(RunRecord run) => new TrainerWorkload(this, store);

    /// <summary>
    /// How many agents a run of <paramref name="spec"/> will train (a spec's 0 means the map's own
    /// agents), or null when its map, set or algorithm cannot be resolved (the run then fails with the reason).
    /// </summary>
    public int? AgentCount(RunSpec spec) => Preparation.AgentCount(spec);

    /// <summary>Resolves map, scenario, demonstrations and hyperparameters; throws with a clear message when something is missing.</summary>
    public PreparedRun Prepare(RunSpec spec, CancellationToken cancellation = default) => Preparation.Prepare(spec, cancellation);

    /// <summary>
    /// Checks a run's settings before it is queued, without preparing demonstrations (map,
    /// algorithm, schedule, hyperparameters, scenario, memory); throws saying what is wrong.
    /// Returns the scenario the run will train on.
    /// </summary>
    public Scenario Check(RunSpec spec) => Preparation.Plan(spec).Scenario;
}

/// <summary>One run's training loop on the run's own thread.</summary>
public sealed class TrainerWorkload(TrainerWorkloadFactory factory, ILeedStore store) : IRunWorkload
{
    public void Execute(RunContext context)
    {
        RunSpec spec = context.Spec;
        PreparedRun prepared = factory.Preparation.Prepare(spec, context.Cancellation);
        if (prepared.SetId is int setId)
        {
            new DemonstrationStore(store).MarkUsed(setId, context.Run.Id);
            // An LLM run keeps the set it made at its first start, so a restart trains on the same demonstrations.
            if (spec.Demonstrator == "llm") spec.DemoSetId = setId;
        }
        context.SetPrepared(prepared.DemonstrationLabel, prepared.Scenario, prepared.Summary);
        Train(prepared, context, factory.CheckpointEvery, factory.SnapshotBudget,
            trainer => context.TakeDemonstrationSwitch() is { } request ? SwitchDemonstrations(context, trainer, prepared, request.SetId, request.Who) : trainer);
    }

    /// <summary>
    /// The training loop of a prepared run, wherever it runs (here, or on a cluster worker): from
    /// its checkpoint when it has one, reporting every iteration, snapshots within
    /// <paramref name="snapshotBudget"/>, and a checkpoint every <paramref name="checkpointEvery"/>
    /// iterations unless the run says otherwise. Before each iteration <paramref name="beforeIteration"/>
    /// may hand back another trainer (a switch of demonstration sets, which only a run trained here can take).
    /// </summary>
    public static void Train(PreparedRun prepared, IRunContext context, int checkpointEvery, double snapshotBudget, Func<Trainer, Trainer>? beforeIteration = null)
    {
        RunSpec spec = context.Spec;
        Trainer? trainer = null;
        context.TryLoadCheckpoint(stream => trainer = prepared.ContinueTrainer(stream));
        trainer ??= prepared.CreateTrainer();
        // The trainer is replaced when the run switches demonstration sets, so it is disposed by hand.
        try
        {
            // Rows stored after the checkpoint's iteration (a crash, or a lost worker, between two checkpoints) are trained again: they go first.
            context.ContinueFrom(trainer.Iteration, trainer.GlobalStep);
            checkpointEvery = spec.CheckpointEvery ?? checkpointEvery;
            int checkpointed = trainer.Iteration;
            double priorWall = context.Run.WallSeconds;
            int[] destinations = [.. prepared.Scenario.Agents.Select(agent => agent.Destination)];
            string scenarioKey = context.Run.ScenarioKey ?? ScenarioKeys.Of(prepared.Scenario);
            double lastSnapshotSeconds = 0;
            bool firstSnapshot = true;
            try
            {
                while (trainer.Iteration < spec.Iterations)
                {
                    context.WaitWhilePaused();
                    if (beforeIteration is not null) trainer = beforeIteration(trainer);
                    IterationMetrics metrics = trainer.RunIteration();
                    context.ReportIteration(new MetricRecord(metrics.Iteration, metrics.GlobalStep, priorWall + context.ActiveTime.TotalSeconds, metrics.Values));
                    double trained = priorWall + context.ActiveTime.TotalSeconds;
                    bool withinBudget = context.Run.SnapshotSeconds + lastSnapshotSeconds <= snapshotBudget * trained;
                    if (firstSnapshot || trainer.Iteration == spec.Iterations || (withinBudget && context.SnapshotDue(trainer.Iteration)))
                    {
                        long start = Stopwatch.GetTimestamp();
                        EpisodeSnapshot snapshot = ToSnapshot(trainer.RecordEpisode(greedy: false), destinations, scenarioKey);
                        double before = context.Run.SnapshotSeconds;
                        context.ReportSnapshot(snapshot, Stopwatch.GetElapsedTime(start));
                        lastSnapshotSeconds = context.Run.SnapshotSeconds - before;
                        firstSnapshot = false;
                    }
                    if (trainer.Iteration % checkpointEvery == 0 || trainer.Iteration == spec.Iterations)
                    {
                        context.SaveCheckpoint(trainer.Iteration, trainer.SaveCheckpoint);
                        checkpointed = trainer.Iteration;
                    }
                }
            }
            catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
            {
                // Stopped between two iterations: keep every one of them, so a restart continues exactly here.
                if (trainer.Iteration > checkpointed) context.SaveCheckpoint(trainer.Iteration, trainer.SaveCheckpoint);
                throw;
            }
            finally
            {
                // The last row's clock was read before its snapshot and checkpoint: the run's wall time covers them too.
                context.ReportTrainedSeconds(priorWall + context.ActiveTime.TotalSeconds);
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
    private Trainer SwitchDemonstrations(RunContext context, Trainer trainer, PreparedRun prepared, int setId, string who)
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
            if (ScenarioKeys.Of(setScenario) != ScenarioKeys.Of(prepared.Scenario))
                throw new ArgumentException($"{chosen?.Title ?? $"set {setId}"} was made for other agents than this run's; choose a version of the run's own set.");
            PreparedRun switched = prepared with { Demonstrations = InstructionExecutor.Execute(prepared.Scenario, set).Dataset, DemonstrationLabel = set.Label, SetId = setId };
            using var state = new MemoryStream();
            trainer.SaveCheckpoint(state);
            state.Position = 0;
            next = switched.ContinueTrainer(state);
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
        context.SaveCheckpoint(next.Iteration, next.SaveCheckpoint);
        context.RecordEvent(happened);
        return next;
    }

    private static EpisodeSnapshot ToSnapshot(EpisodeTrace trace, int[] destinations, string scenarioKey) => new(
        trace.Iteration,
        trace.Positions,
        [.. trace.Statuses.Select(step => step.Select(status => (byte)status).ToArray())],
        destinations)
    {
        Blocked = trace.Delayed,
        ScenarioKey = scenarioKey,
    };
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
