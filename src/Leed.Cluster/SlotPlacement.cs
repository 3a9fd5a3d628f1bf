// Placement on the silo a grain's key names: the coordinator chooses the worker (by free slots), Orleans puts the grain there.
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Leed.Cluster;

/// <summary>
/// Run and worker grains carry their silo in their key. Orleans' own placements choose by load or
/// at random, and can put every run on one silo; the coordinator instead picks the worker with the
/// most free slots (<see cref="WorkerDirectory"/>) and this strategy makes Orleans honour it.
/// </summary>
[Serializable, GenerateSerializer, Immutable, Alias("leed.named-silo")]
public sealed class NamedSiloPlacement : PlacementStrategy
{
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NamedSiloPlacementAttribute() : PlacementAttribute(new NamedSiloPlacement());

/// <summary>Places a grain on the silo its key names; when that silo is gone the call fails, so the coordinator chooses again.</summary>
public sealed class NamedSiloPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString();
        SiloAddress wanted = RunGrainKey.SiloOf(key);
        if (context.GetCompatibleSilos(target).Contains(wanted)) return Task.FromResult(wanted);
        throw new SiloUnavailableException($"The worker {wanted} that {key} was placed on is no longer in the cluster.");
    }
}
