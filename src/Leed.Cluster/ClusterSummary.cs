// One line about the cluster, for the System and Workers pages.
namespace Leed.Cluster;

public static class ClusterSummary
{
    /// <summary>"redis at 10.0.0.5:6379, cluster 'lab': 3 workers, 5 of 8 slots in use", or that there is none.</summary>
    public static string Describe(ClusterSettings settings, IReadOnlyList<WorkerView> workers)
    {
        if (!settings.Enabled) return "none: runs train in this process";
        string membership = settings.Provider == ClusterProvider.Redis ? $"redis at {settings.Redis}" : $"localhost (coordinator port {settings.CoordinatorPort})";
        var usable = workers.Where(worker => worker.Refused is null).ToList();
        int refused = workers.Count - usable.Count;
        return $"{membership}, cluster '{settings.ClusterId}': {usable.Count} worker{(usable.Count == 1 ? "" : "s")}, " +
            $"{usable.Sum(worker => worker.InUse)} of {usable.Sum(worker => worker.Status.Slots)} slots in use" + (refused > 0 ? $", {refused} refused" : "");
    }
}
