// Welch's t-test and the t distribution against values worked out by hand (closed forms for 1, 2 and 4 degrees of freedom).
using Leed.Engine.Analysis;

namespace Leed.Engine.Tests.Analysis;

public sealed class WelchTestTests
{
    [Theory]
    // df = 1 is the Cauchy distribution: p = 1 - (2 / pi) atan|t|.
    [InlineData(1.0, 1, 0.5)]
    [InlineData(3.0, 1, 0.20483276469913345)]
    // df = 2: p = 1 - |t| / sqrt(2 + t^2).
    [InlineData(2.0, 2, 0.18350341907227397)]
    [InlineData(-2.0, 2, 0.18350341907227397)]
    [InlineData(0.0, 7, 1.0)]
    public void TwoSidedPValue_MatchesTheClosedForms(double t, double degreesOfFreedom, double expected) =>
        Assert.Equal(expected, StudentT.TwoSidedPValue(t, degreesOfFreedom), 12);

    [Fact]
    public void TwoSidedPValue_AtTheTabulatedQuantiles_IsFivePercent()
    {
        // The 95% intervals use t(0.975, df); the tail beyond it on both sides is 5%.
        foreach (int df in new[] { 1, 2, 3, 5, 10, 30, 31, 60, 1000 })
            Assert.Equal(0.05, StudentT.TwoSidedPValue(SeedStatistics.TCritical95(df), df), 6);
        // Far out, the t distribution is the normal one: 1.96 leaves 5%.
        Assert.Equal(0.05, StudentT.TwoSidedPValue(1.959963984540054, 100_000), 5);
    }

    [Fact]
    public void Cdf_IsTheLowerTail()
    {
        Assert.Equal(0.5, StudentT.Cdf(0, 3), 12);
        Assert.Equal(1 - 0.18350341907227397 / 2, StudentT.Cdf(2, 2), 12);
        Assert.Equal(0.18350341907227397 / 2, StudentT.Cdf(-2, 2), 12);
    }

    [Fact]
    public void Compare_TwoGroupsOfThreeWithEqualSpread_HasFourDegreesOfFreedom()
    {
        // Means 2 and 5, variances 1 and 1: SE^2 = 1/3 + 1/3, t = -3 / sqrt(2/3);
        // df = (2/3)^2 / ((1/3)^2 / 2 + (1/3)^2 / 2) = 4, whose distribution has a closed form:
        // F(|t|) = 1/2 + (3/8) u (1 - t^2 / (12 (1 + t^2 / 4))) with u = |t| / sqrt(1 + t^2 / 4), p = 2 (1 - F).
        WelchResult result = WelchTest.Compare([1, 2, 3], [4, 5, 6]);

        double t = -3 / Math.Sqrt(2.0 / 3);
        double u = Math.Abs(t) / Math.Sqrt(1 + t * t / 4);
        double upper = 0.5 + 3.0 / 8 * u * (1 - t * t / (12 * (1 + t * t / 4)));
        Assert.Equal(-3, result.Difference, 12);
        Assert.Equal(Math.Sqrt(2.0 / 3), result.StandardError, 12);
        Assert.Equal(t, result.T, 12);
        Assert.Equal(4, result.DegreesOfFreedom, 12);
        Assert.Equal(2 * (1 - upper), result.PValue, 12);
        Assert.Equal(0.021311641128756726, result.PValue, 12);
    }

    [Fact]
    public void Compare_UnequalSpreads_UsesWelchSatterthwaitesDegreesOfFreedom()
    {
        // Means 3 and 6, variances 2.5 and 10 over five values each: v = 0.5 and 2, SE^2 = 2.5,
        // t = -3 / sqrt(2.5) = -1.8973666; df = 2.5^2 / (0.5^2 / 4 + 2^2 / 4) = 6.25 / 1.0625 = 5.8823529
        // (Student's test would claim 8). The p-value, I_(df / (df + t^2))(df / 2, 1/2), was evaluated
        // to 30 digits with an arbitrary-precision library: 0.10753119493062724.
        WelchResult result = WelchTest.Compare([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);

        Assert.Equal((3, 6), (result.MeanA, result.MeanB));
        Assert.Equal(-3 / Math.Sqrt(2.5), result.T, 12);
        Assert.Equal(6.25 / 1.0625, result.DegreesOfFreedom, 12);
        Assert.Equal(0.10753119493062724, result.PValue, 12);
        Assert.Equal(-result.T, WelchTest.Compare([2, 4, 6, 8, 10], [1, 2, 3, 4, 5]).T, 12);
    }

    [Fact]
    public void Compare_WithoutSpread_IsCertainWhenTheMeansDiffer_AndSilentWhenTheyDoNot()
    {
        WelchResult differ = WelchTest.Compare([2, 2, 2], [1, 1]);
        WelchResult same = WelchTest.Compare([1, 1], [1, 1, 1]);

        Assert.Equal((double.PositiveInfinity, 0.0, 3.0), (differ.T, differ.PValue, differ.DegreesOfFreedom));
        Assert.Equal((0.0, 1.0), (same.T, same.PValue));
    }

    [Fact]
    public void Compare_OneSeed_IsRefusedWithTheReason()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => WelchTest.Compare([1], [1, 2]));
        Assert.Contains("at least two values in each group (got 1 and 2)", error.Message);
    }
}
