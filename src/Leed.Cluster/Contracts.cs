// What travels between the coordinator and its workers: the grains' interfaces and their messages.
namespace Leed.Cluster;

/// <summary>
/// One attempt at one run, activated on the worker its key names (<see cref="RunGrainKey"/>). The
/// coordinator starts it with everything the run needs, then polls it: each poll brings the new
/// iterations, the latest snapshot and checkpoint, and renews the worker's lease on the run.
/// </summary>
[Alias("leed.run")]
public interface IRunGrain : IGrainWithStringKey
{
    [Alias("start")] Task Start(RunStart start);
    /// <summary>Brings what is new and hands over the coordinator's pause and stop requests.</summary>
    [Alias("poll")] Task<RunProgress> Poll(RunPoll poll);
    /// <summary>The coordinator has everything: the activation may go.</summary>
    [Alias("release")] Task Release();
}

/// <summary>One per silo (keyed by the silo's address): what the Workers page and the placement read.</summary>
[Alias("leed.worker")]
public interface IWorkerGrain : IGrainWithStringKey
{
    [Alias("status")] Task<WorkerStatus> Status();
    /// <summary>Tells the worker it was refused (another version); it prints the reason and exits 2.</summary>
    [Alias("refuse")] Task Refuse(string reason);
}

/// <param name="Package">The <see cref="Leed.Engine.Runs.PortableRun"/> as JSON.</param>
/// <param name="Checkpoint">The checkpoint to continue from, or null for a fresh start.</param>
[GenerateSerializer, Alias("leed.run-start")]
public sealed record RunStart([property: Id(0)] string Package, [property: Id(1)] byte[]? Checkpoint, [property: Id(2)] string CoordinatorVersion,
    [property: Id(3)] int SnapshotStride);

/// <param name="AfterIteration">The last iteration the coordinator stored: earlier ones are dropped on the worker.</param>
/// <param name="CheckpointIteration">The iteration of the checkpoint the coordinator holds (a newer one comes back).</param>
/// <param name="SnapshotStride">The stride the run's stored snapshots are thinned to now: the worker records snapshots on it, as a local run does.</param>
/// <param name="Paused">Pause (or resume) the run: every poll carries the state, so pause and resume need no calls of their own.</param>
/// <param name="Stop">Stop the run (it keeps its iterations; a checkpoint of the last one comes back).</param>
/// <param name="AfterSnapshot">The iteration of the last episode snapshot the coordinator stored: earlier ones are dropped on the worker
/// (acknowledged apart from the rows, since a snapshot is recorded after its iteration's row and may miss the poll that takes the row).</param>
[GenerateSerializer, Alias("leed.run-poll")]
public sealed record RunPoll([property: Id(0)] int AfterIteration, [property: Id(1)] int CheckpointIteration, [property: Id(2)] int SnapshotStride,
    [property: Id(3)] bool Paused, [property: Id(4)] bool Stop, [property: Id(5)] int AfterSnapshot);

public enum RunPhase { Preparing, Training, Completed, Stopped, Failed, Unknown }

/// <param name="Metrics">New iterations as JSON (a list of <see cref="Leed.Engine.Runs.MetricRecord"/>), in order.</param>
/// <param name="Snapshots">New episode snapshots as JSON (a list of <see cref="RecordedSnapshot"/>), in order; like metrics, they are sent until a poll's AfterSnapshot covers them.</param>
/// <param name="ContinuedFrom">The iteration training continues after (its checkpoint's, or 0), once known; -1 before.</param>
[GenerateSerializer, Alias("leed.run-progress")]
public sealed record RunProgress(
    [property: Id(0)] RunPhase Phase,
    [property: Id(1)] string? Error,
    [property: Id(2)] string Metrics,
    [property: Id(3)] string Snapshots,
    [property: Id(4)] byte[]? Checkpoint,
    [property: Id(5)] int CheckpointIteration,
    [property: Id(6)] string? DemonstrationLabel,
    [property: Id(7)] int Agents,
    [property: Id(8)] int ContinuedFrom,
    [property: Id(9)] long ContinuedFromStep,
    [property: Id(10)] string? ScenarioKey,
    [property: Id(11)] string? Summary);

/// <summary>An episode snapshot as a worker recorded it, with the time recording it took (the run's snapshot budget counts it).</summary>
public sealed record RecordedSnapshot(Leed.Engine.Runs.EpisodeSnapshot Snapshot, double RecordingSeconds);

[GenerateSerializer, Alias("leed.worker-status")]
public sealed record WorkerStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] int Slots,
    [property: Id(3)] int Threads,
    [property: Id(4)] IReadOnlyList<string> Runs,
    [property: Id(5)] double CpuPercent,
    [property: Id(6)] string Version,
    [property: Id(7)] string ClusterId,
    [property: Id(8)] bool IsCoordinator);

/// <summary>Run grain keys: <c>run id / attempt / silo</c>, so each attempt is its own activation on its own worker.</summary>
public static class RunGrainKey
{
    public static string For(string runId, int attempt, Orleans.Runtime.SiloAddress silo) => $"{runId}/{attempt}/{silo.ToParsableString()}";

    /// <summary>The silo a run or worker grain key names (the part after the last '/').</summary>
    public static Orleans.Runtime.SiloAddress SiloOf(string key) => Orleans.Runtime.SiloAddress.FromParsableString(key[(key.LastIndexOf('/') + 1)..]);
}
