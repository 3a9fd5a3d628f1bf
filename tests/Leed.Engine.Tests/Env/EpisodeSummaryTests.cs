// What an episode's summary reports: team return, arrivals, travel time and congestion, computed as documented.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Env;

public sealed class EpisodeSummaryTests
{
    private static readonly TestWorld Corridor = TestWorld.Corridor;

    [Fact]
    public void Congestion_IsTheShareOfActiveAgentStepsThatWereDelayed()
    {
        // One lane. Agent_0 parks at (2,0) all episode; Agent_1 drives into it and is blocked
        // every step after entering; Agent_2 departs at (2,0) and is held at its origin every step.
        CityParallelEnv env = Corridor.Env(new EnvConfig { CellCapacity = 1, MaxSteps = 5 },
            Corridor.Agent((2, 0), (5, 0)), Corridor.Agent((1, 0), (5, 0)), Corridor.Agent((2, 0), (5, 0)));

        while (env.Agents.Count > 0) env.StepAll(Move.Stay, Move.East, Move.Stay);

        // Active agent-steps: 5 + 5 + 5 (driving, entering or held); delayed: 4 blocked + 5 held.
        EpisodeSummary summary = env.LastEpisode;
        Assert.Equal(9f / 15, summary.Congestion);
        Assert.Equal(-5f + -9f + -5f, summary.TeamReturn);
    }

    [Fact]
    public void Congestion_WithoutAnyDelay_IsZero_AndWithNobodyActive_IsZero()
    {
        CityParallelEnv free = Corridor.Env(new EnvConfig { MaxSteps = 4 }, Corridor.Agent((0, 0), (5, 0)));
        while (free.Agents.Count > 0) free.StepAll(Move.East);
        CityParallelEnv idle = Corridor.Env(new EnvConfig { MaxSteps = 4 }, Corridor.Agent((0, 0), (5, 0), departure: 50));
        while (idle.Agents.Count > 0) idle.StepAll();

        Assert.Equal(0f, free.LastEpisode.Congestion);
        Assert.Equal(0f, idle.LastEpisode.Congestion);
    }

    [Fact]
    public void MeanTravelTime_CountsStepsFromTheScheduledDepartureToArrival_OverArrivedAgents()
    {
        // Agent_0 leaves at step 1 and arrives three steps later. Agent_1 is due at step 0 but held
        // until Agent_0 has left its origin, so its trip counts the held steps too. Agent_2 never arrives.
        CityParallelEnv env = Corridor.Env(new EnvConfig { CellCapacity = 1, MaxSteps = 8 },
            Corridor.Agent((1, 0), (3, 0), departure: 1), Corridor.Agent((1, 0), (2, 0), departure: 0), Corridor.Agent((5, 0), (0, 0)));
        var arrivedAt = new Dictionary<string, int>();

        for (int step = 0; env.Agents.Count > 0; step++)
        {
            ParallelStepResult result = env.StepAll(Move.East, Move.East, Move.Stay);
            foreach ((string agent, bool done) in result.Terminations) if (done) arrivedAt[agent] = step;
        }

        // Agent_1 enters at step 0 (Agent_0 is not due yet) and arrives at step 1: 2 steps.
        // Agent_0 is held at steps 1 (Agent_1 still there), enters at 2, drives 3, arrives at 4: 4 steps.
        Assert.Equal(new Dictionary<string, int> { ["Agent_0"] = 4, ["Agent_1"] = 1 }, arrivedAt);
        Assert.Equal((4f + 2f) / 2, env.LastEpisode.MeanTravelTime);
        Assert.Equal(2, env.LastEpisode.Arrived);
    }
}
