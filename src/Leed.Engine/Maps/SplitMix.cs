// A small, fast, seedable generator whose sequence never changes between .NET versions.
namespace Leed.Engine.Maps;

/// <summary>SplitMix64: deterministic for a seed on every platform (unlike System.Random's contract).</summary>
public struct SplitMix
{
    private ulong _state;

    public SplitMix(ulong seed) => _state = seed;

    public ulong NextULong()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
    public int Next(int bound) => (int)((NextULong() >> 33) % (ulong)bound);

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>] inclusive.</summary>
    public int Next(int min, int max) => min + Next(max - min + 1);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));
}
