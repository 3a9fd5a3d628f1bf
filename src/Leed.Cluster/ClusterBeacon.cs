// What a coordinator leaves in the Redis membership store, so a worker of another cluster id or version is refused with both named.
using StackExchange.Redis;

namespace Leed.Cluster;

/// <summary>
/// Silos of different cluster ids never meet (Redis keeps each cluster's membership apart), so a
/// misconfigured worker would wait forever without a word. The coordinator therefore writes its
/// cluster id and version under one key of the membership store; a worker reads it before it joins
/// and, when nothing matches, exits saying what it found, and leaves the reason for the coordinator,
/// whose Workers page shows it.
/// </summary>
public static class ClusterBeacon
{
    private static string CoordinatorsKey(ClusterSettings settings) => $"{settings.ServiceId}:leed:coordinators";

    private static string RefusalsKey(ClusterSettings settings, string clusterId) => $"{settings.ServiceId}:leed:refusals:{clusterId}";

    /// <summary>The coordinator says it is here (called at start and with each heartbeat).</summary>
    public static async Task AnnounceAsync(IConnectionMultiplexer redis, ClusterSettings settings, string address) =>
        await redis.GetDatabase().HashSetAsync(CoordinatorsKey(settings), settings.ClusterId, $"{settings.Version}|{address}|{DateTime.UtcNow:O}");

    /// <summary>Refusals left for this coordinator's cluster since the last call (they are taken).</summary>
    public static async Task<IReadOnlyList<string>> TakeRefusalsAsync(IConnectionMultiplexer redis, ClusterSettings settings)
    {
        IDatabase db = redis.GetDatabase();
        var taken = new List<string>();
        while (taken.Count < 50 && await db.ListLeftPopAsync(RefusalsKey(settings, settings.ClusterId)) is { IsNull: false } value) taken.Add(value!);
        return taken;
    }

    /// <summary>
    /// A worker's check before it joins: null when a coordinator of its cluster id and version is
    /// announced (or none at all yet: it may start later), else why it is refused. The reason is
    /// also left for each coordinator found, so both sides name both.
    /// </summary>
    public static async Task<string?> CheckWorkerAsync(IConnectionMultiplexer redis, ClusterSettings settings, string workerName)
    {
        IDatabase db = redis.GetDatabase();
        HashEntry[] coordinators = await db.HashGetAllAsync(CoordinatorsKey(settings));
        if (coordinators.Length == 0) return null;
        var found = coordinators.Select(entry => (ClusterId: (string)entry.Name!, Version: ((string)entry.Value!).Split('|')[0])).ToList();
        string? reason = null;
        if (found.FirstOrDefault(entry => entry.ClusterId == settings.ClusterId) is { ClusterId: not null } mine)
        {
            if (mine.Version != settings.Version)
                reason = $"Worker {workerName} runs LEED Studio {settings.Version}, but the coordinator of cluster '{settings.ClusterId}' runs {mine.Version}: " +
                    "start workers from the coordinator's build.";
        }
        else
        {
            reason = $"Worker {workerName} is configured for cluster id '{settings.ClusterId}' (version {settings.Version}), but the membership store at " +
                $"{settings.Redis} has coordinators of {string.Join(", ", found.Select(entry => $"cluster '{entry.ClusterId}' (version {entry.Version})"))}: " +
                "set Leed:Cluster:ClusterId (or --cluster-id) to the coordinator's.";
        }
        if (reason is not null)
            foreach ((string clusterId, _) in found) await db.ListRightPushAsync(RefusalsKey(settings, clusterId), reason);
        return reason;
    }
}
