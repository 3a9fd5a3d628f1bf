// The moving average behind smoothed curves, checked against values worked out by hand.
using Leed.Components.Charts;

namespace Leed.Components.Tests.Charts;

public sealed class SmoothingTests
{
    [Fact]
    public void Ema_WithWeightZero_ReturnsTheValuesUnchanged()
    {
        Assert.Equal([1.0, 5.0, -3.0], Smoothing.Ema([1.0, 5.0, -3.0], 0));
    }

    // Worked by hand: b_t = w b_{t-1} + (1 - w) y_t from b_0 = 0, shown as b_t / (1 - w^t).
    //   w = 0.5, y = 2, 4, 8:  b = 1, 2.5, 5.25;  1 - w^t = 0.5, 0.75, 0.875;  shown 2, 10/3, 6.
    //   w = 0.9, y = 10, 0:    b = 1, 0.9;        1 - w^t = 0.1, 0.19;           shown 10, 90/19.
    [Theory]
    [InlineData(0.5, new[] { 2.0, 4.0, 8.0 }, new[] { 2.0, 10.0 / 3.0, 6.0 })]
    [InlineData(0.9, new[] { 10.0, 0.0 }, new[] { 10.0, 90.0 / 19.0 })]
    public void Ema_DebiasesTheEarlyPoints_AsWorkedByHand(double weight, double[] values, double[] expected)
    {
        var smoothed = Smoothing.Ema(values, weight);

        Assert.Equal(expected.Length, smoothed.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], smoothed[i], 12);
    }

    [Fact]
    public void Ema_OfAConstantSeries_StaysConstantFromTheFirstPoint()
    {
        var smoothed = Smoothing.Ema([3.0, 3.0, 3.0, 3.0], 0.99);

        Assert.All(smoothed, v => Assert.Equal(3.0, v, 12));
    }

    [Fact]
    public void Ema_ContinuedFromItsState_MatchesSmoothingTheWholeSeriesAtOnce()
    {
        double[] values = [4, -2, 7, 7.5, 0, 3];
        var whole = Smoothing.Ema(values, 0.6);

        var first = new double[3];
        var second = new double[3];
        var state = Smoothing.Ema(default, values[..3], 0.6, first);
        Smoothing.Ema(state, values[3..], 0.6, second);

        Assert.Equal(whole, first.Concat(second).ToArray());
    }

    [Fact]
    public void Ema_PassesANonFiniteValueThrough_WithoutMovingTheAverage()
    {
        var smoothed = Smoothing.Ema([2.0, double.NaN, 4.0], 0.5);

        Assert.Equal(2.0, smoothed[0], 12);
        Assert.True(double.IsNaN(smoothed[1]));
        Assert.Equal(10.0 / 3.0, smoothed[2], 12);   // as if the NaN were not there
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Ema_RejectsAWeightOutsideZeroTo0_99(double weight)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Smoothing.Ema([1.0], weight));
    }
}
