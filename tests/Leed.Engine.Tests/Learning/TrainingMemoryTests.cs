// Requests that cannot fit are refused before anything is allocated, with the estimate in the message.
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Learning;

public sealed class TrainingMemoryTests
{
    private static readonly Scenario TwentyAgents = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 20, seed: 1);

    [Fact]
    public void Trainer_4096EnvsBy100000Steps_IsRefusedBeforeAllocating_WithTheEstimateAndTheMachinesMemory()
    {
        var huge = new Hyperparameters { Envs = 4096, Steps = 100_000 };
        long heapBefore = GC.GetTotalMemory(forceFullCollection: false);

        var refused = Assert.Throws<ResourceLimitException>(() => new Trainer(TwentyAgents, null, Algorithm.Ippo, null, huge, seed: 1));

        // 4096 x 100,000 x 20 agent-rows, each with a 160-float observation and 30 bytes of rollout scalars (5.5 TB),
        // the same flattened per agent for the update (another 5.5 TB), and the sampling's 5 random floats per row (0.16 TB).
        MemoryEstimate estimate = TrainingMemory.Estimate(TwentyAgents, Algorithm.Ippo, huge);
        Assert.InRange(estimate.RolloutBytes, 10_800_000_000_000L, 11_200_000_000_000L);
        Assert.Equal(estimate.TotalBytes, refused.Needed);
        Assert.Equal(TrainingMemory.AvailableBytes, refused.Available);
        Assert.Contains($"needs about {MemoryEstimate.Format(refused.Needed)} of memory", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"this machine has {MemoryEstimate.Format(refused.Available)}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--envs", refused.Message, StringComparison.Ordinal);
        Assert.True(GC.GetTotalMemory(forceFullCollection: false) - heapBefore < 100_000_000, "the refusal came before the rollout storage was allocated");
    }

    [Fact]
    public void Estimate_TheDefaultRun_FitsEasily_AndGrowsWithTheRolloutSize()
    {
        MemoryEstimate defaults = TrainingMemory.Estimate(TwentyAgents, Algorithm.Leed, new Hyperparameters());
        MemoryEstimate doubled = TrainingMemory.Estimate(TwentyAgents, Algorithm.Leed, new Hyperparameters { Steps = 256 });

        Assert.InRange(defaults.TotalBytes, 10_000_000L, 1_000_000_000L);
        Assert.Equal(2.0, doubled.RolloutBytes / (double)defaults.RolloutBytes, precision: 1);
        Assert.Equal(defaults.NetworkBytes, doubled.NetworkBytes);
    }

    [Fact]
    public void ScenarioGenerator_10000AgentsOnThe16x16Preset_IsRefusedWithTheMapsCapacity()
    {
        CityMap small = PresetMaps.Get(PresetMaps.Small);
        int fits = small.RoadCellCount * new EnvConfig().CellCapacity;

        var refused = Assert.Throws<ResourceLimitException>(() => ScenarioGenerator.Generate(small, 10_000, seed: 1));

        Assert.Equal((10_000L, (long)fits), (refused.Needed, refused.Available));
        Assert.Contains($"10,000 agents cannot fit on '{PresetMaps.Small}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"{fits:N0} at most", refused.Message, StringComparison.Ordinal);
        Assert.Equal(fits, ScenarioGenerator.Generate(small, fits, seed: 1).AgentCount);
    }
}
