// Learning-quality benchmark: LEED against IPPO and MAPPO, and LEED's weight schedules, on equal environment steps.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Leed.Engine.Analysis;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;

namespace Leed.Engine.Bench;

/// <summary>One configuration of the comparison: a display name, an algorithm and (LEED only) a weight schedule.</summary>
public sealed record LearningConfig(string Name, Algorithm Algorithm, string? Weight = null, int? Seeds = null)
{
    /// <summary>The algorithm as it comes, named after it; a reference policy runs one seed (it does not learn, so seeds differ only by episodes).</summary>
    public static LearningConfig Of(Algorithm algorithm) => new(algorithm.Name(), algorithm, Seeds: algorithm.Info().IsReference ? 1 : null);
}

/// <summary>One training run's outcome. FinalReturn is the mean team return over the last fifth of its iterations.</summary>
public sealed record LearningRun(string Config, int Seed, double FinalReturn, double FinalArrivalRate, long GlobalSteps, double Seconds);

/// <summary>Per configuration, over its seeds.</summary>
/// <param name="StepsToReachIppoFinal">First global step at which the seed-mean (5-iteration trailing average) curve reaches IPPO's mean final return; null if never.</param>
/// <param name="NormalisedScore">(final - random) / (demo - random): 0 is the random policy, 1 the replayed demonstrations.</param>
public sealed record LearningSummary(string Config, int Seeds, double FinalReturnMean, double FinalReturnStd, double FinalArrivalRate,
    long? StepsToReachIppoFinal, double? NormalisedScore, double SecondsPerRun);

/// <summary>The three claims checked, each with the numbers behind it.</summary>
/// <param name="LeedOverBestBaseline">LEED's final return over the better baseline's, when that is positive (a ratio of negative returns means nothing).</param>
/// <param name="LeedOverBestBaselineAboveRandom">(LEED - random) / (best baseline - random): the same comparison on improvement over the random policy, defined whatever the sign.</param>
public sealed record LearningTargets(
    double? LeedStepsToIppoFinalShare, bool? LeedReachesIppoInAThird,
    double? LeedOverBestBaseline, double? LeedOverBestBaselineAboveRandom, bool? LeedAtLeast1Point2xBestBaseline, string BaselineNote,
    double? DynamicMinusBestFixed, bool? DynamicAtLeastBestFixed);

public sealed record LearningBenchmarkResult(string Map, int Agents, int Iterations, long GlobalStepsPerRun, Hyperparameters Hyperparameters,
    string Demonstrations, IReadOnlyList<LearningSummary> Summaries, LearningTargets Targets, IReadOnlyList<LearningRun> Runs, double Seconds,
    IReadOnlyList<string> Failures);

public static class LearningBenchmark
{
    /// <summary>
    /// LEED (dynamic, the default schedule), IPPO, MAPPO, LEED with fixed weights 0.1 / 0.5 / 1.0, then
    /// two sensitivity checks (the decay schedule, and the dynamic schedule with a floor of 0.5; the
    /// "dynamic >= best fixed" target is judged on leed-dynamic only), BC, and the two reference
    /// policies (one seed each: they do not learn).
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

