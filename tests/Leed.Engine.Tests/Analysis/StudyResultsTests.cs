// A study's statistics against values worked out by hand: final window, intervals, Welch's p, steps and seconds to threshold, normalised score.
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Studies;

namespace Leed.Engine.Tests.Analysis;

public sealed class StudyResultsTests
{
    private const double T2 = 4.302653; // t(0.975, 2): three seeds

    private const string Plan = """
        {"name": "hand", "map": "synthetic-small", "agents": [4], "seeds": [1, 2, 3], "iterations": 20,
         "configs": [{"name": "leed", "algo": "leed"}, {"name": "ippo", "algo": "ippo"}], "reference": "ippo"}
        """;

    /// <summary>
    /// 20 iterations of 100 steps and 1 s each. LEED's seeds climb 1, 2, 3, ... and level off at
    /// 10, 12 and 14; IPPO's at 4, 6 and 8; random stays at -10 and the demonstrations at 20.
    /// </summary>
    private static IReadOnlyList<(StoredStudyCell, ComparedRun?)> Runs(StudyPlan plan, Func<StudyCell, bool>? unfinished = null)
    {
        var finals = new Dictionary<string, double[]>
        {
            ["leed"] = [10, 12, 14], ["ippo"] = [4, 6, 8], ["random"] = [-10, -10, -10], ["demo"] = [20, 20, 20],
        };
        var arrivals = new Dictionary<string, double[]>
        {
            ["leed"] = [0.5, 0.6, 0.7], ["ippo"] = [0.2, 0.2, 0.5], ["random"] = [0, 0, 0], ["demo"] = [1, 1, 1],
        };
        var result = new List<(StoredStudyCell, ComparedRun?)>();
        foreach (StudyCell cell in plan.Cells())
        {
            var stored = new StoredStudyCell { Key = cell.Key, Config = cell.Config, Agents = cell.Agents, Corruption = cell.Corruption.Label, Seed = cell.Seed, RunId = cell.Key };
            double final = finals[cell.Config][cell.Seed - 1], arrival = arrivals[cell.Config][cell.Seed - 1];
            bool climbs = cell.Config is "leed" or "ippo";
            MetricRecord[] rows = [.. Enumerable.Range(1, 20).Select(k => new MetricRecord(k, 100L * k, k, new Dictionary<string, double>
            {
                [MetricNames.EpisodicReturn] = climbs ? Math.Min(k, final) : final,
                [MetricNames.ArrivalRate] = arrival,
            }))];
            var run = new RunRecord { Id = cell.Key, Spec = new RunSpec { Algorithm = plan.Config(cell.Config)!.Algorithm.Name, Seed = cell.Seed },
                Status = unfinished?.Invoke(cell) == true ? RunStatus.Running : RunStatus.Completed };
            result.Add((stored, new ComparedRun(run, rows)));
        }
        return result;
    }

    private static StudyPlan Read(string json) => StudyPlanReader.Read(json, "hand.json", catalog: null);

