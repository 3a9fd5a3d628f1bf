// Statistics across seeds checked against values worked out by hand: t quantiles, mean and 95% band, common grid, interpolation.
using Leed.Engine.Analysis;

namespace Leed.Engine.Tests.Analysis;

public sealed class SeedStatisticsTests
{
    private const double T2 = 4.302653; // t(0.975, 2): three seeds

    [Theory]
    [InlineData(1, 12.706205)]
    [InlineData(2, 4.302653)]
    [InlineData(4, 2.776445)]
    [InlineData(30, 2.042272)]
    [InlineData(31, 2.039513)]   // first value past the table: the expansion takes over
    [InlineData(40, 2.021075)]
    [InlineData(120, 1.979930)]
    [InlineData(100_000, 1.959988)]
    public void TCritical95_MatchesStudentsTable(int degreesOfFreedom, double expected) =>
        Assert.Equal(expected, SeedStatistics.TCritical95(degreesOfFreedom), 5);

    [Fact]
    public void MeanInterval_OfThreeSeeds_IsTheMeanPlusMinusTTimesTheStandardError()
    {
        // mean 6; deviations -3, -1, 4; s² = (9 + 1 + 16) / 2 = 13; half-width = t · √13 / √3
        Interval interval = SeedStatistics.MeanInterval([3, 5, 10]);

        double half = T2 * Math.Sqrt(13) / Math.Sqrt(3);
        Assert.Equal(6, interval.Mean, 12);
        Assert.Equal(6 - half, interval.Lower, 5);
        Assert.Equal(6 + half, interval.Upper, 5);
        Assert.Equal(8.9567, interval.HalfWidth, 4);
    }

    [Fact]
    public void Summarize_GivesTheCountMeanSampleDeviationAndInterval()
    {
        // mean 6; s^2 = 13 (see above), so s = sqrt(13) = 3.6056.
        SeedSummary summary = SeedStatistics.Summarize([3, 5, 10]);

        Assert.Equal(3, summary.Count);
        Assert.Equal(6, summary.Mean, 12);
        Assert.Equal(13, SeedStatistics.Variance([3, 5, 10]), 12);
        Assert.Equal(Math.Sqrt(13), summary.StandardDeviation, 12);
        Assert.Equal(SeedStatistics.MeanInterval([3, 5, 10]), summary.Interval95);
        Assert.Equal(0, SeedStatistics.Summarize([4]).StandardDeviation);
        Assert.Throws<ArgumentException>(() => SeedStatistics.Mean([]));
    }

    [Fact]
    public void MeanInterval_OfOneSeed_CollapsesToTheValue() =>
        Assert.Equal(new Interval(7, 7, 7), SeedStatistics.MeanInterval([7]));

    [Fact]
    public void Band_OfThreeSeedsOnTheSameSteps_HasTheMeanAndIntervalAtEveryStep()
    {
        MetricSeries[] seeds =
        [
            new([0, 10, 20], [1, 2, 3]),
            new([0, 10, 20], [3, 4, 5]),
            new([0, 10, 20], [5, 6, 10]),
        ];

        SeedBand band = SeedStatistics.Band(seeds);

        // At 0 and 10 the seeds are 2 apart (s = 2); at 20 they are 3, 5, 10 (s = √13).
        double near = T2 * 2 / Math.Sqrt(3), far = T2 * Math.Sqrt(13) / Math.Sqrt(3);
        Assert.Equal([0, 10, 20], band.X);
        Assert.Equal([3, 4, 6], band.Mean);
        AssertClose([3 - near, 4 - near, 6 - far], band.Lower);
        AssertClose([3 + near, 4 + near, 6 + far], band.Upper);
        Assert.Equal(3, band.Seeds);
    }

    [Fact]
    public void Band_OfSeedsOnDifferentSteps_InterpolatesOntoTheirSharedRangeOnly()
    {
        MetricSeries[] seeds =
        [
            new([0, 10, 20], [0, 10, 20]),
            new([5, 15, 25], [100, 200, 300]),
        ];

        SeedBand band = SeedStatistics.Band(seeds);

        // Both have data from 5 to 20: the first seed read at 5 and 15, the second at 10 and 20.
        Assert.Equal([5, 10, 15, 20], band.X);
        Assert.Equal([(5 + 100) / 2.0, (10 + 150) / 2.0, (15 + 200) / 2.0, (20 + 250) / 2.0], band.Mean);
    }

    [Fact]
    public void Band_OfOneSeed_IsItsCurveWithNoSpread()
    {
        SeedBand band = SeedStatistics.Band([new MetricSeries([1, 2], [4, 8])]);

        Assert.Equal([4, 8], band.Mean);
        Assert.Equal(band.Mean, band.Lower);
        Assert.Equal(band.Mean, band.Upper);
    }

    [Theory]
    [InlineData(new double[] { 1, 2, 2, 3, 7, 7, 7, 9 })] // repeated steps: the later point counts
    [InlineData(new double[] { 5 })]
    [InlineData(new double[] { 0, 1, 2, 3, 4, 5, 6, 7 })]
    public void Band_OfOneSeed_IsWhatTheCommonGridAndInterpolationGive(double[] x)
    {
        double[] y = [.. x.Select((_, i) => Math.Sin(i) * 100)];
        double[] grid = SeedStatistics.CommonGrid([x]);

        SeedBand band = SeedStatistics.Band([new MetricSeries(x, y)]);

        Assert.Equal(grid, band.X);
        Assert.Equal(SeedStatistics.Interpolate(x, y, grid), band.Mean);
        Assert.Equal(band.Mean, band.Lower);
        Assert.Equal(band.Mean, band.Upper);
        Assert.Equal(1, band.Seeds);
    }

    [Fact]
    public void Band_LeavesOutASeedWithNoValuesYet_InsteadOfDrawingNothing()
    {
        SeedBand band = SeedStatistics.Band([new MetricSeries([1, 2], [4, 8]), new MetricSeries([1, 2], [6, 10]), MetricSeries.Empty]);

        Assert.Equal(2, band.Seeds);
        Assert.Equal([5, 9], band.Mean);
    }

    [Fact]
    public void Band_OfSeedsThatNeverOverlap_IsEmpty() =>
        Assert.Empty(SeedStatistics.Band([new MetricSeries([1, 2], [0, 0]), new MetricSeries([3, 4], [0, 0])]).X);

    [Fact]
    public void Interpolate_IsLinearBetweenPoints_ExactOnThem_AndNaNOutside()
    {
        double[] values = SeedStatistics.Interpolate([10, 20, 40], [1, 3, 7], [5, 10, 15, 30, 40, 41]);

        Assert.True(double.IsNaN(values[0]));
        Assert.Equal([1, 2, 5, 7], values[1..5]);
        Assert.True(double.IsNaN(values[5]));
    }

    [Fact]
    public void Interpolate_WhereXRepeats_UsesTheLaterPoint() =>
        Assert.Equal([9, 9.5], SeedStatistics.Interpolate([0, 1, 1, 2], [0, 5, 9, 10], [1, 1.5]));

    [Fact]
    public void FirstCrossing_IsTheFirstXAtOrAboveTheThreshold_OrNull()
    {
        Assert.Equal(20, SeedStatistics.FirstCrossing([10, 20, 30], [1, 5, 9], 5));
        Assert.Null(SeedStatistics.FirstCrossing([10, 20, 30], [1, 5, 9], 9.5));
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }
}
