// The snapshot thinning rule by hand: first and last always, multiples of the least power-of-two stride that fits both caps.
using Leed.Engine.Runs;

namespace Leed.Engine.Tests.Runs;

public sealed class SnapshotThinningTests
{
    private static SnapshotEntry[] Entries(IEnumerable<int> iterations, long bytes = 10) =>
        [.. iterations.Select(iteration => new SnapshotEntry(iteration, 5, bytes))];

    [Theory]
    // iterations 1..10, at most 4: stride 1 keeps 10, stride 2 keeps 1,2,4,6,8,10 (6), stride 4 keeps 1,4,8,10.
    [InlineData(10, 4, 4, new[] { 1, 4, 8, 10 })]
    // at most 6: stride 2 fits exactly.
    [InlineData(10, 6, 2, new[] { 1, 2, 4, 6, 8, 10 })]
    // at most 10: nothing to drop.
    [InlineData(10, 10, 1, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 })]
    // at most 2: stride 16 > 10 leaves the first and the last.
    [InlineData(10, 2, 16, new[] { 1, 10 })]
    // 1..7, at most 3: stride 2 keeps 1,2,4,6,7 (5), stride 4 keeps 1,4,7.
    [InlineData(7, 3, 4, new[] { 1, 4, 7 })]
    public void Stride_IsTheLeastPowerOfTwoThatFitsTheCount(int iterations, int maxKept, int stride, int[] kept)
    {
        SnapshotEntry[] entries = Entries(Enumerable.Range(1, iterations));

        Assert.Equal(stride, SnapshotThinning.Stride(entries, maxKept, long.MaxValue));
        IReadOnlyList<SnapshotEntry> dropped = SnapshotThinning.Dropped(entries, maxKept, long.MaxValue);
        Assert.Equal(kept, entries.Except(dropped).Select(entry => entry.Iteration));
    }

    [Fact]
    public void Stride_AlsoFitsTheByteCap()
    {
        // 1..4 at 10 bytes each, at most 25 bytes: stride 1 is 40, stride 2 keeps 1,2,4 = 30, stride 4 keeps 1,4 = 20.
        SnapshotEntry[] entries = Entries(Enumerable.Range(1, 4));

        Assert.Equal(4, SnapshotThinning.Stride(entries, maxKept: 100, maxBytes: 25));
        Assert.Equal([2, 3], SnapshotThinning.Dropped(entries, 100, 25).Select(entry => entry.Iteration));
    }

    [Fact]
    public void FirstAndLast_AreKept_EvenWhenTheyAloneBreakTheByteCap()
    {
        SnapshotEntry[] entries = Entries([1, 2, 3], bytes: 100);

        Assert.Equal([2], SnapshotThinning.Dropped(entries, maxKept: 10, maxBytes: 50).Select(entry => entry.Iteration));
    }

    [Fact]
    public void Stride_NeverFallsBelowTheStrideInForce()
    {
        // After thinning 1..10 to 1,4,8,10 at stride 4, those four alone would fit at stride 1: the stride stays 4.
        SnapshotEntry[] thinned = Entries([1, 4, 8, 10, 11]);

        Assert.Equal(4, SnapshotThinning.Stride(thinned, maxKept: 4, maxBytes: long.MaxValue, atLeast: 4));
        Assert.Equal([10], SnapshotThinning.Dropped(thinned, 4, long.MaxValue, atLeast: 4).Select(entry => entry.Iteration));
    }

    [Fact]
    public void NoSnapshots_StrideOne_NothingDropped()
    {
        Assert.Equal(1, SnapshotThinning.Stride([]));
        Assert.Empty(SnapshotThinning.Dropped([]));
    }

    [Fact]
    public void ALongRun_SavedOneByOne_KeepsAtMostTheCap_EvenlySpaced()
    {
        // 10,000 iterations, a snapshot offered after each one that falls on the current stride, thinned after each save.
        var stored = new List<SnapshotEntry>();
        int stride = 1;
        for (int iteration = 1; iteration <= 10_000; iteration++)
        {
            if (iteration != 1 && iteration != 10_000 && iteration % stride != 0) continue;
            stored.Add(new SnapshotEntry(iteration, 5, 10));
            int inForce = stride;
            stride = SnapshotThinning.Stride(stored, atLeast: inForce);
            foreach (SnapshotEntry dropped in SnapshotThinning.Dropped(stored, atLeast: inForce)) stored.Remove(dropped);
        }

        Assert.InRange(stored.Count, SnapshotThinning.MaxKept / 2, SnapshotThinning.MaxKept);
        Assert.Equal(1, stored[0].Iteration);
        Assert.Equal(10_000, stored[^1].Iteration);
        // Between the first and the last, every gap is the stride.
        int[] inner = [.. stored.Skip(1).SkipLast(1).Select(entry => entry.Iteration)];
        Assert.All(inner.Zip(inner.Skip(1)), pair => Assert.Equal(stride, pair.Second - pair.First));
        Assert.Equal(64, stride); // 10,000 / 64 = 156 multiples, 10,000 / 32 = 312 would break the cap
    }
}
