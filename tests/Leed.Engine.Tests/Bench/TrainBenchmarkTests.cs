// bench train measures its kernel ceiling beside every iteration, and its ratios are the ones its own figures give.
using Leed.Engine.Bench;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Tests.Learning;

namespace Leed.Engine.Tests.Bench;

[Collection(TorchCollection.Name)]
public sealed class TrainBenchmarkTests
{
    [Fact]
    public void Run_MeasuresTheKernelBesideEveryIteration_AndReportsTheRatioOfItsOwnFigures()
    {
        CityMap map = PresetMaps.Get(PresetMaps.Small);
        Hyperparameters hp = LearningFixtures.Tiny with { Threads = 1 };

        TrainBenchmarkResult result = TrainBenchmark.Run(map, agents: 3, seconds: 0, Algorithm.Ippo, hp, iterations: 3);

        Assert.Equal(3, result.Iterations);
        Assert.Equal(4, result.KernelSlices);                                          // one before the first iteration, one after each
        Assert.Equal(3L * hp.GlobalStepsPerIteration * 3, result.AgentSteps);
        Assert.True(result.KernelGflopPerSecond > 0 && result.LoopGflopPerSecond > 0);
        // The figures are rounded (GFLOP/s to 0.1) and tiny here: the ratio of the rounded figures is within a few percent.
        Assert.InRange(result.KernelFraction / (result.LoopGflopPerSecond / result.KernelGflopPerSecond), 0.95, 1.05);
        Assert.InRange(result.KernelFractionSpread.Median, result.KernelFractionSpread.Min, result.KernelFractionSpread.Max);
        Assert.True(result.KernelFractionSpread.Min > 0);
    }

    [Fact]
    public void Spread_GivesTheSmallestMedianAndLargest()
    {
        Assert.Equal(new Spread(0.5, 0.7, 0.9), Spread.Of([0.9, 0.5, 0.7]));
        Assert.Equal(new Spread(0.5, 0.65, 0.9), Spread.Of([0.9, 0.5, 0.7, 0.6]));
        Assert.Equal(new Spread(0, 0, 0), Spread.Of([]));
    }
}
