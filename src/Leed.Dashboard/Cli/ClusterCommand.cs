// A verb that owns the store becomes the cluster's coordinator when a cluster is configured (Leed:Cluster:Provider).
using Leed.Cluster;
using Leed.Dashboard.Hosting;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Cli;

internal static class ClusterCommand
{
    /// <summary>
    /// Starts this verb's coordinator silo when a cluster is configured, else returns null (runs
    /// train in this process). Bad settings and an unreachable membership store are input errors (exit 2).
    /// </summary>
    public static IHost? StartCoordinator(VerbContext context, TrainerWorkloadFactory factory)
    {
        ClusterSettings settings = Settings();
        if (!settings.Enabled) return null;
        try
        {
            return Coordinator.StartAsync(settings, ClusterServices.Packer(context.Store, factory, settings), context.Cancellation)
                .GetAwaiter().GetResult();
        }
        catch (MembershipUnreachableException unreachable)
        {
            throw new InputException(unreachable.Message);
        }
    }

    /// <summary>The cluster settings the command line sees (appsettings.json, LEED_CLUSTER__* variables).</summary>
    public static ClusterSettings Settings()
    {
        try
        {
            return ClusterSettings.Read(LeedConfiguration.ForCommandLine(null));
        }
        catch (ArgumentException bad)
        {
            throw new InputException(bad.Message);
        }
    }

    public static void Stop(IHost? coordinator)
    {
        if (coordinator is null) return;
        coordinator.StopAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        coordinator.Dispose();
    }
}
