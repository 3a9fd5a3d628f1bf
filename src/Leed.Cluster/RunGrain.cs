// The run grain: one attempt at one run on the worker its key names; trains on its own thread and is polled for results.
using Microsoft.Extensions.Logging;

namespace Leed.Cluster;

[NamedSiloPlacement]
public sealed class RunGrain(LocalWorker worker, ILogger<RunGrain> log) : Grain, IRunGrain
{
    private WorkerRun? _run;

    /// <summary>Starts training; a repeated start of the same attempt (a retried call) changes nothing.</summary>
    public Task Start(RunStart start)
    {
        if (_run is not null) return Task.CompletedTask;
        if (start.CoordinatorVersion != worker.Settings.Version)
            throw new InvalidOperationException($"This worker runs LEED Studio {worker.Settings.Version}, the coordinator {start.CoordinatorVersion}: " +
                "start workers from the coordinator's build.");
        string key = this.GetPrimaryKeyString();
        string runId = key[..key.IndexOf('/')];
        if (!worker.TryTake(runId)) throw new InvalidOperationException($"Worker {worker.Name} has no free slot for run {runId} (all {worker.Settings.Slots} taken).");
        log.LogInformation("Run {Run} starts on {Worker}", key, worker.Name);
        _run = WorkerRun.Start(start, worker.Settings, onEnded: () => worker.Free(runId), onCheckpoint: iteration => worker.OnCheckpoint(runId, iteration));
        return Task.CompletedTask;
    }

    public Task<RunProgress> Poll(RunPoll poll) => Task.FromResult(_run?.Take(poll) ?? WorkerRun.Unknown);

    public Task Release()
    {
        _run?.Abandon();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // An activation that goes (idle, shutdown) takes its run with it; the coordinator requeues it.
        _run?.Abandon();
        return Task.CompletedTask;
    }
}
