// `leed worker`: a silo that executes runs in its slots and owns no store.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Leed.Cluster;

/// <summary>Runs a worker until it is stopped (Ctrl+C, SIGTERM) or refused; returns the process's exit code.</summary>
public static class WorkerHost
{
    /// <summary>How long a worker tries to join before it gives up saying where it tried.</summary>
    public static TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <param name="report">What the worker does, as records the verb prints as JSON lines: once joined, then each run it starts and ends.</param>
    public static async Task<int> RunAsync(ClusterSettings settings, TextWriter error, Action<object> report, CancellationToken cancellation)
    {
        try
        {
            await ClusterSilo.EnsureMembershipReachableAsync(settings, TimeSpan.FromSeconds(5));
        }
        catch (MembershipUnreachableException unreachable)
        {
            error.WriteLine($"error: {unreachable.Message}");
            return 2;
        }
        if (settings.Provider == ClusterProvider.Redis)
        {
            await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(ClusterSilo.RedisOptions(settings));
            if (await ClusterBeacon.CheckWorkerAsync(redis, settings, $"{Environment.MachineName}:{Environment.ProcessId}") is { } refused)
            {
                error.WriteLine($"error: {refused}");
                return 2;
            }
        }

        HostApplicationBuilder builder = Host.CreateApplicationBuilder([]);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options => options.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        // Console logging goes to stdout by default; stdout carries only JSON.
        builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.UseOrleans(silo =>
        {
            silo.UseLeedCluster(settings, isCoordinator: false);
            silo.Configure<ClusterMembershipOptions>(options => options.MaxJoinAttemptTime = JoinTimeout);
        });
        using IHost host = builder.Build();
        try
        {
            await host.StartAsync(cancellation);
        }
        catch (Exception failure) when (failure is OrleansException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            string where = settings.Provider == ClusterProvider.Redis ? $"the membership store (redis) at {settings.Redis}" : $"the coordinator at 127.0.0.1:{settings.CoordinatorPort}";
            error.WriteLine($"error: this worker could not join cluster '{settings.ClusterId}' through {where}: {failure.Message.Split('\n')[0]}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            return 1;
        }
        LocalWorker worker = host.Services.GetRequiredService<LocalWorker>();
        report(new { worker = worker.Name, cluster = settings.ClusterId, slots = settings.Slots, threads = settings.Threads });
        worker.RunStarted += run => report(new { worker = worker.Name, run, @event = "started" });
        worker.RunEnded += run => report(new { worker = worker.Name, run, @event = "ended" });
        worker.Checkpointed += (run, iteration) => report(new { worker = worker.Name, run, @event = "checkpoint", iteration });
        error.WriteLine($"Worker {worker.Name} joined cluster '{settings.ClusterId}' ({settings.Provider.ToString().ToLowerInvariant()}): " +
            $"{settings.Slots} slot(s), {settings.Threads} thread(s) per run. Ctrl+C stops it.");
        await host.WaitForShutdownAsync(cancellation);
        return worker.Refusal is null ? 0 : 2;
    }
}
