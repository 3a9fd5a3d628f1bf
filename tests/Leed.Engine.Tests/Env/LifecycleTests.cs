// An agent's life: waiting for its departure, entering at its origin, driving, arriving or timing out, and its rewards.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Env;

public sealed class LifecycleTests
{
    private static readonly TestWorld Corridor = TestWorld.Corridor;

    [Fact]
    public void Step_BeforeItsDeparture_AnAgentWaitsOffTheGridWithZeroReward()
    {
        CityParallelEnv env = Corridor.Env(null, Corridor.Agent((0, 0), (5, 0), departure: 3));

        for (int step = 0; step < 3; step++)
        {
            ParallelStepResult waiting = env.StepAll(Move.East);
            Assert.Equal(0f, waiting.Rewards["Agent_0"]);
            Assert.Equal(AgentStatus.Waiting, waiting.Infos["Agent_0"].Status);
            Assert.Equal(-1, waiting.Infos["Agent_0"].Cell);
        }
        ParallelStepResult departed = env.StepAll(Move.East);

        Assert.Equal(AgentStatus.Driving, departed.Infos["Agent_0"].Status);
        Assert.Equal(-1f, departed.Rewards["Agent_0"]);
    }

    [Fact]
    public void Step_InItsDepartureStep_AnAgentEntersAtItsOriginAndDoesNotMove()
    {
        CityParallelEnv env = Corridor.Env(null, Corridor.Agent((1, 0), (5, 0)));

        ParallelStepResult entered = env.StepAll(Move.East);

        Assert.Equal(Corridor.Cell(1, 0), entered.Infos["Agent_0"].Cell);
        Assert.Equal(-1f, entered.Rewards["Agent_0"]);
        Assert.Equal(Corridor.Cell(2, 0), env.StepAll(Move.East).Infos["Agent_0"].Cell);
    }

    [Fact]
    public void Step_DepartureIntoAFullOrigin_WaitsWithTheDelayRewardAndRetries()
    {
        var config = new EnvConfig { CellCapacity = 1, DelayReward = -3f };
        CityParallelEnv env = Corridor.Env(config, Corridor.Agent((1, 0), (5, 0)), Corridor.Agent((1, 0), (5, 0)));

        // Step 0: Agent_0 takes the only place; Agent_1 is delayed.
        ParallelStepResult first = env.StepAll(Move.Stay, Move.Stay);
        Assert.Equal(-1f, first.Rewards["Agent_0"]);
        Assert.Equal(-3f, first.Rewards["Agent_1"]);
        Assert.Equal(AgentStatus.Waiting, first.Infos["Agent_1"].Status);
        Assert.Equal("10000", env.MaskOf(first.Observations["Agent_1"]));

        // Step 1: departures come before moves, so Agent_0 driving off does not make room yet.
        ParallelStepResult second = env.StepAll(Move.East, Move.Stay);
        Assert.Equal(-3f, second.Rewards["Agent_1"]);
        Assert.Equal(Corridor.Cell(2, 0), second.Infos["Agent_0"].Cell);

        // Step 2: the origin is free and Agent_1 enters.
        ParallelStepResult third = env.StepAll(Move.East, Move.Stay);
        Assert.Equal(-1f, third.Rewards["Agent_1"]);
        Assert.Equal(Corridor.Cell(1, 0), third.Infos["Agent_1"].Cell);
    }

    [Theory]
    [InlineData(100f)]
    [InlineData(7f)]
    public void Step_EnteringTheDestination_ArrivesTerminatedWithTheArrivalReward(float arrivalReward)
    {
        CityParallelEnv env = Corridor.Env(new EnvConfig { ArrivalReward = arrivalReward },
            Corridor.Agent((3, 0), (4, 0)), Corridor.Agent((0, 0), (5, 0)));
        env.StepAll();

        ParallelStepResult result = env.StepAll(Move.East, Move.Stay);

        Assert.Equal(-1f + arrivalReward, result.Rewards["Agent_0"]);
        Assert.True(result.Terminations["Agent_0"]);
        Assert.False(result.Truncations["Agent_0"]);
        Assert.Equal(AgentStatus.Arrived, result.Infos["Agent_0"].Status);
        Assert.Equal(-1, result.Infos["Agent_0"].Cell);
        Assert.Equal(new[] { "Agent_1" }, env.Agents);
    }

    [Fact]
    public void Step_AfterArrival_TheDestinationCellIsFree()
    {
        // One lane: Agent_1 must drive through the cell where Agent_0 has just arrived.
        CityParallelEnv env = Corridor.Env(new EnvConfig { CellCapacity = 1 },
            Corridor.Agent((2, 0), (3, 0)), Corridor.Agent((1, 0), (5, 0)));
        env.StepAll();
        Assert.True(env.StepAll(Move.East, Move.Stay).Terminations["Agent_0"]);
        env.StepAll(Move.Stay, Move.East);

        ParallelStepResult result = env.StepAll(Move.Stay, Move.East);

        Assert.Equal(Corridor.Cell(3, 0), result.Infos["Agent_1"].Cell);
        Assert.Equal(-1f, result.Rewards["Agent_1"]);
    }

