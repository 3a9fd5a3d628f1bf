// The dashboard as the cluster's coordinator: with a cluster configured, its runs go to workers with free slots.
using Leed.Cluster;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Hosting;

public static class ClusterServices
{
    /// <summary>
    /// With <c>Leed:Cluster:Provider</c> none (the default) nothing changes: runs train in this
    /// process. Otherwise this process joins the cluster as its coordinator: it keeps the store,
    /// the queue and the UI, and its runs train on workers with free slots (on itself only if it
    /// has <c>Leed:Cluster:Slots</c>).
    /// </summary>
    public static void AddLeedCluster(this WebApplicationBuilder builder)
    {
        ClusterSettings settings = ClusterSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(settings);
        if (!settings.Enabled) return;
        builder.AddCoordinator(settings, provider => Packer(provider.GetRequiredService<ILeedStore>(), provider.GetRequiredService<TrainerWorkloadFactory>(), settings));
        builder.Services.AddSingleton<IRunExecutor>(provider => provider.GetRequiredService<ClusterRunExecutor>());
        builder.Services.AddHostedService<RequeueService>();
    }

    /// <summary>How a coordinator packs a run for its worker, through the one run-preparation path (an LLM run's demonstrations are written here, where the LLM is configured).</summary>
    public static Func<RunRecord, CancellationToken, PortableRun> Packer(ILeedStore store, TrainerWorkloadFactory factory, ClusterSettings settings) =>
        (run, cancellation) => PortableRun.Pack(factory.Preparation, store, run, settings.CheckpointEvery, factory.SnapshotBudget, cancellation);

    /// <summary>Once the silo is up, the runs that were training on workers when the dashboard stopped are queued again.</summary>
    private sealed class RequeueService(IServiceProvider services, ILogger<RequeueService> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            IReadOnlyList<string> requeued = Coordinator.RequeueRemoteRuns(services.GetRequiredService<RunStore>(), services.GetRequiredService<RunRegistry>);
            foreach (string id in requeued) log.LogInformation("Run {Run} was training on a worker when the coordinator stopped: requeued", id);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
