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

    [Theory]
    [InlineData("leed sweep", "LastReturn", "50", "leed sweep", RunMetric.LastReturn, 50.0)]
    [InlineData("\"[(.*+?^$|\\", "steps", "-1.5e3", "\"[(.*+?^$|\\", RunMetric.Steps, -1500.0)] // any text; metric names ignore case
    [InlineData("städte 東京 🚗", null, null, "städte 東京 🚗", RunMetric.BestReturn, null)]
    [InlineData(null, "7", "NaN", null, RunMetric.BestReturn, null)]          // a number is not a metric name; NaN is no threshold
    [InlineData("", "Nonsense", "Infinity", null, RunMetric.BestReturn, null)]
    [InlineData(null, "Progress", "1,5", null, RunMetric.Progress, null)]      // a comma is not the decimal point of an address
    [InlineData(null, "", "abc", null, RunMetric.BestReturn, null)]
    public void AnAddress_GivesTheFiltersItNames_AndIgnoresWhatTheTableCouldNotHaveWritten(
        string? q, string? metric, string? min, string? search, RunMetric expectedMetric, double? minimum)
    {
        Assert.Equal(new RunFilterState(search, expectedMetric, minimum), RunFilterState.Parse(q, metric, min));
    }

    [Fact]
    public void ASearchLongerThanTheBoxTakes_IsIgnored_AndOneAtTheLimitKept()
    {
        string limit = new('x', RunFilterState.MaxSearchLength);
        Assert.Equal(limit, RunFilterState.Parse(limit, null, null).Search);
        Assert.Null(RunFilterState.Parse(limit + "x", null, null).Search);
    }

    [Theory]
    [InlineData(50.0)]
    [InlineData(-1234.5678)]
    [InlineData(0.1)]
    [InlineData(1e-7)]
    public void TheFilters_SurviveTheirAddressUnchanged(double minimum)
    {
        var state = new RunFilterState("ippo «quoted» [x]", RunMetric.LastReturn, minimum);
        Assert.Equal(state, RunFilterState.Parse(state.Query, state.MetricName, state.MinimumText));
        Assert.Equal(RunFilterState.None, RunFilterState.Parse(RunFilterState.None.Query, RunFilterState.None.MetricName, RunFilterState.None.MinimumText));
        Assert.Null(RunFilterState.None.MetricName); // the default metric is not written
    }
}
