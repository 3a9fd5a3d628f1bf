// Which runs a comparison is about, from the run ids and group names of a link (?runs=a,b&groups=g).
using Leed.Engine.Runs;

namespace Leed.Dashboard.Compare;

/// <summary>
/// The runs named by id and the runs of the named groups, in the order named (a group's runs by
/// seed), each once; and the ids and groups that match nothing, so the caller can say so.
/// </summary>
public sealed record CompareSelection(IReadOnlyList<RunRecord> Runs, IReadOnlyList<string> UnknownRuns, IReadOnlyList<string> UnknownGroups)
{
    /// <summary>A sentence naming what was not found, or null when everything was.</summary>
    public string? Problem =>
        (UnknownRuns.Count, UnknownGroups.Count) switch
        {
            (0, 0) => null,
            (> 0, 0) => $"No run with id {string.Join(", ", UnknownRuns)}.",
            (0, > 0) => $"No run group named {string.Join(", ", UnknownGroups)}.",
            _ => $"No run with id {string.Join(", ", UnknownRuns)}, and no run group named {string.Join(", ", UnknownGroups)}.",
        };

    /// <summary>The items of a comma-separated list, trimmed, without empties or repeats.</summary>
    public static IReadOnlyList<string> Split(string? list) =>
        [.. (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    public static CompareSelection Resolve(IReadOnlyList<string> runIds, IReadOnlyList<string> groups, IReadOnlyList<RunRecord> all)
    {
        var byId = all.ToDictionary(run => run.Id, StringComparer.Ordinal);
        var chosen = new List<RunRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknownRuns = new List<string>();
        var unknownGroups = new List<string>();
        foreach (string id in runIds)
        {
            if (!byId.TryGetValue(id, out RunRecord? run)) unknownRuns.Add(id);
            else if (seen.Add(id)) chosen.Add(run);
        }
        foreach (string group in groups)
        {
            RunRecord[] members = [.. all.Where(run => run.Spec.Group == group).OrderBy(run => run.Spec.Seed)];
            if (members.Length == 0) unknownGroups.Add(group);
            chosen.AddRange(members.Where(run => seen.Add(run.Id)));
        }
        return new CompareSelection(chosen, unknownRuns, unknownGroups);
    }
}
