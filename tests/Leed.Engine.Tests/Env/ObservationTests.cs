// What an agent sees: the layout, the road/occupancy/destination patches, the scalars, the mask and the global state.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Env;

public sealed class ObservationTests
{
    //   x: 01234
    // y=0  .....
    // y=1  .#.#.
    // y=2  .....
    private static readonly TestWorld Grid = new(
        ".....",
        ".#.#.",
        ".....");

    [Fact]
    public void Layout_ForTheDefaultPatch_IsThreeChannelsOf7x7ThenEightScalarsThenFiveMaskValues()
    {
        var layout = new ObservationLayout(7);

        Assert.Equal((49, 147, 155, 160), (layout.PatchArea, layout.ScalarOffset, layout.MaskOffset, layout.Size));
        Assert.Equal(160, new VectorCityEnv(Grid.Scenario(Grid.Agent((0, 0), (4, 2))), 1).ObservationSize);
    }

    /// <summary>Agent_0 and Agent_2 share (0,0), Agent_1 is at (1,0); Agent_3 waits at (4,2). K = 3.</summary>
    private static (CityParallelEnv Env, ParallelStepResult Result) Crowd(int capacity = 2)
    {
        CityParallelEnv env = Grid.Env(new EnvConfig { PatchSize = 3, CellCapacity = capacity },
            Grid.Agent((0, 0), (4, 2)), Grid.Agent((1, 0), (2, 1)), Grid.Agent((0, 0), (4, 2)), Grid.Agent((4, 2), (0, 0), departure: 10));
        return (env, env.StepAll());
    }

    private static float[] Channel(CityParallelEnv env, float[] observation, int channel) =>
        observation[(channel * env.Layout.PatchArea)..((channel + 1) * env.Layout.PatchArea)];

    [Fact]
    public void RoadPatch_IsTheMapAroundTheAgent_WithOffGridAsBlocked()
    {
        var (env, result) = Crowd();

        Assert.Equal([0, 0, 0, /**/ 0, 1, 1, /**/ 0, 1, 0], Channel(env, result.Observations["Agent_0"], 0));
        Assert.Equal([0, 0, 0, /**/ 1, 1, 1, /**/ 1, 0, 1], Channel(env, result.Observations["Agent_1"], 0));
    }

    [Fact]
    public void OccupancyPatch_CountsOtherVehiclesOnly()
    {
        var (env, result) = Crowd();

        // Agent_0 sees Agent_2 in its own cell and Agent_1 to the east; not itself.
        Assert.Equal([0, 0, 0, /**/ 0, 0.5f, 0.5f, /**/ 0, 0, 0], Channel(env, result.Observations["Agent_0"], 1));
        // Agent_1 sees both vehicles to its west, and nobody in its own cell.
        Assert.Equal([0, 0, 0, /**/ 1f, 0, 0, /**/ 0, 0, 0], Channel(env, result.Observations["Agent_1"], 1));
    }

    [Theory]
    [InlineData(1, 1f)]
    [InlineData(2, 0.5f)]
    [InlineData(4, 0.25f)]
    public void OccupancyPatch_CountsEachOtherVehicleAsOneOverCapacity(int capacity, float expected)
    {
        var (env, result) = Crowd(capacity);

        float[] occupancy = Channel(env, result.Observations["Agent_1"], 1);
        int neighbours = capacity >= 2 ? 2 : 1; // with one lane Agent_2 cannot enter beside Agent_0
        Assert.Equal(neighbours * expected, occupancy[3]);
        Assert.Equal(0f, occupancy[4]);
    }

    [Fact]
    public void DestinationPatch_MarksTheDestinationOnlyWhenItIsInView()
    {
        var (env, result) = Crowd();

        Assert.Equal([0, 0, 0, /**/ 0, 0, 0, /**/ 0, 0, 1], Channel(env, result.Observations["Agent_1"], 2));
        Assert.All(Channel(env, result.Observations["Agent_0"], 2), value => Assert.Equal(0f, value)); // (4,2) is out of view
    }

