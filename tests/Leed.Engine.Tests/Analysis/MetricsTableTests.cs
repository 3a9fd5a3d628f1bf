// The one CSV dialect, character for character: columns named by MetricNames, invariant numbers, empty missing values, RFC 4180 quoting, and no formulas.
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Engine.Tests.Analysis;

public sealed class MetricsTableTests
{
    private static ComparedRun Run(string id, string name, string? group, string algorithm, int seed, params MetricRecord[] rows) =>
        new(new RunRecord { Id = id, Spec = new RunSpec { Name = name, Group = group, Algorithm = algorithm, Seed = seed } }, rows);

    private static MetricRecord Row(int iteration, long step, double wall, params (string Name, double Value)[] values) =>
        new(iteration, step, wall, values.ToDictionary(pair => pair.Name, pair => pair.Value));

    [Fact]
    public void ForRuns_OneMetric_HasOneRowPerRunAndIteration_QuotesNamesWithCommasOrQuotes_AndLeavesMissingValuesEmpty()
    {
        ComparedRun[] runs =
        [
            Run("r1", "leed, city 6x6", "sweep", "leed", 1,
                Row(1, 100, 1.5, (MetricNames.EpisodicReturn, 2.25)),
                Row(2, 200, 3, (MetricNames.ArrivalRate, 0.5))),
            Run("r2", "the \"fast\" one", null, "ippo", 2,
                Row(1, 100, 0.75, (MetricNames.EpisodicReturn, -1e-7))),
        ];

        string csv = MetricsTable.ForRuns(runs, [MetricNames.EpisodicReturn]);

        Assert.Equal(
            "runId,runName,group,algorithm,seed,iteration,globalStep,wallSeconds,charts/episodic_return\n"
            + "r1,\"leed, city 6x6\",sweep,leed,1,1,100,1.5,2.25\n"
            + "r1,\"leed, city 6x6\",sweep,leed,1,2,200,3,\n"
            + "r2,\"the \"\"fast\"\" one\",,ippo,2,1,100,0.75,-1E-07\n",
            csv);
    }

    [Fact]
    public void ForRuns_EveryMetric_IsAColumn_InTheOrderGiven()
    {
        ComparedRun[] runs =
        [
            Run("r1", "a", null, "leed", 1, Row(1, 100, 1, (MetricNames.ArrivalRate, 0.25), (MetricNames.EpisodicReturn, 3))),
            Run("r2", "b", null, "bc", 1, Row(1, 100, 1, (MetricNames.ExpertLoss, 0.125))),
        ];

        string csv = MetricsTable.ForRuns(runs, RunComparison.MetricNamesOf(runs));

        Assert.Equal(
            "runId,runName,group,algorithm,seed,iteration,globalStep,wallSeconds,charts/episodic_return,charts/arrival_rate,losses/expert_loss\n"
            + "r1,a,,leed,1,1,100,1,3,0.25,\n"
            + "r2,b,,bc,1,1,100,1,,,0.125\n",
            csv);
    }

    [Fact]
    public void ARunsTable_HasIterationGlobalStepAndEveryMetricName_AndTheSameColumnsAsItsJsonLine()
    {
        var table = new MetricsTable(agents: 2);
        var metrics = new IterationMetrics(3, 768, new Dictionary<string, double>
        {
            [MetricNames.EpisodicReturn] = -12.5, [MetricNames.AgentWeight(1)] = 0.25, [MetricNames.ValueLoss] = double.NaN,
        });

        Assert.Equal(string.Join(',', ["iteration", "globalStep", .. MetricNames.All(2)]), table.CsvHeader);
        string[] cells = table.CsvRow(metrics).Split(',');
        Assert.Equal(table.Columns.Count, cells.Length);
        Assert.Equal(("3", "768", "-12.5", "0.25", ""), (cells[0], cells[1], cells[2], cells[^1], cells[table.Columns.ToList().IndexOf(MetricNames.ValueLoss)]));
        Assert.Equal(table.Columns, table.Row(metrics).Keys);
        Assert.Null(table.Row(metrics)[MetricNames.ValueLoss]);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Text_QuotesOnlyWhatNeedsIt(string text, string expected) => Assert.Equal(expected, CsvCell.Text(text).ToString());

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\",\"run\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"run\"\")\"")]
    [InlineData("+1+1", "'+1+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\rcmd", "\"'\rcmd\"")]
    [InlineData("a=b", "a=b")]
    public void Text_ThatASpreadsheetWouldRun_IsNeutralisedWithALeadingQuote(string text, string expected) =>
        Assert.Equal(expected, CsvCell.Text(text).ToString());

    [Theory]
    [InlineData(-1.5, "-1.5")]
    [InlineData(-1e-7, "-1E-07")]
    [InlineData(0.1, "0.1")]
    [InlineData(double.NaN, "")]
    [InlineData(double.NegativeInfinity, "")]
    public void Numbers_AreNeverNeutralised_AndNonFiniteOnesAreEmpty(double value, string expected) =>
        Assert.Equal(expected, CsvCell.Number(value).ToString());

    [Fact]
    public void ARunNamedLikeAFormula_IsExportedAsText_WhileItsNegativeReturnStaysANumber()
    {
        ComparedRun[] runs = [Run("r1", "=1+2", "-grp", "leed", 1, Row(1, 100, 1, (MetricNames.EpisodicReturn, -40)))];

        string[] cells = MetricsTable.ForRuns(runs, [MetricNames.EpisodicReturn]).Split('\n')[1].Split(',');

        Assert.Equal(("'=1+2", "'-grp", "-40"), (cells[1], cells[2], cells[^1]));
    }

    [Fact]
    public void ARow_WithTheWrongNumberOfKeys_IsRefused()
    {
        var table = new MetricsTable(["config", "seed"], [MetricNames.EpisodicReturn]);
        Assert.Throws<ArgumentException>(() => table.CsvRow(new IterationMetrics(1, 1, new Dictionary<string, double>()), "only-config"));
    }
}
