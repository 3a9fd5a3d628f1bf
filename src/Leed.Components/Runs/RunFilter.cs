// The run table's filters as pure functions: free text over every column, and a metric threshold.
using System.Globalization;
using Leed.Components.Views;

namespace Leed.Components.Runs;

/// <summary>A numeric column the run table can filter on.</summary>
public enum RunMetric
{
    BestReturn = 0,
    LastReturn = 1,
    Progress = 2,
    Steps = 3,
}

/// <summary>Which runs the table shows.</summary>
public static class RunFilter
{
    /// <summary>
    /// True when every word of <paramref name="text"/> occurs (ignoring case) in some column of the
    /// run, and the run's <paramref name="metric"/> is at least <paramref name="minimum"/>. A run
    /// with no value for the metric (no return yet) is hidden while a minimum is set.
    /// </summary>
    public static bool Matches(RunRow row, string? text, RunMetric metric = RunMetric.BestReturn, double? minimum = null)
    {
        if (minimum is { } min && !(Value(row, metric) >= min))
            return false;
        if (string.IsNullOrWhiteSpace(text))
            return true;

        var columns = SearchableText(row);
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!columns.Any(c => c is not null && c.Contains(word, StringComparison.OrdinalIgnoreCase)))
                return false;
        }
        return true;
    }

    /// <summary>The run's value for <paramref name="metric"/>, or null when it has none yet.</summary>
    public static double? Value(RunRow row, RunMetric metric) => metric switch
    {
        RunMetric.BestReturn => row.BestReturn,
        RunMetric.LastReturn => row.LastReturn,
        RunMetric.Progress => row.Progress,
        RunMetric.Steps => row.Steps,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
    };

    /// <summary>A label for a metric, as the threshold filter shows it.</summary>
    public static string Label(RunMetric metric) => metric switch
    {
        RunMetric.BestReturn => "Best return",
        RunMetric.LastReturn => "Last return",
        RunMetric.Progress => "Progress (0-1)",
        RunMetric.Steps => "Steps",
        _ => metric.ToString(),
    };

    // Any text column may be null: rows come from stored documents (LiteDB reads an empty string back as null).
    private static IEnumerable<string?> SearchableText(RunRow row)
    {
        var inv = CultureInfo.InvariantCulture;
        yield return row.Id;
        yield return row.Name;
        yield return row.Algorithm;
        yield return row.Map;
        yield return row.Agents.ToString(inv);
        yield return row.Demonstrator;
        yield return row.Seed.ToString(inv);
        yield return row.Status.ToString();
        if (row.BestReturn is { } best)
            yield return best.ToString("0.##", inv);
        if (row.LastReturn is { } last)
            yield return last.ToString("0.##", inv);
        yield return row.Steps.ToString(inv);
        foreach (var tag in row.Tags ?? [])
            yield return tag;
        yield return row.Notes;
        yield return row.Group;
        yield return row.CreatedAt.ToString("yyyy-MM-dd HH:mm", inv);
    }
}

/// <summary>
/// What the run table's filters are set to: the search text, the metric of the threshold and its
/// minimum. The page keeps it in its address (<c>?q=…&amp;metric=LastReturn&amp;min=50</c>), so a
/// reload or a shared link shows the same rows.
/// </summary>
public sealed record RunFilterState(string? Search = null, RunMetric Metric = RunMetric.BestReturn, double? Minimum = null)
{
    /// <summary>Longest search text kept (the box takes no more): enough for any run's words, and an address stays short.</summary>
    public const int MaxSearchLength = 200;

    public static readonly RunFilterState None = new();

    /// <summary>The search text as the address spells it: null when empty.</summary>
    public string? Query => string.IsNullOrEmpty(Search) ? null : Search;

    /// <summary>The metric as the address spells it: null for the default (Best return).</summary>
    public string? MetricName => Metric == RunMetric.BestReturn ? null : Metric.ToString();

    /// <summary>The minimum as the address spells it (invariant culture, round-trip), or null.</summary>
    public string? MinimumText => Minimum?.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The filters an address asks for. Each value stands alone and is ignored when it is not one the
    /// table could have written: a search longer than <see cref="MaxSearchLength"/>, a metric that is
    /// not a name of <see cref="RunMetric"/> (numbers included), a minimum that is not a finite number.
    /// A stale or hand-edited link then opens with the rest of its filters rather than failing.
    /// </summary>
    public static RunFilterState Parse(string? search, string? metric, string? minimum)
    {
        string? text = string.IsNullOrEmpty(search) || search.Length > MaxSearchLength ? null : search;
        RunMetric parsedMetric = metric is not null && Enum.GetNames<RunMetric>().FirstOrDefault(name => string.Equals(name, metric, StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<RunMetric>(name) : RunMetric.BestReturn;
        double? parsedMinimum = double.TryParse(minimum, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value : null;
        return new RunFilterState(text, parsedMetric, parsedMinimum);
    }
}

/// <summary>Turns the tag editor's text into tags and back.</summary>
public static class TagText
{
    /// <summary>Comma-separated tags, trimmed, without empties or repeats (ignoring case), in order.</summary>
    public static IReadOnlyList<string> Parse(string? text) =>
        (text ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToArray();

    /// <summary>The text the tag editor starts from.</summary>
    public static string Format(IReadOnlyList<string> tags) => string.Join(", ", tags);
}

/// <summary>Runs are the same run when their ids are equal, whatever else changed since.</summary>
public sealed class RunRowIdComparer : IEqualityComparer<RunRow>
{
    public static readonly RunRowIdComparer Instance = new();

    public bool Equals(RunRow? x, RunRow? y) => string.Equals(x?.Id, y?.Id, StringComparison.Ordinal);

    public int GetHashCode(RunRow obj) => StringComparer.Ordinal.GetHashCode(obj.Id);
}
