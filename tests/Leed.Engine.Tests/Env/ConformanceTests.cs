// The parallel-API conformance and determinism helpers applied to every preset and a hand-drawn map.
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Env;

public sealed class ConformanceTests
{
    private static readonly TestWorld Town = new(
        "........",
        ".##.#.#.",
        "....#...",
        ".##...#.",
        "...##...");

    [Theory]
    [InlineData(PresetMaps.Small, 12)]
    [InlineData(PresetMaps.Medium, 24)]
    [InlineData(PresetMaps.Large, 16)]
    public void Preset_PassesTheParallelApiConformanceChecks(string preset, int agents)
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(preset), agents, seed: 3);

        ConformanceReport report = ParallelEnvConformance.Check(scenario, episodes: 2);

        Assert.True(report.Terminations > 0, $"No agent arrived in {report.Steps} steps on {preset}.");
    }

    [Fact]
    public void HandDrawnTown_PassesTheConformanceChecks_WithArrivalsTimeoutsAndCongestion()
    {
        // One lane and many agents on a small map, so every kind of ending and delay happens.
        Scenario scenario = Town.Scenario(
            Town.Agent((0, 0), (7, 4)), Town.Agent((7, 4), (0, 0)), Town.Agent((3, 0), (0, 4), 1),
            Town.Agent((0, 4), (7, 0)), Town.Agent((0, 0), (5, 3), 2), Town.Agent((7, 0), (0, 2)),
            Town.Agent((5, 2), (3, 3)), Town.Agent((0, 0), (7, 2), 40));

        ConformanceReport report = ParallelEnvConformance.Check(scenario, new EnvConfig { CellCapacity = 1 }, episodes: 4);

        Assert.True(report.Terminations > 0, "No agent arrived.");
        Assert.True(report.Truncations > 0, "No agent timed out.");
        Assert.True(report.DelayedSteps > 0, "No move was ever blocked and no departure delayed.");
    }

    [Theory]
    [InlineData(PresetMaps.Small)]
    [InlineData(PresetMaps.Medium)]
    public void Preset_SameSeedAndActions_GiveTheSameTrajectoryBitForBit(string preset)
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(preset), 30, seed: 5);

        ParallelEnvConformance.CheckDeterminism(scenario, seed: 11, steps: 100);
    }

    [Fact]
    public void HandDrawnTown_SameSeedAndActions_GiveTheSameTrajectoryBitForBit()
    {
        Scenario scenario = Town.Scenario(
            Town.Agent((0, 0), (7, 4)), Town.Agent((7, 4), (0, 0)), Town.Agent((0, 4), (7, 0)), Town.Agent((7, 0), (0, 4)));

        ParallelEnvConformance.CheckDeterminism(scenario, new EnvConfig { CellCapacity = 1 }, seed: 2);
    }
}
