// The typed refusal of a request that cannot fit on the machine or the map, shared by training and scenario generation.
namespace Leed.Engine;

/// <summary>A request that cannot fit (memory, map capacity); the message gives the estimate and the limit.</summary>
public sealed class ResourceLimitException(long needed, long available, string message) : ArgumentException(message)
{
    public long Needed { get; } = needed;
    public long Available { get; } = available;
}
