// The run table's filter and tag rules as pure functions.
using Leed.Components.Runs;
using Leed.Components.Views;

namespace Leed.Components.Tests.Runs;

public sealed class RunFilterTests
{
    private static readonly RunRow Row = new("run-7", "Orlando LEED", "LEED", "city96", 100, "gpt-4o", 42,
        RunStatus.Running, 0.25, 61.5, -3, 250_000, TimeSpan.FromHours(1), ["paper"], "", "sweep-b",
        DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(RunMetric.BestReturn, 61.5, true)]
    [InlineData(RunMetric.BestReturn, 61.6, false)]
    [InlineData(RunMetric.LastReturn, -3, true)]
    [InlineData(RunMetric.LastReturn, 0, false)]
    [InlineData(RunMetric.Progress, 0.3, false)]
    [InlineData(RunMetric.Steps, 250_000, true)]
    public void AMinimum_KeepsRunsAtOrAboveIt(RunMetric metric, double minimum, bool shown)
    {
        Assert.Equal(shown, RunFilter.Matches(Row, null, metric, minimum));
    }

    [Theory]
    [InlineData("GPT-4O", true)]
    [InlineData("running", true)]
    [InlineData("42 city96", true)]
    [InlineData("42 city48", false)]
    [InlineData("   ", true)]
    public void Text_MatchesWhenEveryWordIsInSomeColumn(string text, bool shown)
    {
        Assert.Equal(shown, RunFilter.Matches(Row, text));
    }

    [Theory]
    [InlineData("a, b ,a,,  c ", new[] { "a", "b", "c" })]
    [InlineData("", new string[0])]
    [InlineData(" X , x ", new[] { "X" })]
    public void TagText_IsSplitOnCommas_TrimmedAndWithoutRepeats(string text, string[] tags)
    {
        Assert.Equal(tags, TagText.Parse(text));
    }
}
