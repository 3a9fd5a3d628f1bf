// The Compare link: every setting read back as written, defaults left out, whole groups named as groups, bad values named with what to write.
using Leed.Dashboard.Compare;
using Leed.Engine.Analysis;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Tests.Compare;

public sealed class CompareQueryTests
{
    [Fact]
    public void Link_ReadBack_GivesTheSameQuery()
    {
        var query = new CompareQuery(["r1", "r9"], ["sweep"], ["charts/episodic_return", "losses/value_loss"], CompareAxis.WallSeconds, 0.35, true, 0.8);

        string link = query.Link();
        Assert.Equal("compare?runs=r1,r9&groups=sweep&metric=charts/episodic_return,losses/value_loss&axis=time&smoothing=0.35&seeds=grouped&threshold=0.8", link);

        var values = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri("http://x/" + link).Query);
        CompareQuery read = CompareQuery.Parse(values["runs"], values["groups"], values["metric"], values["axis"], values["smoothing"], values["seeds"], values["threshold"],
            out IReadOnlyList<string> problems);
        Assert.Empty(problems);
        Assert.Equal(link, read.Link());
    }

    [Fact]
    public void Link_LeavesOutDefaults_AndEscapesWhatAQueryCannotHold()
    {
        Assert.Equal("compare", CompareQuery.Empty.Link());
        Assert.Equal("compare?runs=a%26b&seeds=separate", (CompareQuery.Empty with { Runs = ["a&b"], ByGroup = false }).Link());
    }

    [Theory]
    [InlineData("sideways", null, null, null, "axis=sideways: write axis=steps")]
    [InlineData(null, "1.5", null, null, "smoothing=1.5: write a number from 0 (raw values) to 0.99.")]
    [InlineData(null, "-0.1", null, null, "smoothing=-0.1: write a number")]
    [InlineData(null, null, "mean", null, "seeds=mean: write seeds=grouped")]
    [InlineData(null, null, null, "high", "threshold=high: write a number")]
    public void Parse_AValueItCannotRead_IsNamedWithWhatToWrite_AndLeftAtItsDefault(string? axis, string? smoothing, string? seeds, string? threshold, string expected)
    {
        CompareQuery query = CompareQuery.Parse("r1", null, null, axis, smoothing, seeds, threshold, out IReadOnlyList<string> problems);

        Assert.StartsWith(expected, Assert.Single(problems));
        Assert.Equal(CompareQuery.Empty with { Runs = ["r1"] }, query with { Runs = ["r1"] }, new QueryComparer());
    }

    private static RunRecord Run(string id, string? group, int seed) => new() { Id = id, Spec = new RunSpec { Name = id, Group = group, Seed = seed } };

    [Fact]
    public void Select_NamesAWhollySelectedGroupAsTheGroup_AndOtherRunsById()
    {
        RunRecord[] all = [Run("a1", "a", 1), Run("a2", "a", 2), Run("b1", "b", 1), Run("b2", "b", 2), Run("solo", null, 1)];

        (IReadOnlyList<string> runs, IReadOnlyList<string> groups) = CompareQuery.Select(["solo", "a1", "a2", "b1"], all);

        Assert.Equal(["solo", "b1"], runs);
        Assert.Equal(["a"], groups);
    }

    private sealed class QueryComparer : IEqualityComparer<CompareQuery>
    {
        public bool Equals(CompareQuery? x, CompareQuery? y) => x?.Link() == y?.Link();
        public int GetHashCode(CompareQuery query) => query.Link().GetHashCode(StringComparison.Ordinal);
    }
}
