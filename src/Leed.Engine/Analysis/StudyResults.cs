// A study's results from its stored metrics: per group of seeds the final return and arrival with intervals, steps and time to threshold, normalised score and Welch's p-value.
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Studies;

namespace Leed.Engine.Analysis;

/// <summary>Mean, sample standard deviation and 95% Student-t interval (<c>[lower, upper]</c>) over <see cref="N"/> seeds.</summary>
public sealed record SeedStat(double Mean, double Sd, double[] Ci95, int N)
{
    public static SeedStat? Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        SeedSummary summary = SeedStatistics.Summarize(values);
        return new SeedStat(summary.Mean, summary.StandardDeviation, [summary.Interval95.Lower, summary.Interval95.Upper], summary.Count);
    }
}

/// <summary>One group of a study: the seeds of one configuration at one agent count and corruption level.</summary>
/// <param name="Runs">Completed runs, the ones the statistics are over.</param>
/// <param name="Cells">Cells planned for the group (seeds).</param>
/// <param name="FinalReturn">Per run the mean team return over its last <see cref="StudySummary.FinalWindow"/> iterations, then over the runs.</param>
/// <param name="Threshold">The return <see cref="StepsToThreshold"/> refers to: the plan's, or the condition's best baseline final mean.</param>
/// <param name="NormalisedScore"><c>(final - random) / (demo - random)</c> with the reference policies' final means of the same condition.</param>
/// <param name="PValueVsReference">Two-sided Welch's t-test of the final returns against <see cref="Reference"/>'s (null with fewer than two runs in either).</param>
public sealed record StudyGroupResult(
    string Config, string Algorithm, string? Weight, int Agents, string Corruption, int Runs, int Cells, IReadOnlyList<int> Seeds, bool Automatic,
    SeedStat? FinalReturn, SeedStat? ArrivalRate, double? Threshold, double? StepsToThreshold, double? WallSecondsToThreshold,
    double? NormalisedScore, string? Reference, double? PValueVsReference)
{
    /// <summary>The group's key, as in its cells: <c>config/nN/corruption</c>.</summary>
    public string Key => $"{Config}/n{Agents}/{Corruption}";
}

/// <summary>A study's summary: <c>{"study", "name", "groups": [...]}</c> in JSON.</summary>
/// <param name="FinalWindow">Iterations at the end of each run whose returns make its final return: 10% of the budget, at least one.</param>
public sealed record StudySummary(string Study, string Name, int Iterations, int FinalWindow, string? Reference, IReadOnlyList<StudyGroupResult> Groups)
{
    /// <summary>The learning configurations ranked in each condition, best mean rank first (<see cref="StudyRanking"/>).</summary>
    public IReadOnlyList<ConfigRanking> Ranking => StudyRanking.Of(this);

    /// <summary>The group of <paramref name="config"/> at this agent count and corruption level, or null.</summary>
    public StudyGroupResult? Find(string config, int agents, string corruption) =>
        Groups.FirstOrDefault(group => group.Config == config && group.Agents == agents && group.Corruption == corruption);
}

/// <summary>A group's mean curve of the team return against environment steps, with its 95% band.</summary>
public sealed record StudyCurve(StudyGroupResult Group, SeedBand Band);

/// <summary>
/// The statistics of a study, computed from its runs' stored metric rows. Definitions (docs/STUDIES.md):
/// <list type="bullet">
/// <item>A run's final value of a metric is the mean of its values over the last 10% of the
/// planned iterations (at least one iteration); only completed runs count.</item>
/// <item>A group's final return and arrival rate: mean, sample standard deviation and 95%
/// Student-t interval over its runs' final values.</item>
/// <item>Steps (and seconds) to threshold: <see cref="RunComparison.Reached"/> with each seed's
/// returns smoothed by a trailing mean over <see cref="SeedStatistics.ThresholdWindow"/> iterations.
/// The threshold is the plan's, else the best final mean among the condition's baselines
/// (learning algorithms other than LEED).</item>
/// <item>Normalised score: 0 is the random policy, 1 the replayed demonstrations, both of the same
/// agent count and corruption level (configurations without demonstrations use the clean level).</item>
/// <item>p-value: Welch's t-test of the final returns against the reference configuration's group
/// of the same condition.</item>
/// </list>
/// </summary>
public static class StudyResults
{
    public const double FinalShare = 0.1;

    /// <summary>The metrics the statistics read (a summary loads only these from the store).</summary>
    public static IReadOnlyList<string> Metrics { get; } = [MetricNames.EpisodicReturn, MetricNames.ArrivalRate];

    /// <summary>Iterations whose values make a run's final value: 10% of <paramref name="iterations"/>, at least 1.</summary>
    public static int FinalWindow(int iterations) => Math.Max(1, (int)Math.Ceiling(iterations * FinalShare));

    /// <summary>The smoothing applied to each seed before the threshold is read.</summary>
    public static double[] ThresholdSmoothing(IReadOnlyList<double> values) => SeedStatistics.TrailingMean(values, SeedStatistics.ThresholdWindow);

