// Cell capacity and congestion: full cells block, blocked moves cost a delay, and the random move order decides ties.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Env;

public sealed class CapacityTests
{
    /// <summary><paramref name="parked"/> vehicles at (2,0) and one mover at (1,0), all entered in step 0.</summary>
    private static CityParallelEnv ParkedAndMover(int capacity, int parked, EnvConfig? config = null, ulong seed = 0)
    {
        TestWorld world = TestWorld.Corridor;
        var agents = new List<AgentSpec> { world.Agent((1, 0), (5, 0)) };
        for (int i = 0; i < parked; i++) agents.Add(world.Agent((2, 0), (5, 0)));
        CityParallelEnv env = world.Env((config ?? new EnvConfig()) with { CellCapacity = capacity }, seed, [.. agents]);
        ParallelStepResult entered = env.StepAll();
        Assert.All(entered.Infos.Values, info => Assert.Equal(AgentStatus.Driving, info.Status));
        return env;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Step_MoveIntoFullCell_IsBlocked(int capacity)
    {
        CityParallelEnv env = ParkedAndMover(capacity, parked: capacity);

        ParallelStepResult result = env.StepAll(Move.East); // the parked vehicles Stay

        Assert.Equal(TestWorld.Corridor.Cell(1, 0), result.Infos["Agent_0"].Cell);
        Assert.Equal(-2f, result.Rewards["Agent_0"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Step_MoveIntoCellWithOneFreePlace_Succeeds(int capacity)
    {
        CityParallelEnv env = ParkedAndMover(capacity, parked: capacity - 1);

        ParallelStepResult result = env.StepAll(Move.East);

        Assert.Equal(TestWorld.Corridor.Cell(2, 0), result.Infos["Agent_0"].Cell);
        Assert.Equal(-1f, result.Rewards["Agent_0"]);
    }

    [Theory]
    [InlineData(-1f, -1f)]
    [InlineData(-0.5f, -3f)]
    [InlineData(-2f, 0f)]
    public void Step_BlockedMove_CostsStepRewardPlusDelayReward(float stepReward, float delayReward)
    {
        var config = new EnvConfig { StepReward = stepReward, DelayReward = delayReward };
        CityParallelEnv env = ParkedAndMover(capacity: 1, parked: 1, config);

        ParallelStepResult result = env.StepAll(Move.East, Move.Stay);

        Assert.Equal(stepReward + delayReward, result.Rewards["Agent_0"]);
        Assert.Equal(stepReward, result.Rewards["Agent_1"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Step_VehicleLeavingAFullCell_FreesRoomForVehiclesLaterInTheRandomOrder(int capacity)
    {
        // The parked vehicles all drive on east (there is room for all of them); the mover follows
        // into their cell. It gets in exactly when one of them moved before it in this step's order.
        int passed = 0, blocked = 0;
        for (ulong seed = 0; seed < 64; seed++)
        {
            CityParallelEnv env = ParkedAndMover(capacity, parked: capacity, seed: seed);
            Move[] moves = [.. Enumerable.Repeat(Move.East, capacity + 1)];

            ParallelStepResult result = env.StepAll(moves);

            for (int i = 1; i <= capacity; i++) Assert.Equal(TestWorld.Corridor.Cell(3, 0), result.Infos[Scenario.AgentName(i)].Cell);
            int moverCell = result.Infos["Agent_0"].Cell;
            if (moverCell == TestWorld.Corridor.Cell(2, 0))
            {
                passed++;
                Assert.Equal(-1f, result.Rewards["Agent_0"]);
            }
            else
            {
                blocked++;
                Assert.Equal(TestWorld.Corridor.Cell(1, 0), moverCell);
                Assert.Equal(-2f, result.Rewards["Agent_0"]);
            }
        }
        Assert.True(passed > 0, "The mover never went after a parked vehicle in 64 seeds.");
        Assert.True(blocked > 0, "The mover never went first in 64 seeds.");
    }

    [Fact]
    public void Step_ThirdVehicleIntoATwoLaneCell_IsBlockedEvenWhenAllMoveAtOnce()
    {
        // Three vehicles converge on the plus's junction from three arms in the same step.
        TestWorld world = TestWorld.Plus;
        for (ulong seed = 0; seed < 16; seed++)
        {
            CityParallelEnv env = world.Env(new EnvConfig { CellCapacity = 2 }, seed,
                world.Agent((2, 1), (2, 4)), world.Agent((1, 2), (4, 2)), world.Agent((3, 2), (0, 2)));
            env.StepAll();

            ParallelStepResult result = env.StepAll(Move.South, Move.East, Move.West);

            int inJunction = result.Infos.Values.Count(info => info.Cell == world.Cell(2, 2));
            Assert.Equal(2, inJunction);
            Assert.Single(result.Rewards.Values, reward => reward == -2f);
        }
    }

    [Fact]
    public void Step_OneLaneHeadOn_NeitherVehicleCanPass()
    {
        // Each target is full when its mover's turn comes, whatever the order: they cannot swap.
        TestWorld world = TestWorld.Corridor;
        for (ulong seed = 0; seed < 8; seed++)
        {
            CityParallelEnv env = world.Env(new EnvConfig { CellCapacity = 1 }, seed,
                world.Agent((1, 0), (5, 0)), world.Agent((2, 0), (0, 0)));
            env.StepAll();

            ParallelStepResult result = env.StepAll(Move.East, Move.West);

            Assert.Equal((world.Cell(1, 0), world.Cell(2, 0)), (result.Infos["Agent_0"].Cell, result.Infos["Agent_1"].Cell));
            Assert.All(result.Rewards.Values, reward => Assert.Equal(-2f, reward));
        }
    }

    [Fact]
    public void Delayed_MarksTheBlockedMoverAndTheVehicleWaitingAtAFullOrigin_NotAVehicleThatChoseToStay()
    {
        // Capacity 1: Agent_0 parks at (2,0); Agent_1 enters at (1,0) and tries east into it; Agent_2 is due
        // at (1,0) in step 1, which Agent_1 still holds. Agent_0 stays by choice.
        TestWorld world = TestWorld.Corridor;
        Scenario scenario = world.Scenario(world.Agent((2, 0), (5, 0)), world.Agent((1, 0), (5, 0)), world.Agent((1, 0), (4, 0), departure: 1));
        var env = new VectorCityEnv(scenario, 1, new EnvConfig { CellCapacity = 1 }, autoReset: false);
        var observations = new float[3 * env.ObservationSize];
        env.Reset(0, observations);
        env.Step([0, 0, 0], observations);
        Assert.Equal([0, 0, 0], env.Delayed.ToArray()); // all entered or not yet due

        env.Step([(int)Move.Stay, (int)Move.East, (int)Move.Stay], observations);

        Assert.Equal([0, 1, 1], env.Delayed.ToArray());
        Assert.Equal(world.Cell(1, 0), env.Positions[1]);
        Assert.Equal(AgentStatus.Waiting, env.Status[2]);

        env.Step([(int)Move.East, (int)Move.East, (int)Move.Stay], observations);
        // Whether Agent_1 gets into (2,0) depends on this step's random order; a vehicle that moved is never marked.
        Assert.Equal(env.Positions[1] == world.Cell(1, 0) ? (byte)1 : (byte)0, env.Delayed[1]);
        Assert.Equal(0, env.Delayed[0]);
    }
}