    private static StudyGroupResult Group(StudySummary summary, string config) => summary.Groups.Single(group => group.Config == config);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(9, 1)]
    [InlineData(10, 1)]
    [InlineData(11, 2)]
    [InlineData(20, 2)]
    [InlineData(100, 10)]
    public void FinalWindow_IsTenPercentOfTheIterations_RoundedUp_AtLeastOne(int iterations, int window) =>
        Assert.Equal(window, StudyResults.FinalWindow(iterations));

    [Fact]
    public void FinalReturn_IsTheMeanOverTheLastTenPercent_WithMeanSdAndStudentTInterval()
    {
        StudyPlan plan = Read(Plan);
        StudySummary summary = StudyResults.Summarize("s1", plan, Runs(plan));

        // The last 2 of 20 iterations: 10, 12, 14. Mean 12, s = 2, half-width t(0.975, 2) * 2 / sqrt(3) = 4.9683.
        SeedStat leed = Group(summary, "leed").FinalReturn!;
        Assert.Equal((12, 2, 3), (leed.Mean, leed.Sd, leed.N));
        Assert.Equal(12 - T2 * 2 / Math.Sqrt(3), leed.Ci95[0], 4);
        Assert.Equal(12 + T2 * 2 / Math.Sqrt(3), leed.Ci95[1], 4);
        Assert.Equal(7.0317, leed.Ci95[0], 4);
        // Arrival 0.5, 0.6, 0.7: mean 0.6, s = 0.1.
        SeedStat arrival = Group(summary, "leed").ArrivalRate!;
        Assert.Equal(0.6, arrival.Mean, 12);
        Assert.Equal(0.1, arrival.Sd, 12);
        Assert.Equal(2, summary.FinalWindow);
    }

    [Fact]
    public void PValue_IsWelchsTwoSidedTestAgainstTheReferenceGroup()
    {
        StudyPlan plan = Read(Plan);
        StudySummary summary = StudyResults.Summarize("s1", plan, Runs(plan));

        // LEED 10, 12, 14 against IPPO 4, 6, 8: difference 6, standard error sqrt(4/3 + 4/3), t = 3.6742 with
        // 4 degrees of freedom; for 4 df, P(T <= t) = 1/2 + 3/4 x (1 - x^2/3) with x = t / sqrt(t^2 + 4), so p = 0.0213116.
        Assert.Equal(0.0213116, Group(summary, "leed").PValueVsReference!.Value, 6);
        Assert.Equal("ippo", Group(summary, "leed").Reference);
        // The reference group is not tested against itself.
        Assert.Null(Group(summary, "ippo").PValueVsReference);
        Assert.Null(Group(summary, "ippo").Reference);
    }

    [Fact]
    public void NormalisedScore_IsZeroAtRandomAndOneAtTheDemonstrations()
    {
        StudyPlan plan = Read(Plan);
        StudySummary summary = StudyResults.Summarize("s1", plan, Runs(plan));

        // (12 - (-10)) / (20 - (-10)) = 22/30; IPPO (6 + 10) / 30.
        Assert.Equal(22.0 / 30, Group(summary, "leed").NormalisedScore!.Value, 12);
        Assert.Equal(16.0 / 30, Group(summary, "ippo").NormalisedScore!.Value, 12);
        Assert.Equal(0, Group(summary, "random").NormalisedScore!.Value, 12);
        Assert.Equal(1, Group(summary, "demo").NormalisedScore!.Value, 12);
    }

    [Fact]
    public void StepsToThreshold_DefaultsToTheBestBaselinesFinal_ReadOnTheSeedMeanOfTrailingMeans()
    {
        StudyPlan plan = Read(Plan);
        StudySummary summary = StudyResults.Summarize("s1", plan, Runs(plan));

        // The only baseline is IPPO, final mean 6. LEED's seeds all read 1, 2, ..., k up to k = 10, so their
        // 5-iteration trailing mean is k - 2 from k = 5 on: it reaches 6 at iteration 8, step 800, 8 s.
        StudyGroupResult leed = Group(summary, "leed");
        Assert.Equal(6, leed.Threshold);
        Assert.Equal(800, leed.StepsToThreshold);
        Assert.Equal(8, leed.WallSecondsToThreshold);
        // IPPO's seeds level off at 4, 6 and 8; their trailing means average (4 + 6 + 8) / 3 = 6 first at iteration 12
        // (at 11: (4 + 6 + 7.8) / 3 = 5.93).
        Assert.Equal(1200, Group(summary, "ippo").StepsToThreshold);
        // Random never gets there.
        Assert.Null(Group(summary, "random").StepsToThreshold);
    }

    [Fact]
    public void AFixedThreshold_FromThePlan_ReplacesTheBaselines()
    {
        StudyPlan plan = Read(Plan.Replace("\"reference\": \"ippo\"", "\"reference\": \"ippo\", \"threshold\": 11"));
        StudySummary summary = StudyResults.Summarize("s1", plan, Runs(plan));

        // At iteration 14 the seeds' trailing means are 10, 11.4 and 12: mean 11.13 >= 11 (at 13: 10.53).
        Assert.Equal(11, Group(summary, "leed").Threshold);
        Assert.Equal(1400, Group(summary, "leed").StepsToThreshold);
        Assert.Null(Group(summary, "ippo").StepsToThreshold);
    }

    [Fact]
    public void RunsThatHaveNotCompleted_AreLeftOutOfTheStatistics()
    {
        StudyPlan plan = Read(Plan);
        StudySummary summary = StudyResults.Summarize("s1", plan, Runs(plan, cell => cell.Config == "leed" && cell.Seed == 3));

        StudyGroupResult leed = Group(summary, "leed");
        Assert.Equal((2, 3), (leed.Runs, leed.Cells));
        Assert.Equal(11, leed.FinalReturn!.Mean);
    }

    [Fact]
    public void TrailingMean_AveragesUpToTheWindowOfValuesEndingAtEachPoint()
    {
        Assert.Equal([1, 1.5, 2, 3, 4], SeedStatistics.TrailingMean([1, 2, 3, 4, 5], 3));
        Assert.Equal([2, 4], SeedStatistics.TrailingMean([2, 4], 1));
        Assert.Empty(SeedStatistics.TrailingMean([], 5));
    }
}