    /// <param name="runs">Each cell with its run and stored metrics (null while the cell has no run).</param>
    public static StudySummary Summarize(string studyId, StudyPlan plan, IReadOnlyList<(StoredStudyCell Cell, ComparedRun? Run)> runs) =>
        Compute(studyId, plan, runs).Summary;

    /// <summary>The summary and, per group, the mean curve with its band (for the figures).</summary>
    public static (StudySummary Summary, IReadOnlyList<StudyCurve> Curves) Compute(string studyId, StudyPlan plan,
        IReadOnlyList<(StoredStudyCell Cell, ComparedRun? Run)> runs)
    {
        int window = FinalWindow(plan.Iterations);
        var groups = runs.GroupBy(pair => (pair.Cell.Config, pair.Cell.Agents, pair.Cell.Corruption))
            .Select(group => new Group(group.Key.Config, group.Key.Agents, group.Key.Corruption, plan.Config(group.Key.Config),
                [.. group.Select(pair => pair.Cell.Seed)],
                [.. group.Where(pair => pair.Run is { Run.Status: RunStatus.Completed }).Select(pair => pair.Run!)], window))
            .Where(group => group.Config is not null)
            .ToList();

        Group? Find(string? config, int agents, string corruption) =>
            config is null ? null : groups.FirstOrDefault(g => g.Name == config && g.Agents == agents && g.Corruption == corruption);

        // Configurations without demonstrations ran once, under "none": they count in every corruption level of their agent count.
        Group? InCondition(StudyConfig? config, int agents, string corruption) =>
            config is null ? null : Find(config.Name, agents, config.CorruptionIn(corruption));

        StudyConfig? random = plan.Configs.FirstOrDefault(config => config.Algorithm.Algorithm == Algorithm.Random);
        StudyConfig? demo = plan.Configs.FirstOrDefault(config => config.Algorithm.Algorithm == Algorithm.Demo);
        StudyConfig? reference = plan.Reference is null ? null : plan.Config(plan.Reference);

        var results = new List<StudyGroupResult>(groups.Count);
        var curves = new List<StudyCurve>(groups.Count);
        foreach (Group group in groups)
        {
            double? threshold = plan.Threshold ?? plan.Configs.Where(config => config.IsBaseline)
                .Select(config => InCondition(config, group.Agents, group.Corruption)?.FinalReturn?.Mean).Max();
            ThresholdReached? reached = threshold is { } target && group.Completed.Count > 0
                ? RunComparison.Reached(group.AsRunGroup(), MetricNames.EpisodicReturn, target, ThresholdSmoothing) : null;

            double? low = InCondition(random, group.Agents, group.Corruption)?.FinalReturn?.Mean;
            double? high = InCondition(demo, group.Agents, group.Corruption)?.FinalReturn?.Mean;
            double? score = group.FinalReturn is { } final && low is { } r && high is { } d && d != r ? (final.Mean - r) / (d - r) : null;

            Group? against = InCondition(reference, group.Agents, group.Corruption);
            double? p = against is not null && against != group && group.Finals.Length >= 2 && against.Finals.Length >= 2
                ? WelchTest.Compare(group.Finals, against.Finals).PValue : null;

            var result = new StudyGroupResult(group.Name, group.Config!.Algorithm.Name, group.Config.Weight, group.Agents, group.Corruption,
                group.Completed.Count, group.Seeds.Count, group.Seeds, group.Config.Automatic, group.FinalReturn, group.ArrivalRate,
                threshold, reached?.Steps, reached?.Seconds, score, against is null || against == group ? null : reference!.Name, p);
            results.Add(result);
            curves.Add(new StudyCurve(result, group.Completed.Count == 0 ? SeedBand.Empty
                : RunComparison.SmoothedBand(group.AsRunGroup(), MetricNames.EpisodicReturn, CompareAxis.GlobalStep, ThresholdSmoothing)));
        }
        return (new StudySummary(studyId, plan.Name, plan.Iterations, window, plan.Reference, results), curves);
    }

    private sealed class Group
    {
        public Group(string name, int agents, string corruption, StudyConfig? config, List<int> seeds, List<ComparedRun> completed, int window)
        {
            (Name, Agents, Corruption, Config, Seeds, Completed) = (name, agents, corruption, config, seeds, completed);
            Finals = [.. completed.Select(run => RunComparison.FinalValue(run, MetricNames.EpisodicReturn, window)).OfType<double>()];
            FinalReturn = SeedStat.Of(Finals);
            ArrivalRate = SeedStat.Of([.. completed.Select(run => RunComparison.FinalValue(run, MetricNames.ArrivalRate, window)).OfType<double>()]);
        }

        public string Name { get; }
        public int Agents { get; }
        public string Corruption { get; }
        public StudyConfig? Config { get; }
        public List<int> Seeds { get; }
        public List<ComparedRun> Completed { get; }
        public double[] Finals { get; }
        public SeedStat? FinalReturn { get; }
        public SeedStat? ArrivalRate { get; }

        public RunGroup AsRunGroup() => new($"{Name}/n{Agents}/{Corruption}", Name, Completed);
    }
}