    [Fact]
    public void Step_ArrivalIntoAFullDestination_IsBlockedLikeAnyMove()
    {
        CityParallelEnv env = Corridor.Env(new EnvConfig { CellCapacity = 1 },
            Corridor.Agent((2, 0), (3, 0)), Corridor.Agent((3, 0), (5, 0)));
        env.StepAll();

        ParallelStepResult result = env.StepAll(Move.East, Move.Stay);

        Assert.False(result.Terminations["Agent_0"]);
        Assert.Equal(-2f, result.Rewards["Agent_0"]);
        Assert.Equal(Corridor.Cell(2, 0), result.Infos["Agent_0"].Cell);
    }

    [Fact]
    public void Step_AgentWhoseOriginIsItsDestination_ArrivesOnlyByDrivingBackIn()
    {
        // Generated scenarios never do this; an imported one might. Entering the grid is not a move.
        CityParallelEnv env = Corridor.Env(null, Corridor.Agent((2, 0), (2, 0)));

        Assert.False(env.StepAll().Terminations["Agent_0"]);
        Assert.False(env.StepAll(Move.East).Terminations["Agent_0"]);
        ParallelStepResult back = env.StepAll(Move.West);

        Assert.True(back.Terminations["Agent_0"]);
        Assert.Equal(99f, back.Rewards["Agent_0"]);
    }

    [Fact]
    public void Step_AtMaxSteps_EveryLiveAgentIsTruncatedNotTerminated()
    {
        CityParallelEnv env = Corridor.Env(new EnvConfig { MaxSteps = 4 },
            Corridor.Agent((0, 0), (5, 0)),                  // drives but never gets there
            Corridor.Agent((0, 0), (5, 0), departure: 100),  // still waiting
            Corridor.Agent((3, 0), (4, 0)));                 // arrives in step 1

        for (int step = 0; step < 3; step++)
        {
            ParallelStepResult early = env.StepAll(Move.Stay, Move.Stay, step == 1 ? Move.East : Move.Stay);
            Assert.DoesNotContain(true, early.Truncations.Values);
        }
        ParallelStepResult last = env.StepAll(Move.Stay, Move.Stay, Move.Stay);

        Assert.Equal(new[] { "Agent_0", "Agent_1" }, last.Truncations.Keys.Order());
        Assert.True(last.Truncations["Agent_0"] && last.Truncations["Agent_1"]);
        Assert.False(last.Terminations["Agent_0"] || last.Terminations["Agent_1"]);
        Assert.Equal(AgentStatus.TimedOut, last.Infos["Agent_1"].Status);
        Assert.Empty(env.Agents);
        Assert.Equal(4, env.Time);
        Assert.Throws<InvalidOperationException>(() => env.StepAll());
    }

    [Theory]
    [InlineData(6, 1)]
    [InlineData(5, 5)]
    [InlineData(3, 7)]
    public void MaxSteps_ByDefault_IsFourTimesWidthPlusHeight(int width, int height)
    {
        string[] rows = [.. Enumerable.Repeat(new string('.', width), height)];
        var world = new TestWorld(rows);
        CityParallelEnv env = world.Env(null, world.Agent((0, 0), (width - 1, height - 1)));
        int expected = 4 * (width + height);

        int steps = 0;
        while (env.Agents.Count > 0) { env.StepAll(Move.Stay); steps++; }

        Assert.Equal(expected, steps);
        Assert.Equal(expected, new VectorCityEnv(world.Scenario(world.Agent((0, 0), (1, 0))), 1).MaxSteps);
        Assert.Equal(expected, env.LastEpisode.Steps);
    }

    [Fact]
    public void Rewards_PerStep_AreZeroWaitingMinusOneDrivingAndZeroAfterArrival()
    {
        // The core is read directly: the facade stops reporting an agent once it has arrived.
        Scenario scenario = Corridor.Scenario(Corridor.Agent((2, 0), (4, 0), departure: 1), Corridor.Agent((0, 0), (5, 0)));
        var env = new VectorCityEnv(scenario, 1, autoReset: false);
        var observations = new float[2 * env.ObservationSize];
        env.Reset(0, observations);
        Move[] plan = [Move.East, Move.East, Move.East, Move.East, Move.East, Move.Stay];
        float[] expected = [0f, -1f, -1f, 99f, 0f, 0f];

        for (int step = 0; step < plan.Length; step++)
        {
            env.Step([(int)plan[step], (int)Move.Stay], observations);
            Assert.Equal(expected[step], env.Rewards[0]);
        }
        Assert.Equal(AgentStatus.Arrived, env.Status[0]);
    }

    [Fact]
    public void LastEpisode_TeamReturn_IsTheSumOfEveryAgentsRewards()
    {
        // Three agents arrive (one departing late, one driving against the others); one times out.
        CityParallelEnv env = Corridor.Env(new EnvConfig { MaxSteps = 12 },
            Corridor.Agent((0, 0), (3, 0)), Corridor.Agent((1, 0), (4, 0), departure: 2),
            Corridor.Agent((5, 0), (2, 0)), Corridor.Agent((0, 0), (5, 0)));
        var returns = new Dictionary<string, float>();

        while (env.Agents.Count > 0)
        {
            ParallelStepResult result = env.StepAll(Move.East, Move.East, Move.West, Move.Stay);
            foreach ((string agent, float reward) in result.Rewards) returns[agent] = returns.GetValueOrDefault(agent) + reward;
        }

        EpisodeSummary summary = env.LastEpisode;
        Assert.Equal(-12f, returns["Agent_3"]);
        Assert.Equal(returns.Values.Sum(), summary.TeamReturn);
        Assert.Equal((4, 3, 12), (summary.Agents, summary.Arrived, summary.Steps));
    }
}
