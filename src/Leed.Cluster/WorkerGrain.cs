// The worker grain: one per silo, answering the coordinator's heartbeat with the silo's slots, runs and CPU.
using Orleans.Runtime;

namespace Leed.Cluster;

[NamedSiloPlacement]
public sealed class WorkerGrain(LocalWorker worker, ILocalSiloDetails silo) : Grain, IWorkerGrain
{
    public Task<WorkerStatus> Status() => Task.FromResult(worker.Status(silo.SiloAddress.ToParsableString()));

    public Task Refuse(string reason)
    {
        worker.Refuse(reason);
        return Task.CompletedTask;
    }
}
