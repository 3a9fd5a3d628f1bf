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
