// Which demonstration steps the expert loss learns from, and the paths and returns the dynamic weight compares.
using Leed.Engine.Env;
using Leed.Engine.Learning;

namespace Leed.Engine.Tests.Learning;

[Collection(TorchCollection.Name)]
public sealed class PreparedDemonstrationsTests
{
    private static ObservationLayout Layout => new(new EnvConfig().PatchSize);

    [Fact]
    public void WaitingSteps_AreLeftOut_DrivingStepsAreKept()
    {
        Scenario scenario = LearningFixtures.Small;
        ExpertDataset demos = LearningFixtures.SmallDemos;
        using PreparedDemonstrations prepared = PreparedDemonstrations.From(demos, scenario, Layout);

        for (int i = 0; i < scenario.AgentCount; i++)
        {
            ExpertTrajectory trajectory = demos.Agents[i];
            int waiting = trajectory.Cells.Count(cell => cell < 0);
            Assert.True(prepared.Usable[i]);
            Assert.Equal(trajectory.Steps - waiting, prepared.StepCounts[i]);
            Assert.InRange(prepared.DrivingActions[i].Length, 1, trajectory.Steps - waiting); // retries of blocked moves are left out
        }
    }

    [Fact]
    public void Paths_RunFromOriginToDestination_AndReturnsAreTheDemonstrations()
    {
        Scenario scenario = LearningFixtures.Small;
        using PreparedDemonstrations prepared = PreparedDemonstrations.From(LearningFixtures.SmallDemos, scenario, Layout);

        for (int i = 0; i < scenario.AgentCount; i++)
        {
            Assert.Equal(scenario.Agents[i].Origin, prepared.Paths[i][0]);
            Assert.Equal(scenario.Agents[i].Destination, prepared.Paths[i][^1]);
            Assert.Equal(LearningFixtures.SmallDemos.Agents[i].Return, prepared.Returns[i]);
        }
    }

    [Fact]
    public void PathFromObservations_MatchesTheRecordedCells()
    {
        // Demonstrations from other sources may lack cells; the path is then read from the position scalars.
        ExpertTrajectory trajectory = LearningFixtures.SmallDemos.Agents[1];
        ObservationLayout layout = Layout;
        var map = LearningFixtures.Small.Map;

        for (int k = 0; k < trajectory.Steps; k++)
        {
            if (trajectory.Cells[k] < 0) continue;
            int cell = PreparedDemonstrations.CellFromObservation(trajectory.Observations.AsSpan(k * layout.Size, layout.Size), layout, map.Width, map.Height);
            Assert.Equal(trajectory.Cells[k], cell);
        }
    }

    [Fact]
    public void InvalidOrEmptyDemonstrations_AreNotUsable_AndWrongSizesAreRefused()
    {
        ExpertTrajectory[] agents = [.. LearningFixtures.SmallDemos.Agents];
        agents[0] = new ExpertTrajectory(0, agents[0].ObservationSize, agents[0].Observations, agents[0].Actions, agents[0].Rewards, agents[0].Dones,
            valid: false, arrived: true, agents[0].Cells);
        agents[3] = new ExpertTrajectory(3, agents[3].ObservationSize, [], [], [], [], valid: true, arrived: false);
        using PreparedDemonstrations prepared = PreparedDemonstrations.From(new ExpertDataset(agents, "test"), LearningFixtures.Small, Layout);

        Assert.Equal([false, true, true, false], prepared.Usable);
        Assert.Equal(2, prepared.UsableAgents);

        var wrongSize = new ExpertTrajectory(1, 7, new float[7], [0], [0f], [false], valid: true, arrived: false);
        ArgumentException error = Assert.Throws<ArgumentException>(() =>
            PreparedDemonstrations.From(new ExpertDataset([agents[0], wrongSize, agents[2], agents[3]], "test"), LearningFixtures.Small, Layout));
        Assert.Contains("observations of 7 floats", error.Message);
    }
}