    public static LearningBenchmarkResult Run(CityMap map, int agents, IReadOnlyList<int> seeds, Hyperparameters hp,
        IReadOnlyList<LearningConfig> configs, string outputDirectory, int scenarioSeed = 1, Action<string>? log = null)
    {
        Directory.CreateDirectory(outputDirectory);
        var clock = Stopwatch.StartNew();
        Scenario scenario = ScenarioGenerator.Generate(map, agents, scenarioSeed);
        ExpertDataset demos = ExpertSources.Planner(scenario);
        log?.Invoke($"{demos.Provenance}: {demos.Agents.Count(agent => agent.Valid)} valid, arrival {demos.ArrivalRate:P0}, team return {demos.Agents.Sum(agent => agent.Return):F0}");

        // The same dialect and metric columns as a run's metrics.csv, keyed by configuration and seed.
        var table = new MetricsTable(["config", "seed"], MetricNames.All(agents));
        using var curves = new StreamWriter(Path.Combine(outputDirectory, "curves.csv"));
        curves.Write(table.CsvHeader + "\n");
        var runs = new List<LearningRun>();
        var series = new Dictionary<string, List<double?[]>>(); // config -> per seed, per iteration return
        var failures = new List<string>();
        foreach (LearningConfig config in configs)
        {
            series[config.Name] = [];
            foreach (int seed in seeds.Take(config.Seeds ?? seeds.Count))
            {
                var runClock = Stopwatch.StartNew();
                try
                {
                    IWeightSchedule? weights = config.Weight is null ? null : WeightSchedules.Parse(config.Weight);
                    // Every configuration gets the demonstrations: IPPO and MAPPO only use them to report demo/dtw and demo/agreement.
                    using var trainer = new Trainer(scenario, demos, config.Algorithm, weights, hp, seed);
                    var returns = new double?[hp.Iterations];
                    var arrivals = new double?[hp.Iterations];
                    for (int k = 0; k < hp.Iterations; k++)
                    {
                        IterationMetrics m = trainer.RunIteration();
                        returns[k] = m[MetricNames.EpisodicReturn];
                        arrivals[k] = m[MetricNames.ArrivalRate];
                        curves.Write(table.CsvRow(m, config.Name, seed) + "\n");
                    }
                    curves.Flush();
                    series[config.Name].Add(returns);
                    var run = new LearningRun(config.Name, seed, Tail(returns), Tail(arrivals), trainer.GlobalStep, Math.Round(runClock.Elapsed.TotalSeconds, 1));
                    runs.Add(run);
                    log?.Invoke($"{config.Name} seed {seed}: final return {run.FinalReturn:F1}, arrival {run.FinalArrivalRate:P0}, {run.Seconds:F0} s (total {clock.Elapsed.TotalMinutes:F1} min)");
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // One failed run must not lose the others' results: record it and go on.
                    curves.Flush();
                    failures.Add($"{config.Name} seed {seed}: {error.GetType().Name}: {error.Message.Split('\n')[0]}");
                    log?.Invoke($"{config.Name} seed {seed} FAILED: {failures[^1]}");
                }
            }
        }

        long stepsPerRun = (long)hp.Iterations * hp.GlobalStepsPerIteration;
        double? Final(string name) => runs.Where(run => run.Config == name).Select(run => run.FinalReturn).DefaultIfEmpty(double.NaN).Average() is var value && double.IsFinite(value) ? value : null;
        double? ippoFinal = Final(Algorithm.Ippo.Name()), mappoFinal = Final(Algorithm.Mappo.Name());
        double? randomFinal = Final(Algorithm.Random.Name()), demoFinal = Final(Algorithm.Demo.Name());
        var summaries = new List<LearningSummary>();
        foreach (LearningConfig config in configs)
        {
            LearningRun[] mine = [.. runs.Where(run => run.Config == config.Name)];
            if (mine.Length == 0) continue;
            SeedSummary finals = SeedStatistics.Summarize([.. mine.Select(run => run.FinalReturn)]);
            double mean = finals.Mean;
            long? reach = ippoFinal is { } target ? StepsToReach(series[config.Name], target, hp.GlobalStepsPerIteration) : null;
            double? score = randomFinal is { } low && demoFinal is { } high && high != low ? Math.Round((mean - low) / (high - low), 3) : null;
            summaries.Add(new LearningSummary(config.Name, mine.Length, Math.Round(mean, 1), Math.Round(finals.StandardDeviation, 1),
                Math.Round(mine.Average(run => run.FinalArrivalRate), 3), reach, score, Math.Round(mine.Average(run => run.Seconds), 1)));
        }

        LearningTargets targets = Targets(summaries, ippoFinal, mappoFinal, randomFinal, stepsPerRun);
        var result = new LearningBenchmarkResult(map.Name, agents, hp.Iterations, stepsPerRun, hp, demos.Provenance, summaries, targets, runs,
            Math.Round(clock.Elapsed.TotalSeconds, 1), failures);
        File.WriteAllText(Path.Combine(outputDirectory, "summary.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(outputDirectory, "summary.md"), Markdown(result));
        return result;
    }

    private static LearningTargets Targets(List<LearningSummary> summaries, double? ippoFinal, double? mappoFinal, double? randomFinal, long stepsPerRun)
    {
        LearningSummary? leed = summaries.FirstOrDefault(summary => summary.Config == "leed-dynamic");
        double? share = leed?.StepsToReachIppoFinal is { } reach ? Math.Round((double)reach / stepsPerRun, 3) : null;
        double? best = ippoFinal is null && mappoFinal is null ? null : Math.Max(ippoFinal ?? double.NegativeInfinity, mappoFinal ?? double.NegativeInfinity);
        double? ratio = leed is not null && best is > 0 ? Math.Round(leed.FinalReturnMean / best.Value, 3) : null;
        double? aboveRandom = leed is not null && best is { } b && randomFinal is { } r && b > r
            ? Math.Round((leed.FinalReturnMean - r) / (b - r), 3) : null;
        string note = best is null ? "no baseline ran"
            : best > 0 ? $"best baseline final return {best:F1}"
            : $"best baseline final return {best:F1} is not positive, so the raw ratio means nothing; judged on improvement over random ({randomFinal:F1})";
        bool? met = ratio is { } raw ? raw >= 1.2 : aboveRandom is { } shifted ? shifted >= 1.2 : null;
        double? bestFixed = summaries.Where(summary => summary.Config.StartsWith("leed-fixed", StringComparison.Ordinal))
            .Select(summary => (double?)summary.FinalReturnMean).Max();
        double? gap = leed is not null && bestFixed is not null ? Math.Round(leed.FinalReturnMean - bestFixed.Value, 1) : null;
        return new LearningTargets(share, share is null ? (leed is null ? null : false) : share <= 1.0 / 3, ratio, aboveRandom, met, note,
            gap, gap is null ? null : gap >= 0);
    }

    /// <summary>Mean of the non-missing values over the last fifth of the iterations.</summary>
    private static double Tail(double?[] values)
    {
        int from = values.Length - Math.Max(1, values.Length / 5);
        double[] tail = [.. values.Skip(from).Where(value => value is not null).Select(value => value!.Value)];
        return tail.Length == 0 ? double.NaN : tail.Average();
    }

    /// <summary>First global step where the seed-mean of 5-iteration trailing averages reaches <paramref name="target"/>.</summary>
    private static long? StepsToReach(List<double?[]> seeds, double target, int stepsPerIteration)
    {
        int iterations = seeds.Min(seed => seed.Length);
        for (int k = 0; k < iterations; k++)
        {
            var means = new List<double>();
            foreach (double?[] seed in seeds)
            {
                double[] window = [.. seed.Skip(Math.Max(0, k - 4)).Take(Math.Min(5, k + 1)).Where(value => value is not null).Select(value => value!.Value)];
                if (window.Length > 0) means.Add(window.Average());
            }
            if (means.Count == seeds.Count && means.Average() >= target) return (long)(k + 1) * stepsPerIteration;
        }
        return null;
    }

    private static string Markdown(LearningBenchmarkResult result)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Learning quality: {result.Map}, {result.Agents} agents");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{result.Iterations} iterations x {result.Hyperparameters.Envs} envs x {result.Hyperparameters.Steps} steps = {result.GlobalStepsPerRun} global steps per run ({result.GlobalStepsPerRun * result.Agents} agent-steps); demonstrations: {result.Demonstrations}; total {result.Seconds / 60:F1} min.");
        text.AppendLine();
        text.AppendLine("| config | seeds | final team return (mean ± sd) | arrival rate | global steps to reach IPPO's final | normalised score (0 random, 1 demo) | s per run |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (LearningSummary s in result.Summaries)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {s.Config} | {s.Seeds} | {s.FinalReturnMean:F1} ± {s.FinalReturnStd:F1} | {s.FinalArrivalRate:P1} | {(s.StepsToReachIppoFinal?.ToString(CultureInfo.InvariantCulture) ?? "never")} | {(s.NormalisedScore?.ToString("F3", CultureInfo.InvariantCulture) ?? "-")} | {s.SecondsPerRun:F0} |");
        foreach (string failure in result.Failures) text.AppendLine(CultureInfo.InvariantCulture, $"\nFAILED run (excluded above): {failure}");
        LearningTargets t = result.Targets;
        text.AppendLine();
        text.AppendLine("Targets:");
        text.AppendLine(CultureInfo.InvariantCulture, $"- LEED reaches IPPO's final return within a third of IPPO's steps: share {t.LeedStepsToIppoFinalShare?.ToString("F3", CultureInfo.InvariantCulture) ?? "never"} -> {Verdict(t.LeedReachesIppoInAThird)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- LEED's final return >= 1.2 x the better of IPPO and MAPPO: ratio {t.LeedOverBestBaseline?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"}, over random {t.LeedOverBestBaselineAboveRandom?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"} ({t.BaselineNote}) -> {Verdict(t.LeedAtLeast1Point2xBestBaseline)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- dynamic >= best fixed weight: difference {t.DynamicMinusBestFixed?.ToString("F1", CultureInfo.InvariantCulture) ?? "n/a"} -> {Verdict(t.DynamicAtLeastBestFixed)}");
        return text.ToString();
    }

    private static string Verdict(bool? met) => met switch { true => "met", false => "NOT met", null => "not measured" };
}
