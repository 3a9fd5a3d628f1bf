// The CSV export, character for character: columns, invariant numbers, empty missing values, and quoting that survives commas and quotes.
using Leed.Dashboard.Compare;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Tests.Compare;

public sealed class CompareCsvTests
{
    private static ComparedRun Run(string id, string name, string? group, string algorithm, int seed, params MetricRecord[] rows) =>
        new(new RunRecord { Id = id, Spec = new RunSpec { Name = name, Group = group, Algorithm = algorithm, Seed = seed } }, rows);

    private static MetricRecord Row(int iteration, long step, double wall, params (string Name, double Value)[] values) =>
        new(iteration, step, wall, values.ToDictionary(pair => pair.Name, pair => pair.Value));

    [Fact]
    public void Long_HasOneRowPerRunAndIteration_QuotesNamesWithCommasOrQuotes_AndLeavesMissingValuesEmpty()
    {
        ComparedRun[] runs =
        [
            Run("r1", "leed, city 6x6", "sweep", "leed", 1,
                Row(1, 100, 1.5, (MetricNames.EpisodicReturn, 2.25)),
                Row(2, 200, 3, (MetricNames.ArrivalRate, 0.5))),
            Run("r2", "the \"fast\" one", null, "ippo", 2,
                Row(1, 100, 0.75, (MetricNames.EpisodicReturn, -1e-7))),
        ];

        string csv = CompareCsv.Long(runs, MetricNames.EpisodicReturn);

        Assert.Equal(
            "run_id,run_name,group,algorithm,seed,iteration,global_step,wall_seconds,charts/episodic_return\n"
            + "r1,\"leed, city 6x6\",sweep,leed,1,1,100,1.5,2.25\n"
            + "r1,\"leed, city 6x6\",sweep,leed,1,2,200,3,\n"
            + "r2,\"the \"\"fast\"\" one\",,ippo,2,1,100,0.75,-1E-07\n",
            csv);
    }

    [Fact]
    public void Wide_HasEveryMetricOfEveryRunAsAColumn_InTheTrainersOrder()
    {
        ComparedRun[] runs =
        [
            Run("r1", "a", null, "leed", 1, Row(1, 100, 1, (MetricNames.ArrivalRate, 0.25), (MetricNames.EpisodicReturn, 3))),
            Run("r2", "b", null, "bc", 1, Row(1, 100, 1, ("losses/expert_loss", 0.125))),
        ];

        string csv = CompareCsv.Wide(runs);

        Assert.Equal(
            "run_id,run_name,group,algorithm,seed,iteration,global_step,wall_seconds,charts/episodic_return,charts/arrival_rate,losses/expert_loss\n"
            + "r1,a,,leed,1,1,100,1,3,0.25,\n"
            + "r2,b,,bc,1,1,100,1,,,0.125\n",
            csv);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Field_QuotesOnlyWhatNeedsIt(string text, string expected) => Assert.Equal(expected, CompareCsv.Field(text));
}
