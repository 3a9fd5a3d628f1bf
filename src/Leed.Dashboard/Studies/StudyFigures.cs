// A study's figures as view records: curves with bands per configuration in one panel per condition, final return against the corruption level, and against the agent count.
using System.Globalization;
using Leed.Components.Views;
using Leed.Engine.Analysis;
using Leed.Engine.Demonstrations;
using Leed.Engine.Studies;

namespace Leed.Dashboard.Studies;

public static class StudyFigures
{
    public const string CurvesId = "study-curves", CorruptionId = "study-final-vs-corruption", AgentsId = "study-final-vs-agents";

    /// <summary>Every figure the study has data for: the curves always, the corruption plot with two or more levels, the agents plot with two or more counts.</summary>
    public static IReadOnlyList<FigureView> All(StudyRecord study, StudySummary summary, IReadOnlyList<StudyCurve> curves)
    {
        StudyPlan plan = study.Plan();
        var figures = new List<FigureView> { Curves(plan, summary, curves) };
        if (plan.Corruption.Count > 1) figures.Add(FinalVersusCorruption(plan, summary));
        if (plan.Agents.Count > 1) figures.Add(FinalVersusAgents(plan, summary));
        return figures;
    }

    /// <summary>A panel's title as the ranking table heads a condition: <c>20 agents, detour-0.3</c> (or a kind of corruption, <c>20 agents, detour</c>).</summary>
    public static string Condition(int agents, string corruption) => $"{agents} agents, {corruption}";

    /// <summary>
    /// Small multiples: one panel per condition (agent count x corruption level, in the plan's order)
    /// with a line and band per configuration, each configuration in the same colour in every panel
    /// (its place in the plan, as in the other figures). A configuration without demonstrations ran
    /// once, on the clean level: its curve stands in every panel of its agent count. A study of one
    /// condition is one plot, its condition in the title.
    /// </summary>
    public static FigureView Curves(StudyPlan plan, StudySummary summary, IReadOnlyList<StudyCurve> curves)
    {
        var panels = new List<string>();
        var scales = new List<int>();
        var placed = new List<(StudyConfig Config, int Series, StudyCurve Curve, int Panel)>();
        foreach (int agents in plan.Agents)
            foreach (CorruptionLevel level in plan.Corruption)
            {
                bool any = false;
                for (int series = 0; series < plan.Configs.Count; series++)
                {
                    StudyConfig config = plan.Configs[series];
                    string corruption = config.CorruptionIn(level.Label);
                    StudyCurve? curve = curves.FirstOrDefault(curve => curve.Group.Config == config.Name && curve.Group.Agents == agents && curve.Group.Corruption == corruption);
                    if (curve is null || curve.Band.X.Length == 0) continue;
                    placed.Add((config, series, curve, panels.Count));
                    any = true;
                }
                if (!any) continue;
                panels.Add(Condition(agents, level.Label));
                scales.Add(agents);
            }
        // One name per configuration, for its one legend entry: the seeds it has in every panel.
        var names = placed.GroupBy(entry => entry.Series).ToDictionary(group => group.Key, group =>
        {
            int fewest = group.Min(entry => entry.Curve.Band.Seeds), most = group.Max(entry => entry.Curve.Band.Seeds);
            string seeds = fewest == most ? $"{most} seed{(most == 1 ? "" : "s")}" : $"{fewest}-{most} seeds";
            return $"{group.First().Config.Name} ({seeds})";
        });
        FigureTrace[] traces = [.. placed.Select(entry => new FigureTrace(names[entry.Series], FigureTraceKind.Band,
            entry.Curve.Band.X, entry.Curve.Band.Mean, entry.Curve.Band.Lower, entry.Curve.Band.Upper) { Panel = entry.Panel, Series = entry.Series })];
        const string smoothing = "Each line is a configuration's mean over its completed seeds, each seed smoothed by a 5-iteration trailing mean; the band is the 95% Student-t interval of that mean, drawn where every seed has data.";
        if (panels.Count <= 1)
            return new FigureView(CurvesId, $"{summary.Name}: team return per configuration{(panels.Count == 1 ? $" ({panels[0]})" : "")}",
                "environment steps", "team return (5-iteration trailing mean)", [.. traces.Select(trace => trace with { Panel = 0 })], Caption: smoothing);
        return new FigureView(CurvesId, $"{summary.Name}: team return per configuration, one panel per condition",
            "environment steps", "team return", traces,
            Caption: $"One panel per condition (agents, corruption of the demonstrations); panels of one agent count share their axes (team return sums over agents); "
                + $"a configuration keeps its colour in every panel and figure, and one without demonstrations shows its clean curve in each panel of its agent count. {smoothing}")
        { Panels = panels, PanelScales = scales };
    }

