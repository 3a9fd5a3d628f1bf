// The spread of a per-agent metric by hand: mean, and type-7 quantiles at 10% and 90%, leaving missing values out.
using Leed.Engine.Analysis;

namespace Leed.Engine.Tests.Analysis;

public sealed class AgentSpreadTests
{
    [Fact]
    public void OneToTen_MeanFiveAndAHalf_BandFromOnePointNineToNinePointOne()
    {
        // Positions 0.1 x 9 = 0.9 (between 1 and 2) and 0.9 x 9 = 8.1 (between 9 and 10).
        Spread spread = AgentSpread.Of([7, 3, 10, 1, 5, 2, 8, 4, 9, 6]);

        Assert.Equal(5.5, spread.Mean, 12);
        Assert.Equal(1.9, spread.Lower, 12);
        Assert.Equal(9.1, spread.Upper, 12);
    }

    [Fact]
    public void MissingValues_AreLeftOut_AndNoValueGivesNaN()
    {
        Spread spread = AgentSpread.Of([double.NaN, 2, 4, double.PositiveInfinity]);

        Assert.Equal(3, spread.Mean, 12);
        Assert.Equal(2.2, spread.Lower, 12); // position 0.1 between 2 and 4
        Assert.Equal(3.8, spread.Upper, 12);
        Assert.True(double.IsNaN(AgentSpread.Of([double.NaN]).Mean));
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 2.0)]
    [InlineData(1.0, 3.0)]
    [InlineData(0.25, 1.5)]
    public void Quantile_OfOneTwoThree(double q, double expected) =>
        Assert.Equal(expected, AgentSpread.Quantile([1.0, 2.0, 3.0], q), 12);

    [Fact]
    public void OneAgent_IsItsOwnBand() => Assert.Equal(new Spread(0.4, 0.4, 0.4), AgentSpread.Of([0.4]));
}
