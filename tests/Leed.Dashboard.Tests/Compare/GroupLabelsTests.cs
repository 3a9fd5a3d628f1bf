// Group names a reader understands: configuration and seeds, told apart by demonstrations or the group's own name only when needed.
using Leed.Engine.Analysis;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Tests.Compare;

public sealed class GroupLabelsTests
{
    [Theory]
    [InlineData(new[] { 4 }, "seed 4")]
    [InlineData(new[] { 3, 1, 2 }, "seeds 1–3")]
    [InlineData(new[] { 1, 2 }, "seeds 1, 2")]
    [InlineData(new[] { 1, 2, 5 }, "seeds 1, 2, 5")]
    public void Seeds_ReadAsARangeWhenConsecutive(int[] seeds, string expected) => Assert.Equal(expected, GroupLabels.Seeds(seeds));

    private static RunRecord Run(string algorithm, string group, int seed, string? demonstrations = null, string weight = "dynamic") => new()
    {
        Id = $"{group}-{seed}",
        ResolvedAgents = 8,
        DemonstrationLabel = demonstrations,
        Spec = new RunSpec { Algorithm = algorithm, Map = "synthetic-small", Agents = 20, Weight = weight, Seed = seed, Group = group },
    };

    [Fact]
    public void Names_SayWhatRanAndTheSeeds_WithTheScheduleOnlyWhereTheAlgorithmUsesOne()
    {
        IReadOnlyList<string> names = GroupLabels.Names([
            ("leed-synthetic-small-8-1201101500", [Run("leed", "g1", 1), Run("leed", "g1", 2), Run("leed", "g1", 3)]),
            ("ippo-synthetic-small-8-1201101502", [Run("ippo", "g2", 1), Run("ippo", "g2", 2)]),
        ]);

        Assert.Equal(["leed (dynamic) · synthetic-small · 8 agents · seeds 1–3", "ippo · synthetic-small · 8 agents · seeds 1, 2"], names);
    }

    [Fact]
    public void Names_ThatWouldReadTheSame_AddTheDemonstrations_ThenTheGroupsOwnName()
    {
        IReadOnlyList<string> names = GroupLabels.Names([
            ("planner", [Run("leed", "p", 1, demonstrations: "planner, no LLM")]),
            ("llm", [Run("leed", "l", 1, demonstrations: "LLM m at host (set 3 v2)")]),
            ("again-a", [Run("ippo", "x", 1)]),
            ("again-b", [Run("ippo", "y", 1)]),
        ]);

        Assert.Equal("leed (dynamic) · synthetic-small · 8 agents · seed 1 · planner, no LLM", names[0]);
        Assert.Equal("leed (dynamic) · synthetic-small · 8 agents · seed 1 · LLM m at host (set 3 v2)", names[1]);
        Assert.Equal("ippo · synthetic-small · 8 agents · seed 1 · none · again-a", names[2]);
        Assert.Equal("ippo · synthetic-small · 8 agents · seed 1 · none · again-b", names[3]);
    }
}
