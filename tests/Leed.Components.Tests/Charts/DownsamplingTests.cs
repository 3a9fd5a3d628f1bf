// Downsampling for display by hand: largest-triangle-three-buckets keeps the ends and each bucket's most telling point; bucket means average runs.
using Leed.Components.Charts;

namespace Leed.Components.Tests.Charts;

public sealed class DownsamplingTests
{
    [Fact]
    public void Lttb_SixPointsToFour_KeepsTheEndsAndTheLargestTriangleOfEachBucket()
    {
        // Buckets of (6 - 2) / (4 - 2) = 2: {1, 2} and {3, 4}.
        // Bucket 1, from (0,0) towards the next bucket's mean (3.5, 2.5): point 1 spans area 0.5, point 2 spans 2.5: keep 2.
        // Bucket 2, from (2,0) towards the last point (5,0): point 3 (3,5) spans 7.5, point 4 (4,0) spans 0: keep 3.
        double[] x = [0, 1, 2, 3, 4, 5], y = [0, 1, 0, 5, 0, 0];

        Assert.Equal([0, 2, 3, 5], Downsampling.LargestTriangleThreeBuckets(x, y, 4));
    }

    [Fact]
    public void Lttb_KeepsASpikeThatEvenSamplingWouldMiss()
    {
        // A flat line of 1,000 points with one spike at 517: every 100th point would never see it.
        double[] x = [.. Enumerable.Range(0, 1000).Select(i => (double)i)];
        double[] y = [.. x.Select(i => i == 517 ? 50.0 : 1.0)];

        int[] kept = Downsampling.LargestTriangleThreeBuckets(x, y, 10);

        Assert.Equal(10, kept.Length);
        Assert.Contains(517, kept);
        Assert.Equal(0, kept[0]);
        Assert.Equal(999, kept[^1]);
        Assert.Equal(kept.Order(), kept);
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(5, 8)]
    public void Lttb_WithRoomForEveryPoint_KeepsThemAll(int count, int threshold)
    {
        double[] values = [.. Enumerable.Range(0, count).Select(i => (double)i)];

        Assert.Equal(Enumerable.Range(0, count), Downsampling.LargestTriangleThreeBuckets(values, values, threshold));
    }

    [Fact]
    public void Lttb_RefusesUnpairedValuesAndTooSmallAThreshold()
    {
        Assert.Throws<ArgumentException>(() => Downsampling.LargestTriangleThreeBuckets([1, 2, 3], [1, 2], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Downsampling.LargestTriangleThreeBuckets([1, 2, 3, 4], [1, 2, 3, 4], 2));
    }

    [Fact]
    public void BucketMeans_SevenValuesInThreeBuckets_AverageEachRun_LeavingNaNOut()
    {
        // Runs [0, 2), [2, 4), [4, 7): (1 + 2) / 2, (3 + NaN) -> 3, (5 + 6 + 7) / 3.
        Assert.Equal([1.5, 3, 6], Downsampling.BucketMeans([1, 2, 3, double.NaN, 5, 6, 7], 3));
        Assert.Equal([1, 2], Downsampling.BucketMeans([1, 2], 3));
        Assert.True(double.IsNaN(Downsampling.BucketMeans([double.NaN, double.NaN, 1, 1], 2)[0]));
    }
}
