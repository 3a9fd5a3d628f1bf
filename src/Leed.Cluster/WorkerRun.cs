// One run training on a worker: the training loop's context there, buffering what the coordinator collects with each poll.
using System.Diagnostics;
using System.Text.Json;
using Leed.Engine.Runs;

namespace Leed.Cluster;

/// <summary>
/// Trains a shipped run on its own long-running thread (never on the grain's scheduler: a training
/// run would starve Orleans' messaging and failure detection). Iterations, episode snapshots and
/// the latest checkpoint wait here until the coordinator's next poll takes them; a poll also
/// carries pause and stop, and renews the lease: with no poll for <see cref="ClusterSettings.Lease"/>
/// (the coordinator is gone) the run stops by itself and frees its slot.
/// </summary>
internal sealed class WorkerRun : IRunContext
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static RunProgress Unknown { get; } = new(RunPhase.Unknown, null, "[]", "[]", null, 0, null, 0, -1, 0, null, null);

    private readonly object _gate = new();
    private readonly PortableRun _package;
    private readonly byte[]? _resumeFrom;
    private readonly TimeSpan _lease;
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _running = new(initialState: true);
    private readonly Stopwatch _activeClock = new();
    private readonly Stopwatch _sincePoll = Stopwatch.StartNew();
    private readonly List<MetricRecord> _pending = [];
    private readonly List<RecordedSnapshot> _snapshots = [];
    private byte[]? _checkpoint;
    private int _checkpointIteration, _lastIteration, _agents, _snapshotStride;
    private int _continuedFrom = -1;
    private long _continuedFromStep;
    private string? _label, _summary, _scenarioKey, _error;
    private RunPhase _phase = RunPhase.Preparing;
    private Action<int>? _onCheckpoint;

    private WorkerRun(PortableRun package, byte[]? resumeFrom, ClusterSettings settings, int snapshotStride)
    {
        _package = package;
        _resumeFrom = resumeFrom;
        _lease = settings.Lease;
        _snapshotStride = Math.Max(1, snapshotStride);
        Run = new RunRecord { Id = package.RunId, Spec = package.Spec, Status = RunStatus.Running };
    }

    public static WorkerRun Start(RunStart start, ClusterSettings settings, Action onEnded, Action<int>? onCheckpoint = null)
    {
        PortableRun package = PortableRun.FromJson(start.Package);
        // The worker's --threads decide how many torch threads each of its runs uses.
        if (settings.Threads > 0) package.Spec.Hyperparameters[nameof(Leed.Engine.Learning.Hyperparameters.Threads)] = settings.Threads;
        var run = new WorkerRun(package, start.Checkpoint, settings, start.SnapshotStride) { _onCheckpoint = onCheckpoint };
        Task.Factory.StartNew(() =>
        {
            try { run.Train(); }
            finally { onEnded(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return run;
    }

    public RunRecord Run { get; }
    public RunSpec Spec => Run.Spec;
    public CancellationToken Cancellation => _stop.Token;
    public TimeSpan ActiveTime => _activeClock.Elapsed;
    public bool SnapshotDue(int iteration) { lock (_gate) return iteration % _snapshotStride == 0; }

    private void Train()
    {
        try
        {
            PreparedRun prepared = _package.Prepare(Cancellation);
            SetPrepared(prepared.DemonstrationLabel, prepared.Scenario, prepared.Summary);
            lock (_gate) _phase = RunPhase.Training;
            TrainerWorkload.Train(prepared, this, _package.CheckpointEvery, _package.SnapshotBudget);
            lock (_gate) _phase = _stop.IsCancellationRequested ? RunPhase.Stopped : RunPhase.Completed;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            lock (_gate) _phase = RunPhase.Stopped;
        }
        catch (Exception failure)
        {
            lock (_gate) (_phase, _error) = (RunPhase.Failed, failure.Message);
            Trace.TraceError($"Run {Run.Id} failed on this worker: {failure}");
        }
    }

    public void WaitWhilePaused()
    {
        while (!_running.IsSet)
        {
            _activeClock.Stop();
            ExpireLease();
            _running.Wait(TimeSpan.FromSeconds(1), Cancellation);
        }
        ExpireLease();
        Cancellation.ThrowIfCancellationRequested();
        _activeClock.Start();
    }

    // No poll for a whole lease: the coordinator is gone (it requeues the run when it returns), so stop and free the slot.
    private void ExpireLease()
    {
        bool expired;
        lock (_gate) expired = _sincePoll.Elapsed > _lease;
        if (expired) _stop.Cancel();
    }

    public void ReportIteration(MetricRecord metrics)
    {
        lock (_gate)
        {
            _pending.Add(metrics);
            _lastIteration = metrics.Iteration;
        }
    }

    // The coordinator's wall time for the run is the last row's it receives: this end-of-loop clock does
    // not travel in the progress answer yet, so a cluster run's wall time still ends at its last row.
    public void ReportTrainedSeconds(double wallSeconds) { }

    // Every snapshot goes to the coordinator, which stores and thins it; the recording time counts against this run's budget here.
    public void ReportSnapshot(EpisodeSnapshot snapshot, TimeSpan recording)
    {
        lock (_gate)
        {
            _snapshots.Add(new RecordedSnapshot(snapshot, recording.TotalSeconds));
            Run.SnapshotSeconds += recording.TotalSeconds;
        }
    }

    public void SetPrepared(string demonstrationLabel, Leed.Engine.Env.Scenario scenario, string? summary = null)
    {
        lock (_gate) (_label, _agents, _scenarioKey, _summary) = (demonstrationLabel, scenario.AgentCount, ScenarioKeys.Of(scenario), summary);
    }

    public void ContinueFrom(int iteration, long globalStep)
    {
        lock (_gate) (_continuedFrom, _continuedFromStep, _lastIteration) = (iteration, globalStep, iteration);
    }

    public void SaveCheckpoint(int iteration, Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        lock (_gate) (_checkpoint, _checkpointIteration) = (buffer.ToArray(), iteration);
        _onCheckpoint?.Invoke(iteration);
    }

    public bool TryLoadCheckpoint(Action<Stream> read)
    {
        if (_resumeFrom is null) return false;
        using var buffer = new MemoryStream(_resumeFrom, writable: false);
        read(buffer);
        return true;
    }

    /// <summary>What is new since the coordinator's last poll; applies its pause and stop, and renews the lease.</summary>
    public RunProgress Take(RunPoll poll)
    {
        if (poll.Stop) _stop.Cancel();
        if (poll.Paused) _running.Reset();
        else _running.Set();
        lock (_gate)
        {
            _sincePoll.Restart();
            _snapshotStride = Math.Max(1, poll.SnapshotStride);
            _pending.RemoveAll(metric => metric.Iteration <= poll.AfterIteration);
            _snapshots.RemoveAll(recorded => recorded.Snapshot.Iteration <= poll.AfterSnapshot);
            return new RunProgress(_phase, _error, JsonSerializer.Serialize(_pending, Json), JsonSerializer.Serialize(_snapshots, Json),
                _checkpointIteration > poll.CheckpointIteration ? _checkpoint : null, _checkpointIteration,
                _label, _agents, _continuedFrom, _continuedFromStep, _scenarioKey, _summary);
        }
    }

    /// <summary>Nobody will collect this run any more: stop it.</summary>
    public void Abandon() => _stop.Cancel();
}
