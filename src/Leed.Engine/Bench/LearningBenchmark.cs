// Learning-quality benchmark: LEED against IPPO and MAPPO, and LEED's weight schedules, on equal environment steps; a study with fixed configurations and the paper's targets judged on its summary.
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Studies;

namespace Leed.Engine.Bench;

/// <summary>One configuration of the comparison: a display name, an algorithm and (LEED only) a weight schedule.</summary>
public sealed record LearningConfig(string Name, Algorithm Algorithm, string? Weight = null)
{
    /// <summary>The algorithm as it comes, named after it.</summary>
    public static LearningConfig Of(Algorithm algorithm) => new(algorithm.Name(), algorithm);
}

/// <summary>The three claims checked, each with the numbers behind it.</summary>
/// <param name="LeedStepsToIppoFinalShare">Global steps LEED (dynamic) needed to reach IPPO's final mean, over the steps of a whole run.</param>
/// <param name="LeedOverBestBaseline">LEED's final return over the better baseline's, when that is positive (a ratio of negative returns means nothing).</param>
/// <param name="LeedOverBestBaselineAboveRandom">(LEED - random) / (best baseline - random): the same comparison on improvement over the random policy, defined whatever the sign.</param>
public sealed record LearningTargets(
    double? LeedStepsToIppoFinalShare, bool? LeedReachesIppoInAThird,
    double? LeedOverBestBaseline, double? LeedOverBestBaselineAboveRandom, bool? LeedAtLeast1Point2xBestBaseline, string BaselineNote,
    double? DynamicMinusBestFixed, bool? DynamicAtLeastBestFixed);

/// <summary>
/// <c>bench learning</c> is a study: <see cref="Plan"/> writes its study file (one agent count, clean
/// demonstrations, the chosen configurations, no automatic reference policies), the study runs as
/// any other, and <see cref="Targets"/> judges the paper's claims on the study's summary.
/// </summary>
public static class LearningBenchmark
{
    /// <summary>
    /// LEED (dynamic, the paper's schedule), IPPO, MAPPO, LEED with fixed weights 0.1 / 0.5 / 1.0, then
    /// two sensitivity checks (the decay schedule, and the dynamic schedule with a floor of 0.5; the
    /// "dynamic >= best fixed" target is judged on leed-dynamic only), BC, and the two reference policies.
    /// </summary>
    public static IReadOnlyList<LearningConfig> DefaultConfigs { get; } =
    [
        new("leed-dynamic", Algorithm.Leed, "dynamic"),
        LearningConfig.Of(Algorithm.Ippo),
        LearningConfig.Of(Algorithm.Mappo),
        new("leed-fixed-0.1", Algorithm.Leed, "fixed:0.1"),
        new("leed-fixed-0.5", Algorithm.Leed, "fixed:0.5"),
        new("leed-fixed-1.0", Algorithm.Leed, "fixed:1.0"),
        new("leed-decay", Algorithm.Leed, "decay"),
        new("leed-dynamic-floor-0.5", Algorithm.Leed, "dynamic:1:0.5"),
        LearningConfig.Of(Algorithm.Bc),
        LearningConfig.Of(Algorithm.Demo),
        LearningConfig.Of(Algorithm.Random),
    ];

