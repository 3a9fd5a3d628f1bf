// The New run form's estimate: steps from the form, speed from the newest finished run alike (same algorithm first), none without one.
using Leed.Dashboard.Runs;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Tests.Compare;

public sealed class RunEstimateTests
{
    private static RunRecord Finished(string name, string algorithm, string map, int agents, long steps, double seconds, int minute) => new()
    {
        Id = name, Status = RunStatus.Completed, GlobalStep = steps, WallSeconds = seconds, ResolvedAgents = agents,
        EndedAt = new DateTime(2026, 1, 1, 12, minute, 0, DateTimeKind.Utc),
        Spec = new RunSpec { Name = name, Algorithm = algorithm, Map = map, Agents = agents },
    };

    [Fact]
    public void Estimate_UsesTheNewestFinishedRunWithTheSameAlgorithmMapAndAgents()
    {
        RunRecord[] runs =
        [
            Finished("old leed", "leed", "m", 8, 10_000, 10, 1),
            Finished("new leed", "leed", "m", 8, 20_000, 10, 2),      // 2,000 steps/s
            Finished("newer ippo", "ippo", "m", 8, 90_000, 10, 3),
            Finished("other map", "leed", "n", 8, 90_000, 10, 4),
        ];

        RunEstimate estimate = RunEstimate.For(iterations: 50, envs: 8, steps: 64, runs: 3, "m", 8, "leed", runs);

        Assert.Equal(25_600, estimate.StepsPerRun);
        Assert.Equal("25,600 environment steps per run (76,800 for 3 seeds)", estimate.StepsText);
        Assert.Equal(TimeSpan.FromSeconds(12.8), estimate.PerRun);
        Assert.Equal("about 13 s per run, 38 s for 3 seeds one after another, at the 2,000 steps/s that 'new leed' trained at here", estimate.TimeText);
    }

    [Fact]
    public void Estimate_WithoutAFinishedRunAlike_GivesNoTime()
    {
        RunEstimate estimate = RunEstimate.For(10, 8, 64, 1, "m", 20, "leed", [Finished("fewer agents", "leed", "m", 8, 1000, 1, 1)]);

        Assert.Null(estimate.PerRun);
        Assert.StartsWith("no estimate yet", estimate.TimeText);
        Assert.Equal("5,120 environment steps", estimate.StepsText);
    }
}
