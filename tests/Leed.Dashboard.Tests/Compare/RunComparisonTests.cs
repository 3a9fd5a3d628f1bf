// Building a comparison: runs become curves, seeds become groups, and the summary table's numbers are the ones worked out by hand.
using Leed.Dashboard.Compare;
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Tests.Compare;

public sealed class RunComparisonTests
{
    private const double T2 = 4.302653; // t(0.975, 2): three seeds

    [Fact]
    public void FinalReturn_IsTheMeanOfTheLastFiveIterationsThatHaveAReturn()
    {
        // Iteration 8 finished no episode, so the last five returns are those of iterations 3 to 7.
        ComparedRun run = CompareRuns.Compared("r", "run", [1, 2, 3, 4, 5, 6, 7, null]);

        Assert.Equal(5, RunComparison.FinalValue(run, MetricNames.EpisodicReturn));
    }

    [Fact]
    public void FinalReturn_OfARunWithFewerThanFiveReturns_AveragesWhatThereIs_AndIsEmptyWithNone()
    {
        Assert.Equal(3, RunComparison.FinalValue(CompareRuns.Compared("a", "a", [2, 4]), MetricNames.EpisodicReturn));
        Assert.Null(RunComparison.FinalValue(CompareRuns.Compared("b", "b", [null, null]), MetricNames.EpisodicReturn));
    }

    [Fact]
    public void StepsToThreshold_IsTheFirstStepWhereTheCurveReachesIt()
    {
        // Steps 100..400, returns 0, 5, 3, 8: the raw curve first reaches 5 at step 200 (20 s).
        ComparedRun run = CompareRuns.Compared("r", "run", [0, 5, 3, 8]);

        SummaryRow row = Assert.Single(RunComparison.Build([run], new CompareOptions(Threshold: 5)).RunRows);

        Assert.Equal(new ThresholdReached(200, 20), row.Threshold);
    }

    [Fact]
    public void StepsToThreshold_IsMeasuredOnTheSmoothedCurve()
    {
        // Debiased EMA with weight 0.5 of 0, 5, 3, 8: 0, 3.33, 3.14, 5.73, so 5 is reached only at step 400.
        ComparedRun run = CompareRuns.Compared("r", "run", [0, 5, 3, 8]);

        SummaryRow row = Assert.Single(RunComparison.Build([run], new CompareOptions(Threshold: 5, Smoothing: CompareChart.Smoothing(0.5))).RunRows);

        Assert.Equal(new ThresholdReached(400, 40), row.Threshold);
    }

    [Fact]
    public void StepsToThreshold_NeverReached_IsEmpty_AndWithoutAThresholdThereIsNoAnswerAtAll()
    {
        ComparedRun run = CompareRuns.Compared("r", "run", [0, 5, 3, 8]);

        Assert.Equal(new ThresholdReached(null, null), RunComparison.Build([run], new CompareOptions(Threshold: 9)).RunRows[0].Threshold);
        Assert.Null(RunComparison.Build([run], new CompareOptions()).RunRows[0].Threshold);
    }

    [Fact]
    public void AGroupOfThreeSeeds_HasOneMeanCurveWithItsBand_AndASummaryOverItsSeeds()
    {
        ComparedRun[] seeds =
        [
            CompareRuns.Compared("s1", "leed s1", [1, 2, 4], group: "leed-sweep", seed: 1, arrivals: [0.2, 0.4, 0.5]),
            CompareRuns.Compared("s2", "leed s2", [3, 4, 5], group: "leed-sweep", seed: 2, arrivals: [0.2, 0.4, 0.6]),
            CompareRuns.Compared("s3", "leed s3", [5, 6, 9], group: "leed-sweep", seed: 3, arrivals: [0.2, 0.4, 0.7]),
        ];

        Comparison comparison = RunComparison.Build(seeds, new CompareOptions(Threshold: 4));

        GroupCurve curve = Assert.Single(comparison.GroupCurves);
        Assert.Equal([100, 200, 300], curve.Band.X);
        Assert.Equal([3, 4, 6], curve.Band.Mean);
        SummaryRow group = Assert.Single(comparison.GroupRows);
        Assert.Equal("leed (dynamic) · grid-6x6 · 20 agents · seeds 1–3", group.Name); // what ran, not the group's generated name
        Assert.Equal("1, 2, 3", group.Seeds);
        Assert.Equal(3, group.SeedCount);
        // Final returns 7/3, 4 and 20/3 (each seed's mean of its three returns): mean 13/3.
        double[] finals = [7 / 3.0, 4, 20 / 3.0];
        double s = Math.Sqrt(finals.Sum(f => (f - 13 / 3.0) * (f - 13 / 3.0)) / 2);
        Assert.Equal(13 / 3.0, group.FinalReturn!.Value, 9);
        Assert.Equal(T2 * s / Math.Sqrt(3), group.FinalReturnMargin!.Value, 5);
        Assert.Equal(0.4, group.FinalArrivalRate!.Value, 9); // mean of 11/30, 12/30, 13/30
        Assert.Equal(200, group.Threshold!.Steps);           // the mean curve is 3, 4, 6
        Assert.Equal(30, group.WallSeconds);
        Assert.Equal("planner, no LLM", group.Demonstrations);
    }

