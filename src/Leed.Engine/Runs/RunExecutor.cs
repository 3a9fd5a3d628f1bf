// Where a run executes: the seam between the run registry (queue, store, pushes) and the process that trains.
namespace Leed.Engine.Runs;

/// <summary>
/// Executes the runs the registry starts. The registry owns the queue, the store and the pushes to
/// viewers; an executor decides where the training happens: in this process
/// (<see cref="InProcessRunExecutor"/>, the default) or on cluster workers. Whatever it is, every
/// iteration, snapshot and checkpoint comes back through the run's <see cref="RunContext"/>.
/// </summary>
public interface IRunExecutor
{
    /// <summary>How many runs may execute at once now (the cluster's free and used slots together).</summary>
    int Capacity { get; }

    /// <summary>Raised when <see cref="Capacity"/> changed (a worker joined or left), so queued runs can start.</summary>
    event Action? CapacityChanged;

    /// <summary>
    /// Whether its runs train in this process, beside the store: only such a run can load another
    /// demonstration set mid-run (<see cref="RunRegistry.SwitchDemonstrations"/>).
    /// </summary>
    bool TrainsInThisProcess { get; }

    /// <summary>
    /// Executes one run on the run's own thread: returns when it finished, throws
    /// <see cref="OperationCanceledException"/> when it was stopped, any other exception when it failed.
    /// </summary>
    void Execute(RunContext context);
}

/// <summary>Trains runs in this process, up to a fixed number at once: what the dashboard does with no cluster.</summary>
public sealed class InProcessRunExecutor : IRunExecutor
{
    private readonly IRunWorkloadFactory _factory;

    public InProcessRunExecutor(IRunWorkloadFactory factory, int maxConcurrent = 1)
    {
        if (maxConcurrent < 1) throw new ArgumentException($"At least one run must be allowed at a time, got {maxConcurrent}.");
        _factory = factory;
        Capacity = maxConcurrent;
    }

    public int Capacity { get; }

    public bool TrainsInThisProcess => true;

    // A fixed capacity never changes.
    public event Action? CapacityChanged { add { } remove { } }

    public void Execute(RunContext context) => _factory.Create(context.Run).Execute(context);
}

/// <summary>
/// What a training loop needs from wherever it runs: the registry's <see cref="RunContext"/> in the
/// owning process, or a cluster worker's stand-in that ships everything back to the coordinator.
/// </summary>
public interface IRunContext
{
    RunRecord Run { get; }
    RunSpec Spec { get; }
    CancellationToken Cancellation { get; }

    /// <summary>Whether an episode snapshot after <paramref name="iteration"/> would be kept (it falls on the stride the run's stored snapshots are thinned to).</summary>
    bool SnapshotDue(int iteration);

    /// <summary>Time spent training (without pauses) since the first <see cref="WaitWhilePaused"/>.</summary>
    TimeSpan ActiveTime { get; }

    /// <summary>Blocks while the run is paused; throws when it is stopped.</summary>
    void WaitWhilePaused();

    void ReportIteration(MetricRecord metrics);

    /// <summary>
    /// The run's training time when this attempt's loop ends (summed over restarts, without pauses), so
    /// that its wall time also covers what follows its last iteration's row: the last snapshot and checkpoint.
    /// </summary>
    void ReportTrainedSeconds(double wallSeconds);
    /// <summary>Keeps an episode snapshot that took <paramref name="recording"/> to record (adding to <see cref="RunRecord.SnapshotSeconds"/>).</summary>
    void ReportSnapshot(EpisodeSnapshot snapshot, TimeSpan recording);

    /// <summary>Records what preparation resolved: the demonstrations' label, the real number of agents and the scenario's key, and a one-line summary.</summary>
    void SetPrepared(string demonstrationLabel, Env.Scenario scenario, string? summary = null);

    /// <summary>Training continues after <paramref name="iteration"/> (its checkpoint's, or 0): rows stored after it are trained again, so they go first.</summary>
    void ContinueFrom(int iteration, long globalStep);

    /// <summary>Stores a checkpoint of <paramref name="iteration"/> (replacing the last one).</summary>
    void SaveCheckpoint(int iteration, Action<Stream> write);

    /// <summary>Reads the run's checkpoint into <paramref name="read"/>; false when it has none.</summary>
    bool TryLoadCheckpoint(Action<Stream> read);
}
