// The batched core: the caller-owned observation buffer, auto-reset with episode summaries, and the allocation-free step.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Env;

public sealed class VectorCityEnvTests
{
    private static readonly TestWorld Corridor = TestWorld.Corridor;

    private static Scenario ThreeAgents() => Corridor.Scenario(
        Corridor.Agent((0, 0), (3, 0)), Corridor.Agent((1, 0), (5, 0), departure: 1), Corridor.Agent((5, 0), (4, 0)));

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(-160)]
    public void Reset_WithAWrongSizeBuffer_ThrowsNamingTheExpectedShape(int delta)
    {
        var env = new VectorCityEnv(ThreeAgents(), 2);

        var error = Assert.Throws<ArgumentException>(() => env.Reset(0, new float[2 * 3 * 160 + delta]));

        Assert.Contains("[E=2, N=3, 160]", error.Message);
        Assert.Contains("960", error.Message);
    }

    [Fact]
    public void Step_WithAWrongSizeBufferOrActionCount_Throws()
    {
        var env = new VectorCityEnv(ThreeAgents(), 2);
        var observations = new float[2 * 3 * env.ObservationSize];
        env.Reset(0, observations);

        var buffer = Assert.Throws<ArgumentException>(() => env.Step(new int[6], new float[observations.Length - 1]));
        var actions = Assert.Throws<ArgumentException>(() => env.Step(new int[5], observations));

        Assert.Contains("[E=2, N=3, 160]", buffer.Message);
        Assert.Contains("Expected 6 actions", actions.Message);
    }

    [Fact]
    public void Step_WritesEachAgentsObservationIntoItsOwnRow()
    {
        var env = new VectorCityEnv(ThreeAgents(), 2, autoReset: false);
        var observations = new float[2 * 3 * env.ObservationSize];
        env.Reset(0, observations);
        int[] actions = [0, 0, 0, /* env 1: */ (int)Move.East, 0, 0];

        env.Step(actions, observations);
        env.Step(actions, observations);

        int size = env.ObservationSize, xScalar = env.Layout.ScalarOffset;
        Assert.Equal(0f, observations[0 * size + xScalar]);          // env 0, Agent_0 stayed at x = 0
        Assert.Equal(0.2f, observations[3 * size + xScalar]);        // env 1, Agent_0 drove to x = 1
        Assert.Equal(1f, observations[2 * size + xScalar]);          // env 0, Agent_2 at x = 5
        Assert.Equal(1f, observations[4 * size + xScalar + 7]);      // env 1, Agent_1 is driving
    }

    [Fact]
    public void Step_WhenAnEpisodeEnds_AutoResetsAndReportsTheEpisode()
    {
        // Everyone drives east or west to a destination; Agent_1 never gets there and times out.
        Scenario scenario = Corridor.Scenario(Corridor.Agent((0, 0), (2, 0)), Corridor.Agent((3, 0), (0, 0), departure: 1), Corridor.Agent((5, 0), (4, 0)));
        var env = new VectorCityEnv(scenario, 1, new EnvConfig { MaxSteps = 5 });
        var observations = new float[3 * env.ObservationSize];
        env.Reset(9, observations);
        float[] first = (float[])observations.Clone();
        var returns = new float[3];
        int[] actions = [(int)Move.East, (int)Move.East, (int)Move.West];

        for (int step = 1; step <= 5; step++)
        {
            env.Step(actions, observations);
            for (int i = 0; i < 3; i++) returns[i] += env.Rewards[i];
            Assert.Equal(step == 5 ? 1 : 0, env.EpisodeDone[0]);
        }

        EpisodeSummary summary = env.LastEpisode(0);
        Assert.Equal(returns, env.LastEpisodeReturns.ToArray());
        Assert.Equal(returns.Sum(), summary.TeamReturn);
        Assert.Equal((2, 3, 5), (summary.Arrived, summary.Agents, summary.Steps));
        Assert.Equal(1, env.Truncated[1]);
        Assert.Equal(0, env.Time[0]);
        Assert.All(env.Status.ToArray(), status => Assert.Equal(AgentStatus.Waiting, status));
        Assert.Equal(first, observations); // the new episode's first observation

        env.Step(actions, observations);
        Assert.Equal(0, env.EpisodeDone[0]);
        Assert.Equal(1, env.Time[0]);
    }

    [Fact]
    public void Step_WithoutAutoReset_StaysFinishedUntilReset()
    {
        var env = new VectorCityEnv(ThreeAgents(), 1, new EnvConfig { MaxSteps = 2 }, autoReset: false);
        var observations = new float[3 * env.ObservationSize];
        env.Reset(0, observations);
        env.Step(new int[3], observations);
        env.Step(new int[3], observations);
        Assert.Equal(1, env.EpisodeDone[0]);

        env.Step(new int[3], observations);

        Assert.Equal(0, env.EpisodeDone[0]);
        Assert.Equal(2, env.Time[0]);
        Assert.All(env.Rewards.ToArray(), reward => Assert.Equal(0f, reward));
        Assert.All(env.Status.ToArray(), status => Assert.Equal(AgentStatus.TimedOut, status));
    }

    [Fact]
    public void Step_InSteadyState_AllocatesNothing()
    {
        // Short episodes, so auto-resets and episode summaries happen inside the measured window.
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 24, seed: 1);
        var env = new VectorCityEnv(scenario, 4, new EnvConfig { MaxSteps = 40 });
        var observations = new float[4 * 24 * env.ObservationSize];
        var actions = new int[4 * 24];
        var random = new SplitMix(7);
        env.Reset(1, observations);

        // Long enough for tiered compilation to settle (the step runs hot, so it is recompiled early).
        for (int step = 0; step < 3000; step++) StepRandomly(env, actions, observations, ref random);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 1000; step++) StepRandomly(env, actions, observations, ref random);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void StepRandomly(VectorCityEnv env, int[] actions, float[] observations, ref SplitMix random)
    {
        int size = env.ObservationSize, maskOffset = env.Layout.MaskOffset;
        for (int slot = 0; slot < actions.Length; slot++)
        {
            int action = random.Next(Directions.ActionCount);
            actions[slot] = observations[slot * size + maskOffset + action] == 1f ? action : 0;
        }
        env.Step(actions, observations);
    }
}
