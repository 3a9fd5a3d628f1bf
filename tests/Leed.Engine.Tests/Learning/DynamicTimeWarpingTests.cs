// DTW between cell paths against hand-filled cumulative-cost tables.
using Leed.Engine.Learning;

namespace Leed.Engine.Tests.Learning;

public sealed class DynamicTimeWarpingTests
{
    [Fact]
    public void Dtw_SameRouteDrivenAtDifferentSpeeds_IsZero()
    {
        // Waiting or being blocked repeats a cell; DTW lets either path dwell for free.
        Assert.Equal(0, DynamicTimeWarping.Distance([0, 1, 2], [0, 0, 1, 1, 1, 2], width: 10));
    }

    [Fact]
    public void Dtw_ShortcutPath_MatchesHandComputedTable()
    {
        // Width 10: a = (0,0) (1,0) (2,0), b = (0,0) (2,0). Table rows (a) x columns (b):
        // [0, 2] / [1, 1] / [3, 1] -> 1; normalised by |a| + |b| = 5 -> 0.2.
        Assert.Equal(1, DynamicTimeWarping.Distance([0, 1, 2], [0, 2], width: 10));
        Assert.Equal(0.2, DynamicTimeWarping.Normalised([0, 1, 2], [0, 2], width: 10), 12);
    }

    [Fact]
    public void Dtw_ParallelStreets_MatchHandComputedTable()
    {
        // Width 4: a goes down column 0, b steps right then down column 1.
        // a = (0,0) (0,1) (0,2); b = (0,0) (1,0) (1,1) (1,2). Table:
        // [0, 1, 3, 6] / [1, 2, 2, 4] / [3, 4, 4, 3] -> 3; normalised 3 / 7.
        int[] a = [0, 4, 8], b = [0, 1, 5, 9];
        Assert.Equal(3, DynamicTimeWarping.Distance(a, b, width: 4));
        Assert.Equal(3, DynamicTimeWarping.Distance(b, a, width: 4));
        Assert.Equal(3.0 / 7, DynamicTimeWarping.Normalised(a, b, width: 4), 12);
    }

    [Fact]
    public void Dtw_OfSingleCells_IsTheirManhattanDistance()
    {
        // (0,0) to (2,1) on a width-10 grid: 3 moves; normalised over 2 cells.
        Assert.Equal(3, DynamicTimeWarping.Distance([0], [12], width: 10));
        Assert.Equal(1.5, DynamicTimeWarping.Normalised([0], [12], width: 10));
    }

    [Fact]
    public void Dtw_EmptyPaths_AreEqualToEachOtherAndInfinitelyFarFromAnyRoute()
    {
        Assert.Equal(0, DynamicTimeWarping.Distance([], [], width: 4));
        Assert.Equal(double.PositiveInfinity, DynamicTimeWarping.Distance([], [1, 2], width: 4));
        Assert.Equal(double.PositiveInfinity, DynamicTimeWarping.Normalised([3], [], width: 4));
    }
}