    [Fact]
    public void Scalars_ArePositionDestinationOffsetStepFractionAndDrivingFlag()
    {
        var (env, result) = Crowd();
        int offset = env.Layout.ScalarOffset;
        float stepFraction = 1f / (4 * (5 + 3)); // one step of the default MaxSteps

        Assert.Equal([0.25f, 0f, 0.5f, 0.5f, 0.25f, 0.5f, stepFraction, 1f],
            result.Observations["Agent_1"][offset..(offset + ObservationLayout.ScalarCount)]);
        Assert.Equal([1f, 1f, 0f, 0f, -1f, -1f, stepFraction, 0f], // waiting at its origin (4,2), heading for (0,0)
            result.Observations["Agent_3"][offset..(offset + ObservationLayout.ScalarCount)]);
        Assert.Equal(ObservationLayout.ScalarCount, ObservationLayout.ScalarNames.Length);
    }

    [Fact]
    public void WaitingAgent_SeesAroundItsOrigin_IncludingEveryVehicleThere()
    {
        CityParallelEnv env = Grid.Env(new EnvConfig { PatchSize = 3 },
            Grid.Agent((4, 2), (0, 0)), Grid.Agent((4, 2), (0, 2), departure: 5));

        ParallelStepResult result = env.StepAll();

        float[] waiting = result.Observations["Agent_1"];
        Assert.Equal(0.5f, Channel(env, waiting, 1)[4]); // Agent_0 in the origin cell
        Assert.Equal([0, 1, 0, /**/ 1, 1, 0, /**/ 0, 0, 0], Channel(env, waiting, 0));
    }

    [Fact]
    public void Mask_SitsAtMaskOffset_AfterTheScalars()
    {
        var (env, result) = Crowd();

        Assert.Equal("10110", env.MaskOf(result.Observations["Agent_0"])); // corner (0,0): east and south
        Assert.Equal("10101", env.MaskOf(result.Observations["Agent_1"])); // (1,0): east and west
        Assert.Equal(env.Layout.ScalarOffset + ObservationLayout.ScalarCount, env.Layout.MaskOffset);
    }

    [Fact]
    public void State_HoldsEveryAgentsPositionDestinationAndStatus_ThenCoarseOccupancy_ThenStepFraction()
    {
        var (env, _) = Crowd();
        int agents = 4, grid = new EnvConfig().StateGrid;

        float[] state = env.State();

        Assert.Equal(agents * 6 + grid * grid + 1, state.Length);
        Assert.Equal([0.25f, 0f, 0.5f, 0.5f, 1f, 0f], state[6..12]);   // Agent_1 driving at (1,0) to (2,1)
        Assert.Equal([1f, 1f, 0f, 0f, 0f, 0f], state[18..24]);         // Agent_3 waiting at (4,2)
        float occupied = state[(agents * 6)..^1].Sum();
        Assert.True(occupied > 0f, "Three vehicles on the grid should show in the coarse occupancy map.");
        Assert.Equal(1f / 32, state[^1]);
    }

    [Fact]
    public void Patches_OnAPreset_MatchTheMapAroundEveryDrivingAgent_WithTheDefault7x7()
    {
        CityMap map = PresetMaps.Get(PresetMaps.Small);
        Scenario scenario = ScenarioGenerator.Generate(map, 20, seed: 6);
        var env = new CityParallelEnv(scenario);
        env.Reset(1);
        ParallelStepResult result = env.Step(new Dictionary<string, int>());
        for (int step = 0; step < 6; step++) // spread out a little
            result = env.Step(env.Agents.ToDictionary(agent => agent, agent => step % 2 == 0 ? (int)Move.East : (int)Move.South));

        int checkedAgents = 0;
        foreach ((string agent, float[] observation) in result.Observations)
        {
            AgentInfo info = result.Infos[agent];
            if (info.Status != AgentStatus.Driving) continue;
            checkedAgents++;
            (int x, int y) = map.Coordinates(info.Cell);
            (int dx, int dy) = map.Coordinates(scenario.Agents[int.Parse(agent.AsSpan(6))].Destination);
            for (int row = 0; row < 7; row++)
                for (int column = 0; column < 7; column++)
                {
                    int cx = x - 3 + column, cy = y - 3 + row, k = row * 7 + column;
                    int vehicles = map.InBounds(cx, cy) ? result.Infos.Values.Count(other => other.Cell == map.Index(cx, cy)) : 0;
                    int others = cx == x && cy == y ? vehicles - 1 : vehicles;
                    Assert.Equal(map.IsRoad(cx, cy) ? 1f : 0f, observation[k]);
                    Assert.Equal(others / 2f, observation[49 + k]);
                    Assert.Equal(cx == dx && cy == dy ? 1f : 0f, observation[98 + k]);
                }
        }
        Assert.True(checkedAgents > 10, $"Only {checkedAgents} agents were driving.");
    }
}
