// A study's figures from its results: one panel per condition with the configurations as lines, one colour per configuration across panels and figures, and one plot for a study of one condition.
using Leed.Components.Views;
using Leed.Dashboard.Studies;
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Studies;

namespace Leed.Dashboard.Tests.Studies;

public sealed class StudyFiguresTests
{
    private static string PlanJson(string corruption) => $$"""
        {"name": "grid", "map": "synthetic-small", "agents": [4], "seeds": [1, 2], "iterations": 10, "referencePolicies": false,
         "corruption": [{{corruption}}],
         "configs": [{"name": "leed-a", "algo": "leed"}, {"name": "ippo", "algo": "ippo"}, {"name": "leed-b", "algo": "leed", "weight": "dynamic"}]}
        """;

    private const string ThreeLevels = """{"kind": "none", "fraction": 0}, {"kind": "detour", "fraction": 0.5}, {"kind": "drop", "fraction": 0.5}""";

    /// <summary>Every cell completed, with returns that differ by configuration, condition and seed.</summary>
    private static (StudyPlan Plan, StudySummary Summary, IReadOnlyList<StudyCurve> Curves) Results(string corruption)
    {
        StudyPlan plan = StudyPlanReader.Read(PlanJson(corruption), "grid.json", catalog: null);
        var runs = new List<(StoredStudyCell, ComparedRun?)>();
        foreach (StudyCell cell in plan.Cells())
        {
            var stored = new StoredStudyCell { Key = cell.Key, Config = cell.Config, Agents = cell.Agents, Corruption = cell.Corruption.Label, Seed = cell.Seed, RunId = cell.Key };
            double level = cell.Config.Length + 10 * cell.Corruption.Fraction + cell.Seed;
            MetricRecord[] rows = [.. Enumerable.Range(1, 10).Select(k => new MetricRecord(k, 100L * k, k, new Dictionary<string, double>
            {
                [MetricNames.EpisodicReturn] = level + k,
                [MetricNames.ArrivalRate] = 0.5,
            }))];
            var run = new RunRecord { Id = cell.Key, Spec = new RunSpec { Algorithm = plan.Config(cell.Config)!.Algorithm.Name, Seed = cell.Seed }, Status = Leed.Engine.Runs.RunStatus.Completed };
            runs.Add((stored, new ComparedRun(run, rows)));
        }
        (StudySummary summary, IReadOnlyList<StudyCurve> curves) = StudyResults.Compute("s1", plan, runs);
        return (plan, summary, curves);
    }

    [Fact]
    public void Curves_HaveOnePanelPerCondition_WithEveryConfigurationAsALine_AndTheOneWithoutDemonstrationsInEach()
    {
        (StudyPlan plan, StudySummary summary, IReadOnlyList<StudyCurve> curves) = Results(ThreeLevels);

        FigureView figure = StudyFigures.Curves(plan, summary, curves);

        Assert.Equal(["4 agents, none", "4 agents, detour-0.5", "4 agents, drop-0.5"], figure.Panels);
        Assert.Equal([4, 4, 4], figure.PanelScales); // one agent count: one y range
        for (int panel = 0; panel < 3; panel++)
            Assert.Equal(["leed-a (2 seeds)", "ippo (2 seeds)", "leed-b (2 seeds)"], figure.Traces.Where(trace => trace.Panel == panel).Select(trace => trace.Name));
        // IPPO ran once, on the clean level: the same curve in every panel.
        FigureTrace[] ippo = [.. figure.Traces.Where(trace => trace.Name.StartsWith("ippo", StringComparison.Ordinal))];
        Assert.All(ippo, trace => Assert.Equal(ippo[0].Y, trace.Y));
        // LEED's curves differ with the corruption: each panel draws its own condition.
        FigureTrace[] leed = [.. figure.Traces.Where(trace => trace.Name.StartsWith("leed-a", StringComparison.Ordinal))];
        Assert.NotEqual(leed[0].Y, leed[1].Y);
        // Its seeds at 6 + 10 x 0.5 + seed + k; at k = 10 the 5-iteration trailing mean is 8 above the mean level of 12.5.
        Assert.Equal(20.5, leed[1].Y[^1], 9);
    }

    [Fact]
    public void AConfiguration_IsTheSameSeriesInEveryPanelAndFigure()
    {
        (StudyPlan plan, StudySummary summary, IReadOnlyList<StudyCurve> curves) = Results(ThreeLevels);

        FigureView curvesFigure = StudyFigures.Curves(plan, summary, curves), corruption = StudyFigures.FinalVersusCorruption(plan, summary);

        foreach (FigureView figure in new[] { curvesFigure, corruption })
            foreach (var config in figure.Traces.GroupBy(trace => trace.Name.Split(' ')[0]))
                Assert.Equal([plan.Configs.ToList().FindIndex(c => c.Name == config.Key)], config.Select(trace => trace.Series!.Value).Distinct());
    }

    [Fact]
    public void FinalVersusCorruption_HasAPanelPerKind_WithTheCleanLevelAtZero_AndIppoAsAReferenceInEach()
    {
        (StudyPlan plan, StudySummary summary, _) = Results(ThreeLevels);

        FigureView figure = StudyFigures.FinalVersusCorruption(plan, summary);

        Assert.Equal(["4 agents, detour", "4 agents, drop"], figure.Panels);
        FigureTrace detour = figure.Traces.Single(trace => trace.Panel == 0 && trace.Name == "leed-b");
        Assert.Equal([0, 0.5], detour.X);
        Assert.Equal(summary.Find("leed-b", 4, "none")!.FinalReturn!.Mean, detour.Y[0], 9);
        Assert.Equal([FigureTraceKind.Reference, FigureTraceKind.Reference],
            figure.Traces.Where(trace => trace.Name == "ippo (no demonstrations)").Select(trace => trace.Kind));
    }

    [Fact]
    public void AStudyOfOneCondition_IsOnePlot_WithTheConditionInItsTitle()
    {
        (StudyPlan plan, StudySummary summary, IReadOnlyList<StudyCurve> curves) = Results("""{"kind": "none", "fraction": 0}""");

        FigureView figure = StudyFigures.Curves(plan, summary, curves);

        Assert.Empty(figure.Panels);
        Assert.Equal("grid: team return per configuration (4 agents, none)", figure.Title);
        Assert.Equal(3, figure.Traces.Count);
        Assert.All(figure.Traces, trace => Assert.Equal(0, trace.Panel));
    }

    [Fact]
    public void AStudyWithNothingFinished_HasAnEmptyCurvesFigure()
    {
        (StudyPlan plan, StudySummary summary, _) = Results(ThreeLevels);

        FigureView figure = StudyFigures.Curves(plan, summary, []);

        Assert.True(figure.IsEmpty);
        Assert.Empty(figure.Panels);
    }
}