    /// <summary>The benchmark's study file: these configurations on one map and agent count, every setting of <paramref name="hyperparameters"/> that differs from the default.</summary>
    public static string Plan(string map, int agents, IReadOnlyList<int> seeds, Hyperparameters hyperparameters, IReadOnlyList<LearningConfig> configs, int scenarioSeed = 1)
    {
        Dictionary<string, double> defaults = HyperparameterValues.ToValues(new Hyperparameters()), chosen = HyperparameterValues.ToValues(hyperparameters);
        var hp = new JsonObject();
        foreach ((string name, double value) in chosen)
            if (name != nameof(Hyperparameters.Iterations) && !value.Equals(defaults[name])) hp[name] = value;
        var plan = new JsonObject
        {
            ["name"] = $"bench-learning-{map}-{agents}",
            ["description"] = "bench learning: LEED vs IPPO vs MAPPO and LEED's weight schedules on equal steps",
            ["map"] = map,
            ["agents"] = new JsonArray(agents),
            ["scenarioSeed"] = scenarioSeed,
            ["configs"] = new JsonArray([.. configs.Select(config => (JsonNode)new JsonObject
            {
                ["name"] = config.Name, ["algo"] = config.Algorithm.Name(), ["weight"] = config.Weight,
            })]),
            ["seeds"] = new JsonArray([.. seeds.Select(seed => (JsonNode)seed)]),
            ["iterations"] = hyperparameters.Iterations,
            ["hyperparameters"] = hp,
            ["referencePolicies"] = false,
        };
        if (configs.Any(config => config.Algorithm == Algorithm.Ippo)) plan["reference"] = Algorithm.Ippo.Name();
        return plan.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <param name="runs">The study's cells with their runs, for LEED's steps to IPPO's final mean.</param>
    public static LearningTargets Targets(StudySummary summary, IReadOnlyList<(StoredStudyCell Cell, ComparedRun? Run)> runs, long stepsPerRun)
    {
        double? Final(string config) => summary.Groups.FirstOrDefault(group => group.Config == config)?.FinalReturn?.Mean;
        StudyGroupResult? leed = summary.Groups.FirstOrDefault(group => group.Config == "leed-dynamic");
        double? ippoFinal = Final(Algorithm.Ippo.Name()), mappoFinal = Final(Algorithm.Mappo.Name()), randomFinal = Final(Algorithm.Random.Name());
        double? leedFinal = leed?.FinalReturn?.Mean;

        // Steps to IPPO's final mean, by the one definition of steps to threshold (RunComparison.Reached).
        ComparedRun[] leedRuns = [.. runs.Where(pair => pair.Cell.Config == "leed-dynamic" && pair.Run is { Run.Status: RunStatus.Completed }).Select(pair => pair.Run!)];
        double? reach = ippoFinal is { } target && leedRuns.Length > 0
            ? RunComparison.Reached(new RunGroup("leed-dynamic", "leed-dynamic", leedRuns), MetricNames.EpisodicReturn, target, StudyResults.ThresholdSmoothing).Steps
            : null;
        double? share = reach is { } steps ? Math.Round(steps / stepsPerRun, 3) : null;
        double? best = ippoFinal is null && mappoFinal is null ? null : Math.Max(ippoFinal ?? double.NegativeInfinity, mappoFinal ?? double.NegativeInfinity);
        double? ratio = leedFinal is not null && best is > 0 ? Math.Round(leedFinal.Value / best.Value, 3) : null;
        double? aboveRandom = leedFinal is not null && best is { } b && randomFinal is { } r && b > r ? Math.Round((leedFinal.Value - r) / (b - r), 3) : null;
        string note = best is null ? "no baseline ran"
            : best > 0 ? FormattableString.Invariant($"best baseline final return {best:F1}")
            : FormattableString.Invariant($"best baseline final return {best:F1} is not positive, so the raw ratio means nothing; judged on improvement over random ({randomFinal:F1})");
        bool? met = ratio is { } raw ? raw >= 1.2 : aboveRandom is { } shifted ? shifted >= 1.2 : null;
        double? bestFixed = summary.Groups.Where(group => group.Config.StartsWith("leed-fixed", StringComparison.Ordinal))
            .Select(group => group.FinalReturn?.Mean).Max();
        double? gap = leedFinal is not null && bestFixed is not null ? Math.Round(leedFinal.Value - bestFixed.Value, 1) : null;
        return new LearningTargets(share, share is null ? (leed is null ? null : false) : share <= 1.0 / 3, ratio, aboveRandom, met, note,
            gap, gap is null ? null : gap >= 0);
    }

    /// <summary>The study's curves in the shared CSV dialect, keyed by configuration and seed.</summary>
    public static string Curves(int agents, IReadOnlyList<(StoredStudyCell Cell, ComparedRun? Run)> runs)
    {
        var table = new MetricsTable(["config", "seed"], MetricNames.All(agents), wallSeconds: true);
        var csv = new StringBuilder().Append(table.CsvHeader).Append('\n');
        foreach ((StoredStudyCell cell, ComparedRun? run) in runs)
            foreach (MetricRecord row in run?.Iterations ?? [])
                csv.Append(table.CsvRow(row, cell.Config, cell.Seed)).Append('\n');
        return csv.ToString();
    }

    public static string Markdown(StudySummary summary, LearningTargets t)
    {
        var text = new StringBuilder(StudyReport.Markdown(summary));
        text.AppendLine();
        text.AppendLine("Targets:");
        text.AppendLine(Invariant($"- LEED reaches IPPO's final return within a third of IPPO's steps: share {t.LeedStepsToIppoFinalShare?.ToString("F3", CultureInfo.InvariantCulture) ?? "never"} -> {Verdict(t.LeedReachesIppoInAThird)}"));
        text.AppendLine(Invariant($"- LEED's final return >= 1.2 x the better of IPPO and MAPPO: ratio {t.LeedOverBestBaseline?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"}, over random {t.LeedOverBestBaselineAboveRandom?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"} ({t.BaselineNote}) -> {Verdict(t.LeedAtLeast1Point2xBestBaseline)}"));
        text.AppendLine(Invariant($"- dynamic >= best fixed weight: difference {t.DynamicMinusBestFixed?.ToString("F1", CultureInfo.InvariantCulture) ?? "n/a"} -> {Verdict(t.DynamicAtLeastBestFixed)}"));
        return text.ToString();
    }

    private static string Verdict(bool? met) => met switch { true => "met", false => "NOT met", null => "not measured" };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
