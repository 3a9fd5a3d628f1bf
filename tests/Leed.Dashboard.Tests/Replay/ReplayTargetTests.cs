// The side-by-side replay's link: RUN or RUN@ITERATION per side, malformed values refused by name, and which episodes share a scenario.
using Leed.Dashboard.Replay;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Tests.Replay;

public sealed class ReplayTargetTests
{
    [Theory]
    [InlineData("20261201-101500-abc123", "20261201-101500-abc123", null)]
    [InlineData("20261201-101500-abc123@120", "20261201-101500-abc123", 120)]
    [InlineData(" run@7 ", "run", 7)]
    [InlineData("run@", "run", null)]
    public void Parse_ReadsARunAndAnOptionalIteration(string text, string run, int? iteration)
    {
        ReplayTarget? target = ReplayTarget.Parse(text, "left", out string? problem);

        Assert.Null(problem);
        Assert.Equal(new ReplayTarget(run, iteration), target);
    }

    [Theory]
    [InlineData("run@x")]
    [InlineData("run@0")]
    [InlineData("run@-3")]
    [InlineData("@12")]
    public void Parse_AMalformedSide_IsRefusedNamingTheSideAndTheForm(string text)
    {
        Assert.Null(ReplayTarget.Parse(text, "right", out string? problem));
        Assert.StartsWith($"right={text.Trim()}: write RUN or RUN@ITERATION", problem);
    }

    [Fact]
    public void Parse_NothingGiven_IsNoSide()
    {
        Assert.Null(ReplayTarget.Parse("  ", "left", out string? problem));
        Assert.Null(problem);
    }

    [Fact]
    public void Link_WritesBothSides_AndLeavesOutAMissingOne()
    {
        Assert.Equal("replay?left=a%4012&right=b", ReplayTarget.Link(new("a", 12), new("b", null)));
        Assert.Equal("replay?right=b%403", ReplayTarget.Link(null, new("b", 3)));
        Assert.Equal("replay", ReplayTarget.Link(null, null));
    }

    private static RunRecord Run(string name, string map = "synthetic-small", int scenarioSeed = 2) =>
        new() { Id = name, Spec = new RunSpec { Name = name, Map = map, ScenarioSeed = scenarioSeed } };

    private static EpisodeSnapshot Episode(string? key, params int[] destinations) =>
        new(1, [new int[destinations.Length]], [new byte[destinations.Length]], destinations) { ScenarioKey = key };

    [Fact]
    public void Mismatch_ComparesScenarioKeys_WhenBothEpisodesHaveThem()
    {
        Assert.Null(ReplayScenario.Mismatch(Run("a"), Episode("k1", 5, 6), Run("b"), Episode("k1", 5, 6)));

        string? mismatch = ReplayScenario.Mismatch(Run("a"), Episode("k1", 5, 6), Run("b", scenarioSeed: 9), Episode("k2", 5, 7));

        Assert.StartsWith("These runs are on different scenarios: 'a' on synthetic-small with 2 agents (scenario seed 2) on the left, "
            + "'b' on synthetic-small with 2 agents (scenario seed 9) on the right.", mismatch);
    }

    [Fact]
    public void Mismatch_ForEpisodesRecordedBeforeKeys_ComparesTheMapAndTheDestinations()
    {
        Assert.Null(ReplayScenario.Mismatch(Run("a"), Episode(null, 5, 6), Run("b"), Episode("k", 5, 6)));
        Assert.NotNull(ReplayScenario.Mismatch(Run("a"), Episode(null, 5, 6), Run("b"), Episode(null, 6, 5)));
        Assert.NotNull(ReplayScenario.Mismatch(Run("a"), Episode(null, 5, 6), Run("b", map: "other"), Episode(null, 5, 6)));
    }
}
