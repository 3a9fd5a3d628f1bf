// The demo replay holds its place while a move is blocked, so congestion delays the route but does not derail it.
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Learning;

public sealed class DemoReplayTests
{
    [Fact]
    public void BlockedMove_IsRetried_ThenTheSequenceContinues()
    {
        var replay = new DemoReplay([[(int)Move.East, (int)Move.South]], envs: 1);
        AgentStatus[] driving = [AgentStatus.Driving];
        var actions = new int[1];

        replay.Choose(driving, [10], actions);
        Assert.Equal((int)Move.East, actions[0]);
        replay.Observe([10], [0], [0]);          // blocked: still in cell 10

        replay.Choose(driving, [10], actions);
        Assert.Equal((int)Move.East, actions[0]);
        replay.Observe([11], [0], [0]);          // moved

        replay.Choose(driving, [11], actions);
        Assert.Equal((int)Move.South, actions[0]);
        replay.Observe([-1], [1], [0]);          // arrived

        replay.Choose([AgentStatus.Arrived], [-1], actions);
        Assert.Equal((int)Move.Stay, actions[0]);
    }

    [Fact]
    public void WaitingAgents_StayAndKeepTheirPlace_AndEpisodeEndRewinds()
    {
        var replay = new DemoReplay([[(int)Move.North]], envs: 2);
        var actions = new int[2];

        replay.Choose([AgentStatus.Waiting, AgentStatus.Driving], [-1, 5], actions);
        Assert.Equal([(int)Move.Stay, (int)Move.North], actions);
        replay.Observe([-1, 1], [0, 0], [0, 1]); // env 1's episode ended: its cursor rewinds

        replay.Choose([AgentStatus.Driving, AgentStatus.Driving], [3, 5], actions);
        Assert.Equal([(int)Move.North, (int)Move.North], actions);
    }
}
