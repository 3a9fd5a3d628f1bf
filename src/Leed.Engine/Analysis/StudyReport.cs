// A study's summary as a markdown table and as CSV (the project's one CSV dialect, one row per group).
using System.Globalization;
using System.Text;

namespace Leed.Engine.Analysis;

public static class StudyReport
{
    /// <summary>The CSV's columns, in order; interval bounds are their own columns.</summary>
    public static IReadOnlyList<string> CsvColumns { get; } =
    [
        "study", "config", "algorithm", "weight", "agents", "corruption", "runs", "cells",
        "finalReturnMean", "finalReturnSd", "finalReturnCi95Lower", "finalReturnCi95Upper",
        "arrivalRateMean", "arrivalRateSd", "arrivalRateCi95Lower", "arrivalRateCi95Upper",
        "threshold", "stepsToThreshold", "wallSecondsToThreshold", "normalisedScore", "reference", "pValueVsReference",
    ];

    public static string Csv(StudySummary summary)
    {
        var csv = new StringBuilder();
        csv.Append(string.Join(',', CsvColumns.Select(CsvCell.Text))).Append('\n');
        foreach (StudyGroupResult group in summary.Groups)
        {
            CsvCell[] cells =
            [
                summary.Study, group.Config, group.Algorithm, group.Weight ?? "", group.Agents, group.Corruption, group.Runs, group.Cells,
                CsvCell.Number(group.FinalReturn?.Mean), CsvCell.Number(group.FinalReturn?.Sd), CsvCell.Number(group.FinalReturn?.Ci95[0]), CsvCell.Number(group.FinalReturn?.Ci95[1]),
                CsvCell.Number(group.ArrivalRate?.Mean), CsvCell.Number(group.ArrivalRate?.Sd), CsvCell.Number(group.ArrivalRate?.Ci95[0]), CsvCell.Number(group.ArrivalRate?.Ci95[1]),
                CsvCell.Number(group.Threshold), CsvCell.Number(group.StepsToThreshold), CsvCell.Number(group.WallSecondsToThreshold),
                CsvCell.Number(group.NormalisedScore), group.Reference ?? "", CsvCell.Number(group.PValueVsReference),
            ];
            csv.Append(string.Join(',', cells)).Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>A heading, what the numbers mean, and one table row per group.</summary>
    public static string Markdown(StudySummary summary)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"## Study {summary.Name} ({summary.Study})"));
        text.AppendLine();
        text.AppendLine(Invariant($"{summary.Iterations} iterations per run; final values are means over each run's last {summary.FinalWindow} iteration(s), then over seeds (mean ± sd, [95% Student-t interval]). Steps and time to threshold: first point where the seeds' mean of 5-iteration trailing means reaches the threshold. Normalised score: 0 = random policy, 1 = demonstration replay, same condition. p: Welch's t-test of final returns against {summary.Reference ?? "no reference"}."));
        text.AppendLine();
        text.AppendLine("| config | agents | corruption | runs | final team return | arrival rate | threshold | steps to threshold | time to threshold | normalised score | p vs reference |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (StudyGroupResult g in summary.Groups)
        {
            text.AppendLine(Invariant($"| {g.Config}{(g.Automatic ? " (added)" : "")} | {g.Agents} | {g.Corruption} | {g.Runs}/{g.Cells} | {Stat(g.FinalReturn, "F1")} | {Stat(g.ArrivalRate, "P0")} | {Number(g.Threshold, "F1")} | {Steps(g.StepsToThreshold, g.Threshold)} | {Seconds(g.WallSecondsToThreshold, g.Threshold)} | {Number(g.NormalisedScore, "F3")} | {PValue(g)} |"));
        }
        AppendRanking(text, summary.Ranking);
        return text.ToString();
    }

    /// <summary>With two or more conditions: each configuration's rank per condition and its mean rank.</summary>
    private static void AppendRanking(StringBuilder text, IReadOnlyList<ConfigRanking> ranking)
    {
        if (ranking.Count < 2 || ranking[0].Ranks.Count < 2) return;
        IReadOnlyList<ConditionRank> conditions = ranking[0].Ranks;
        text.AppendLine();
        text.AppendLine(Invariant($"Rank by final team return in each condition (1 = best; * = first with its 95% interval above every other configuration's), and the mean rank over the {conditions.Count} conditions:"));
        text.AppendLine();
        text.AppendLine("| config | " + string.Join(" | ", conditions.Select(c => Invariant($"n{c.Agents} {c.Corruption}"))) + " | mean rank | first |");
        text.AppendLine("|---|" + string.Concat(conditions.Select(_ => "---|")) + "---|---|");
        foreach (ConfigRanking config in ranking)
            text.AppendLine(Invariant($"| {config.Config} | {string.Join(" | ", config.Ranks.Select(r => r.Rank + (r.Separated ? "*" : "")))} | {config.MeanRank:F2} | {config.Firsts} |"));
    }

    /// <summary>"mean ± sd [lower, upper]", or the mean alone for one seed, in <paramref name="format"/>.</summary>
    public static string Stat(SeedStat? stat, string format) => stat is null ? "–"
        : stat.N == 1 ? $"{Format(stat.Mean, format)} (1 seed)"
        : $"{Format(stat.Mean, format)} ± {Format(stat.Sd, format)} [{Format(stat.Ci95[0], format)}, {Format(stat.Ci95[1], format)}]";

    public static string Steps(double? steps, double? threshold) => threshold is null ? "–" : steps is { } value ? value.ToString("N0", CultureInfo.InvariantCulture) : "not reached";

    public static string Seconds(double? seconds, double? threshold) => threshold is null ? "–" : seconds is { } value ? $"{value.ToString("F1", CultureInfo.InvariantCulture)} s" : "not reached";

    public static string PValue(StudyGroupResult group) => group.PValueVsReference is { } p ? p.ToString(p < 0.001 ? "0.0e0" : "F3", CultureInfo.InvariantCulture)
        : group.Reference is null ? "–" : "n/a";

    public static string Number(double? value, string format) => value is { } number ? Format(number, format) : "–";

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
