// The environment's configuration: out-of-range values are rejected with the setting's name, defaults follow the contract.
using Leed.Engine.Env;

namespace Leed.Engine.Tests.Env;

public sealed class EnvConfigTests
{
    public static TheoryData<EnvConfig, string> Invalid => new()
    {
        { new EnvConfig { CellCapacity = 0 }, "CellCapacity" },
        { new EnvConfig { CellCapacity = 256 }, "CellCapacity" }, // would overflow the byte occupancy counters
        { new EnvConfig { PatchSize = 0 }, "PatchSize" },
        { new EnvConfig { PatchSize = 6 }, "PatchSize" },
        { new EnvConfig { MaxSteps = 0 }, "MaxSteps" },
        { new EnvConfig { StateGrid = 0 }, "StateGrid" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void NewEnv_WithAnOutOfRangeSetting_ThrowsNamingIt(EnvConfig config, string setting)
    {
        TestWorld world = TestWorld.Corridor;

        var error = Assert.Throws<ArgumentException>(() => new VectorCityEnv(world.Scenario(world.Agent((0, 0), (5, 0))), 1, config));

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void Defaults_FollowTheContract()
    {
        var config = new EnvConfig();

        Assert.Equal((2, 7, -1f, -1f, 100f), (config.CellCapacity, config.PatchSize, config.StepReward, config.DelayReward, config.ArrivalReward));
        Assert.Null(config.MaxSteps);
        Assert.Equal(4 * (48 + 30), config.ResolveMaxSteps(48, 30));
        Assert.Equal(9, (config with { MaxSteps = 9 }).ResolveMaxSteps(48, 30));
        Assert.False(string.IsNullOrWhiteSpace(EnvConfig.EnvVersion));
    }

    [Fact]
    public void CellCapacity_OfTheMaximum255_LetsEveryVehicleShareOneCell()
    {
        TestWorld world = TestWorld.Corridor;
        AgentSpec[] agents = [.. Enumerable.Repeat(world.Agent((0, 0), (5, 0)), 255)];
        CityParallelEnv env = world.Env(new EnvConfig { CellCapacity = 255 }, agents);

        ParallelStepResult result = env.StepAll();

        Assert.All(result.Infos.Values, info => Assert.Equal(world.Cell(0, 0), info.Cell));
    }
}