    [Fact]
    public void RunsWithoutAGroup_StandAlone_AndGroupsKeepTheOrderOfTheirFirstRun()
    {
        ComparedRun[] runs =
        [
            CompareRuns.Compared("solo", "ippo baseline", [1], algorithm: "ippo"),
            CompareRuns.Compared("a1", "a s1", [1], group: "a", seed: 1),
            CompareRuns.Compared("a2", "a s2", [1], group: "a", seed: 2),
        ];

        IReadOnlyList<RunGroup> groups = RunComparison.GroupRuns(runs);

        Assert.Equal(["ippo baseline", "leed (dynamic) · grid-6x6 · 20 agents · seeds 1, 2"], groups.Select(group => group.Name));
        Assert.Equal([1, 2], groups.Select(group => group.Runs.Count));
    }

    [Fact]
    public void Smoothing_IsAppliedToEachSeedBeforeTheyAreAveraged()
    {
        ComparedRun[] seeds =
        [
            CompareRuns.Compared("s1", "s1", [0, 4], group: "g", seed: 1),
            CompareRuns.Compared("s2", "s2", [2, 8], group: "g", seed: 2),
        ];

        Comparison comparison = RunComparison.Build(seeds, new CompareOptions(Smoothing: CompareChart.Smoothing(0.5)));

        // Debiased EMA (0.5): seed 1 gives 0, 8/3; seed 2 gives 2, 6. The mean is 1, 13/3.
        double[] mean = comparison.GroupCurves[0].Band.Mean;
        Assert.Equal(1, mean[0], 12);
        Assert.Equal(13 / 3.0, mean[1], 12);
        Assert.Equal([0, 4], comparison.Runs[0].Raw.Y);
    }

    [Fact]
    public void TheWallTimeAxis_PlotsAgainstSecondsOfTraining()
    {
        ComparedRun run = CompareRuns.Compared("r", "run", [1, 2]);

        Comparison comparison = RunComparison.Build([run], new CompareOptions(Axis: CompareAxis.WallSeconds));

        Assert.Equal([10, 20], comparison.Runs[0].Raw.X);
    }

    [Fact]
    public void MetricNames_ListTheTrainersMetricsFirst_ThenAgentsInNumberOrder()
    {
        var values = new Dictionary<string, double>
        {
            ["agents/return/Agent_10"] = 1, ["agents/return/Agent_2"] = 1, ["losses/policy_loss"] = 1,
            [MetricNames.ArrivalRate] = 1, [MetricNames.EpisodicReturn] = 1,
        };
        var run = new ComparedRun(new RunRecord { Id = "r" }, [new MetricRecord(1, 100, 1, values)]);

        Assert.Equal(
            [MetricNames.EpisodicReturn, MetricNames.ArrivalRate, "losses/policy_loss", "agents/return/Agent_2", "agents/return/Agent_10"],
            RunComparison.MetricNamesOf([run]));
    }

    [Fact]
    public void ARunResumedFromACheckpoint_FollowsTheTimelineItContinued()
    {
        // Checkpoint after iteration 1; iterations 2 and 3 were lost in a crash at 30 s; the resumed run redid 2 at 35 s.
        MetricRecord[] rows =
        [
            Row(1, 10, 1), Row(2, 20, 2), Row(3, 30, 3), Row(2, 35, 7),
        ];

        var run = new ComparedRun(new RunRecord { Id = "r", WallSeconds = 35 }, rows);

        Assert.Equal([1, 2], run.Iterations.Select(row => row.Iteration));
        Assert.Equal([1, 7], run.Series(MetricNames.EpisodicReturn, CompareAxis.GlobalStep).Y);
        Assert.Equal(35, run.WallSeconds);

        static MetricRecord Row(int iteration, double wall, double value) =>
            new(iteration, 100L * iteration, wall, new Dictionary<string, double> { [MetricNames.EpisodicReturn] = value });
    }

    [Fact]
    public void ARunsDemonstrationsLabel_IsTheOneRecordedWhenItTrained_OrWhatItsConfigurationSays()
    {
        (RunRecord recorded, MetricRecord[] none) = CompareRuns.Make("a", "a", [], demonstrations: "LLM gpt-4o at api.openai.com (set 3 v2)");
        (RunRecord unrecorded, _) = CompareRuns.Make("b", "b", [], demonstrations: null, algorithm: "ippo");

        Assert.Equal("LLM gpt-4o at api.openai.com (set 3 v2)", new ComparedRun(recorded, none).Demonstrations);
        Assert.Equal("none", new ComparedRun(unrecorded, none).Demonstrations);
    }
}
