// Readable names for seed groups: the configuration they ran and their seeds, not a generated group id.
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Engine.Analysis;

public static class GroupLabels
{
    /// <summary>
    /// What a run trained, in the words of its settings: "leed (dynamic) · synthetic-small · 20 agents".
    /// The weight schedule is named only for algorithms that use one.
    /// </summary>
    public static string Configuration(RunRecord run)
    {
        string algorithm = run.Spec.Algorithm;
        if (Algorithms.Find(algorithm) is { UsesWeightSchedule: true } && !string.IsNullOrWhiteSpace(run.Spec.Weight))
            algorithm += $" ({run.Spec.Weight})";
        return $"{algorithm} · {run.Spec.Map} · {run.Agents} agents";
    }

    /// <summary>"seed 4", "seeds 1–3" for a consecutive range, "seeds 1, 2, 5" otherwise.</summary>
    public static string Seeds(IEnumerable<int> seeds)
    {
        int[] sorted = [.. seeds.Distinct().Order()];
        return sorted.Length switch
        {
            0 => "no seeds",
            1 => $"seed {sorted[0]}",
            _ when sorted.Length > 2 && sorted[^1] - sorted[0] == sorted.Length - 1 => $"seeds {sorted[0]}–{sorted[^1]}",
            _ => $"seeds {string.Join(", ", sorted)}",
        };
    }

    /// <summary>
    /// One name per group of runs: its configuration and seeds; where two groups would read the same,
    /// their demonstrations are added, and where they still do, the stored group name.
    /// </summary>
    public static IReadOnlyList<string> Names(IReadOnlyList<(string? Group, IReadOnlyList<RunRecord> Runs)> groups)
    {
        string[] names = [.. groups.Select(group => $"{Configuration(group.Runs[0])} · {Seeds(group.Runs.Select(run => run.Spec.Seed))}")];
        Disambiguate(names, index => groups[index].Runs[0].Demonstrations);
        Disambiguate(names, index => groups[index].Group ?? groups[index].Runs[0].Id);
        return names;
    }

    private static void Disambiguate(string[] names, Func<int, string> detail)
    {
        var repeated = names.GroupBy(name => name).Where(same => same.Count() > 1).Select(same => same.Key).ToHashSet();
        for (int i = 0; i < names.Length; i++)
            if (repeated.Contains(names[i])) names[i] += $" · {detail(i)}";
    }
}