    /// <summary>
    /// Final return against the share of corrupted demonstrations: one panel per agent count and
    /// corruption kind (one plot when there is one of each), a line per configuration that uses
    /// demonstrations from the clean level (fraction 0) up, and the configurations without
    /// demonstrations as dashed reference lines; colours as in <see cref="Curves"/>.
    /// </summary>
    public static FigureView FinalVersusCorruption(StudyPlan plan, StudySummary summary)
    {
        var traces = new List<FigureTrace>();
        var panels = new List<string>();
        var scales = new List<int>();
        CorruptionKind[] kinds = [.. plan.Corruption.Where(level => !level.IsNone).Select(level => level.Kind!.Value).Distinct()];
        foreach (int agents in plan.Agents)
        {
            foreach (CorruptionKind kind in kinds)
            {
                int panel = panels.Count;
                for (int series = 0; series < plan.Configs.Count; series++)
                {
                    StudyConfig config = plan.Configs[series];
                    if (config.Algorithm.NeedsDemonstrations)
                    {
                        var points = new List<(double X, SeedStat Stat)>();
                        if (summary.Find(config.Name, agents, CorruptionLevel.None.Label)?.FinalReturn is { } zero) points.Add((0, zero));
                        foreach (CorruptionLevel level in plan.Corruption.Where(level => level.Kind == kind).OrderBy(level => level.Fraction))
                            if (summary.Find(config.Name, agents, level.Label)?.FinalReturn is { } stat) points.Add((level.Fraction, stat));
                        traces.Add(Points(config.Name, points) with { Panel = panel, Series = series });
                    }
                    else if (summary.Find(config.Name, agents, CorruptionLevel.None.Label)?.FinalReturn is { } flat)
                    {
                        traces.Add(new FigureTrace($"{config.Name} (no demonstrations)", FigureTraceKind.Reference, [0, 1], [flat.Mean]) { Panel = panel, Series = series });
                    }
                }
                panels.Add(Condition(agents, DemonstrationCorruption.Name(kind)));
                scales.Add(agents);
            }
        }
        const string caption = "Final return: each run's mean over its last 10% of iterations, then the mean over seeds with its 95% Student-t interval. Fraction 0 is the clean set; dashed lines are configurations that use no demonstrations.";
        const string title = "final team return against corrupted demonstrations", xTitle = "share of agents with a corrupted demonstration", yTitle = "final team return (mean, 95% CI)";
        if (panels.Count <= 1)
            return new FigureView(CorruptionId, $"{summary.Name}: {title}{(panels.Count == 1 ? $" ({panels[0]})" : "")}", xTitle, yTitle, traces, Caption: caption);
        return new FigureView(CorruptionId, $"{summary.Name}: {title}, one panel per kind", xTitle, yTitle, traces,
            Caption: $"One panel per agent count and kind of corruption; panels of one agent count share their axes; colours as in the curves. {caption}")
            { Panels = panels, PanelScales = scales };
    }

    /// <summary>One line per configuration across the agent counts, on the clean demonstrations (or the plan's first level); colours as in <see cref="Curves"/>.</summary>
    public static FigureView FinalVersusAgents(StudyPlan plan, StudySummary summary)
    {
        var traces = new List<FigureTrace>();
        for (int series = 0; series < plan.Configs.Count; series++)
        {
            StudyConfig config = plan.Configs[series];
            string level = config.CorruptionIn(plan.Corruption[0].Label);
            var points = plan.Agents.Order().Select(agents => (X: (double)agents, Stat: summary.Find(config.Name, agents, level)?.FinalReturn))
                .Where(point => point.Stat is not null).Select(point => (point.X, point.Stat!)).ToList();
            traces.Add(Points(config.Name, points) with { Series = series });
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
