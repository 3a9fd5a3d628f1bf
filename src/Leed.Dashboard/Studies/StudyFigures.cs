// A study's figures as view records: curves with bands per group, final return against the corruption level, and against the agent count.
using System.Globalization;
using Leed.Components.Views;
using Leed.Engine.Analysis;
using Leed.Engine.Studies;

namespace Leed.Dashboard.Studies;

public static class StudyFigures
{
    public const string CurvesId = "study-curves", CorruptionId = "study-final-vs-corruption", AgentsId = "study-final-vs-agents";

    /// <summary>Every figure the study has data for: the curves always, the corruption plot with two or more levels, the agents plot with two or more counts.</summary>
    public static IReadOnlyList<FigureView> All(StudyRecord study, StudySummary summary, IReadOnlyList<StudyCurve> curves)
    {
        StudyPlan plan = study.Plan();
        var figures = new List<FigureView> { Curves(summary, curves) };
        if (plan.Corruption.Count > 1) figures.Add(FinalVersusCorruption(plan, summary));
        if (plan.Agents.Count > 1) figures.Add(FinalVersusAgents(plan, summary));
        return figures;
    }

    public static FigureView Curves(StudySummary summary, IReadOnlyList<StudyCurve> curves) => new(CurvesId,
        $"{summary.Name}: team return per group",
        "environment steps", "team return (5-iteration trailing mean)",
        [.. curves.Where(curve => curve.Band.X.Length > 0).Select(curve => new FigureTrace(
            $"{curve.Group.Key} ({curve.Band.Seeds} seed{(curve.Band.Seeds == 1 ? "" : "s")})", FigureTraceKind.Band,
            curve.Band.X, curve.Band.Mean, curve.Band.Lower, curve.Band.Upper))],
        Caption: "Each line is a group's mean over its completed seeds, each seed smoothed by a 5-iteration trailing mean; the band is the 95% Student-t interval of that mean, drawn where every seed has data.");

    /// <summary>
    /// One line per configuration that uses demonstrations and corruption kind (at each agent
    /// count), from the clean level (fraction 0) up; configurations without demonstrations are
    /// dashed reference lines.
    /// </summary>
    public static FigureView FinalVersusCorruption(StudyPlan plan, StudySummary summary)
    {
        var traces = new List<FigureTrace>();
        foreach (int agents in plan.Agents)
        {
            string at = plan.Agents.Count > 1 ? $" n{agents}" : "";
            foreach (StudyConfig config in plan.Configs.Where(config => config.Algorithm.NeedsDemonstrations))
            {
                StudyGroupResult? clean = summary.Find(config.Name, agents, CorruptionLevel.None.Label);
                foreach (var kind in plan.Corruption.Where(level => !level.IsNone).GroupBy(level => level.Kind!.Value))
                {
                    var points = new List<(double X, SeedStat Stat)>();
                    if (clean?.FinalReturn is { } zero) points.Add((0, zero));
                    foreach (CorruptionLevel level in kind.OrderBy(level => level.Fraction))
                        if (summary.Find(config.Name, agents, level.Label)?.FinalReturn is { } stat) points.Add((level.Fraction, stat));
                    traces.Add(Points($"{config.Name} {Engine.Demonstrations.DemonstrationCorruption.Name(kind.Key)}{at}", points));
                }
            }
            foreach (StudyConfig config in plan.Configs.Where(config => !config.Algorithm.NeedsDemonstrations))
                if (summary.Find(config.Name, agents, CorruptionLevel.None.Label)?.FinalReturn is { } flat)
                    traces.Add(new FigureTrace($"{config.Name}{at} (no demonstrations)", FigureTraceKind.Reference, [0, 1], [flat.Mean]));
        }
        return new FigureView(CorruptionId, $"{summary.Name}: final team return against corrupted demonstrations", "share of agents with a corrupted demonstration",
            "final team return (mean, 95% CI)", traces,
            Caption: "Final return: each run's mean over its last 10% of iterations, then the mean over seeds with its 95% Student-t interval. Fraction 0 is the clean set; dashed lines are configurations that use no demonstrations.");
    }

    /// <summary>One line per configuration across the agent counts, on the clean demonstrations (or the plan's first level).</summary>
    public static FigureView FinalVersusAgents(StudyPlan plan, StudySummary summary)
    {
        var traces = new List<FigureTrace>();
        foreach (StudyConfig config in plan.Configs)
        {
            string level = config.Algorithm.NeedsDemonstrations ? plan.Corruption[0].Label : CorruptionLevel.None.Label;
            var points = plan.Agents.Order().Select(agents => (X: (double)agents, Stat: summary.Find(config.Name, agents, level)?.FinalReturn))
                .Where(point => point.Stat is not null).Select(point => (point.X, point.Stat!)).ToList();
            traces.Add(Points(config.Name, points));
        }
        return new FigureView(AgentsId, $"{summary.Name}: final team return against the number of agents", "agents (log scale)",
            "final team return (mean, 95% CI)", traces, LogX: true,
            Caption: "Team return sums over agents, so it grows in magnitude with the agent count; compare configurations at each count.");
    }

    private static FigureTrace Points(string name, List<(double X, SeedStat Stat)> points) => new(name, FigureTraceKind.Points,
        [.. points.Select(point => point.X)], [.. points.Select(point => point.Stat.Mean)],
        [.. points.Select(point => point.Stat.Ci95[0])], [.. points.Select(point => point.Stat.Ci95[1])]);

    /// <summary>A file-name-safe stem for exports, e.g. <c>study-20261201-101500-ab12</c>.</summary>
    public static string FileStem(StudyRecord study) => string.Create(CultureInfo.InvariantCulture, $"study-{study.Id}");
}
