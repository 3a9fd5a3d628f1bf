// What a side-by-side replay link names on each side (RUN or RUN@ITERATION), and whether two episodes share a scenario.
using System.Globalization;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Replay;

/// <summary>One side of <c>/replay?left=RUN@ITER&amp;right=RUN@ITER</c>: a run and, optionally, the iteration whose episode to show (else its latest).</summary>
public sealed record ReplayTarget(string RunId, int? Iteration)
{
    /// <summary>
    /// Reads <c>RUN</c> or <c>RUN@ITERATION</c>; null for an empty value. A malformed value is refused
    /// with <paramref name="problem"/> naming the side (<paramref name="side"/>) and what was wrong.
    /// </summary>
    public static ReplayTarget? Parse(string? text, string side, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text)) return null;
        string value = text.Trim();
        int at = value.LastIndexOf('@');
        if (at < 0) return new ReplayTarget(value, null);
        string run = value[..at], iteration = value[(at + 1)..];
        if (iteration.Length == 0) return new ReplayTarget(run, null);
        if (run.Length == 0 || !int.TryParse(iteration, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < 1)
        {
            problem = $"{side}={value}: write RUN or RUN@ITERATION, with the iteration a whole number from 1 (for example {side}=RUN_ID@120).";
            return null;
        }
        return new ReplayTarget(run, number);
    }

    public override string ToString() => Iteration is int iteration ? $"{RunId}@{iteration.ToString(CultureInfo.InvariantCulture)}" : RunId;

    /// <summary>The page's link for two sides (either may be missing), relative to the app's base address.</summary>
    public static string Link(ReplayTarget? left, ReplayTarget? right)
    {
        var query = new List<string>();
        if (left is not null) query.Add("left=" + Uri.EscapeDataString(left.ToString()));
        if (right is not null) query.Add("right=" + Uri.EscapeDataString(right.ToString()));
        return "replay" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }
}

/// <summary>Whether two runs' episodes can be replayed side by side: the same map and the same agents.</summary>
public static class ReplayScenario
{
    /// <summary>
    /// Null when both episodes ran on one scenario: their scenario keys agree, or (for episodes recorded
    /// before keys were) the runs' map and every agent's destination agree. Else a sentence saying how they differ.
    /// </summary>
    public static string? Mismatch(RunRecord left, EpisodeSnapshot leftEpisode, RunRecord right, EpisodeSnapshot rightEpisode)
    {
        bool same = leftEpisode.ScenarioKey is { } a && rightEpisode.ScenarioKey is { } b
            ? a == b
            : left.Spec.Map == right.Spec.Map && leftEpisode.Destinations.AsSpan().SequenceEqual(rightEpisode.Destinations);
        if (same) return null;
        return $"These runs are on different scenarios: {Describe(left, leftEpisode)} on the left, {Describe(right, rightEpisode)} on the right. "
            + "A side-by-side replay shows the same agents on the same roads: pick two runs of one map, agent count and scenario seed "
            + "(or of one demonstration set), or two iterations of one run.";
    }

    private static string Describe(RunRecord run, EpisodeSnapshot episode) =>
        $"'{(string.IsNullOrWhiteSpace(run.Spec.Name) ? run.Id : run.Spec.Name)}' on {run.Spec.Map} with {episode.Destinations.Length} agents "
        + (run.Spec.Demonstrator == "set" && run.Spec.DemoSetId is int set ? $"(demonstration set {set}'s scenario)" : $"(scenario seed {run.Spec.ScenarioSeed})");
}
