// The coordinator's side of the cluster for a process that owns the store: its silo, the worker directory, the executor, the beacon.
using Leed.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Leed.Cluster;

/// <summary>
/// What makes a process the coordinator: the dashboard (whose web host carries the silo) and a
/// command-line verb that owns the store (<see cref="StartAsync"/> hosts one of its own) both add these.
/// </summary>
public static class Coordinator
{
    /// <summary>The coordinator's silo and services in <paramref name="builder"/>'s container.</summary>
    public static void AddCoordinator(this IHostApplicationBuilder builder, ClusterSettings settings, Func<IServiceProvider, Func<RunRecord, CancellationToken, PortableRun>> pack)
    {
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.UseOrleans(silo => silo.UseLeedCluster(settings, isCoordinator: true));
        builder.Services.AddSingleton(provider => new WorkerDirectory(provider.GetRequiredService<IGrainFactory>(), settings,
            provider.GetRequiredService<ILogger<WorkerDirectory>>()));
        builder.Services.AddSingleton(provider => new ClusterRunExecutor(provider.GetRequiredService<IGrainFactory>(), provider.GetRequiredService<WorkerDirectory>(),
            settings, pack(provider), provider.GetRequiredService<ILogger<ClusterRunExecutor>>()));
        // The directory is made on first use, once the silo is up (its heartbeat needs the cluster).
        builder.Services.AddHostedService(provider => new BeaconService(provider.GetRequiredService<WorkerDirectory>, settings,
            provider.GetRequiredService<ILogger<WorkerDirectory>>()));
    }

    /// <summary>
    /// Starts a coordinator host of its own (for a verb that owns the store); throws
    /// <see cref="MembershipUnreachableException"/> naming the address when Redis does not answer.
    /// </summary>
    public static async Task<IHost> StartAsync(ClusterSettings settings, Func<RunRecord, CancellationToken, PortableRun> pack, CancellationToken cancellation)
    {
        await ClusterSilo.EnsureMembershipReachableAsync(settings, TimeSpan.FromSeconds(5));
        HostApplicationBuilder builder = Host.CreateApplicationBuilder([]);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options => options.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddCoordinator(settings, _ => pack);
        IHost host = builder.Build();
        await host.StartAsync(cancellation);
        return host;
    }

    /// <summary>
    /// Requeues the runs that were training on workers when the coordinator last stopped (they
    /// continue from their last checkpoint). Read <paramref name="store"/> before the registry exists:
    /// making it marks every run that was active as interrupted.
    /// </summary>
    public static IReadOnlyList<string> RequeueRemoteRuns(RunStore store, Func<RunRegistry> registry)
    {
        string[] remote = [.. store.List().Where(run => run.IsActive && run.Workers.Count > 0).Select(run => run.Id)];
        RunRegistry runs = registry();
        foreach (string id in remote) runs.Restart(id);
        return remote;
    }

    /// <summary>Announces the coordinator in the Redis membership store and collects the refusals workers leave there.</summary>
    private sealed class BeaconService(Func<WorkerDirectory> directory, ClusterSettings settings, ILogger log) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (settings.Provider != ClusterProvider.Redis) return;
            ConnectionMultiplexer? redis = null;
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    try
                    {
                        redis ??= await ConnectionMultiplexer.ConnectAsync(ClusterSilo.RedisOptions(settings));
                        await ClusterBeacon.AnnounceAsync(redis, settings, $"{settings.AdvertisedAddress}:{settings.CoordinatorPort}");
                        foreach (string refusal in await ClusterBeacon.TakeRefusalsAsync(redis, settings)) directory().AddRefusal(refusal);
                    }
                    catch (RedisException error)
                    {
                        log.LogWarning("The membership store at {Redis} did not answer: {Error}", settings.Redis, error.Message);
                    }
                    try { await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken); }
                    catch (OperationCanceledException) { }
                }
            }
            finally
            {
                redis?.Dispose();
            }
        }
    }
}
