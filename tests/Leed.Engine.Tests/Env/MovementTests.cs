// Movement and action-mask rules: where each action takes a vehicle and which actions are offered.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Env;

public sealed class MovementTests
{
    private static readonly Dictionary<string, TestWorld> Worlds = new()
    {
        ["corridor"] = TestWorld.Corridor,
        ["plus"] = TestWorld.Plus,
        ["corner"] = new TestWorld(
            "...",
            ".##",
            ".##"),
        ["tee"] = new TestWorld(
            ".....",
            "##.##",
            "##.##"),
    };

    [Theory]
    [InlineData(Move.North, 2, 1)]
    [InlineData(Move.East, 3, 2)]
    [InlineData(Move.South, 2, 3)]
    [InlineData(Move.West, 1, 2)]
    public void Step_ValidMove_TakesTheVehicleToThatNeighbour(Move move, int x, int y)
    {
        TestWorld world = TestWorld.Plus;
        CityParallelEnv env = world.Env(null, world.Agent((2, 2), (2, 4)));
        env.StepAll(Move.Stay); // enters at the origin

        ParallelStepResult result = env.StepAll(move);

        Assert.Equal(world.Cell(x, y), result.Infos["Agent_0"].Cell);
        Assert.Equal(-1f, result.Rewards["Agent_0"]);
    }

    [Theory]
    [InlineData("corridor", 0, 0, Move.North)] // off the top edge
    [InlineData("corridor", 0, 0, Move.South)] // off the bottom edge
    [InlineData("corridor", 0, 0, Move.West)]  // off the left edge
    [InlineData("corridor", 5, 0, Move.East)]  // off the right edge
    [InlineData("plus", 2, 1, Move.East)]      // into a building
    [InlineData("plus", 2, 1, Move.West)]      // into a building
    [InlineData("plus", 2, 0, Move.North)]     // off the grid at a dead end
    public void Step_OffGridOrIntoBlockedMove_IsMaskedAndLeavesTheVehicleInPlaceWithoutPenalty(string map, int x, int y, Move move)
    {
        TestWorld world = Worlds[map];
        (int X, int Y) destination = map == "corridor" ? (2, 0) : (2, 4);
        CityParallelEnv env = world.Env(null, world.Agent((x, y), destination));
        ParallelStepResult entered = env.StepAll(Move.Stay);
        Assert.Equal(0f, entered.Observations["Agent_0"][env.Layout.MaskOffset + (int)move]);

        ParallelStepResult result = env.StepAll(move);

        Assert.Equal(world.Cell(x, y), result.Infos["Agent_0"].Cell);
        Assert.Equal(-1f, result.Rewards["Agent_0"]); // travel time only, no delay
        Assert.False(result.Terminations["Agent_0"]);
    }

    [Theory]
    [InlineData("plus", 2, 2, "11111")]     // X junction: every way is open
    [InlineData("plus", 2, 1, "11010")]     // straight road: forwards and back
    [InlineData("plus", 2, 0, "10010")]     // dead end: only back
    [InlineData("corner", 0, 0, "10110")]   // corner: east and south
    [InlineData("tee", 2, 0, "10111")]      // T junction: east, south and west
    [InlineData("corridor", 3, 0, "10101")] // 1-high map: north and south are off the grid
    public void Observation_MaskOfADrivingVehicle_OffersStayAndEveryMoveOntoRoad(string map, int x, int y, string expected)
    {
        TestWorld world = Worlds[map];
        // Any other road cell will do as the destination; it only must not be the cell under test.
        (int X, int Y) destination = map == "plus" ? (2, 4) : map == "tee" ? (2, 2) : map == "corner" ? (0, 2) : (0, 0);
        CityParallelEnv env = world.Env(null, world.Agent((x, y), destination));

        ParallelStepResult entered = env.StepAll(Move.Stay);

        Assert.Equal(expected, env.MaskOf(entered.Observations["Agent_0"]));
        Assert.Equal(expected, EnvTestExtensions.MaskString(entered.Infos["Agent_0"].ActionMask));
    }

    [Fact]
    public void Observation_MaskOfAWaitingVehicle_OffersOnlyStay()
    {
        TestWorld world = TestWorld.Plus;
        CityParallelEnv env = world.Env(null, world.Agent((2, 2), (2, 4), departure: 2));
        var (observations, infos) = env.Reset(0);
        Assert.Equal("10000", env.MaskOf(observations["Agent_0"]));
        Assert.Equal(AgentStatus.Waiting, infos["Agent_0"].Status);

        ParallelStepResult result = env.StepAll(Move.North); // ignored while waiting

        Assert.Equal("10000", env.MaskOf(result.Observations["Agent_0"]));
        Assert.Equal(-1, result.Infos["Agent_0"].Cell);
    }

    [Fact]
    public void Observation_OfAnArrivedVehicle_IsZeroExceptStay()
    {
        TestWorld world = TestWorld.Corridor;
        CityParallelEnv env = world.Env(null, world.Agent((1, 0), (2, 0)));
        env.StepAll(Move.Stay);

        ParallelStepResult result = env.StepAll(Move.East);

        float[] observation = result.Observations["Agent_0"];
        Assert.True(result.Terminations["Agent_0"]);
        Assert.Equal("10000", env.MaskOf(observation));
        Assert.Equal(1f, observation.Sum()); // everything else is zero
        Assert.Equal(AgentStatus.Arrived, result.Infos["Agent_0"].Status);
    }
}
