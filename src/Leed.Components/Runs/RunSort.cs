// The run table's sort as a page address keeps it: a column name and a direction, read back leniently.
using Leed.Components.Views;

namespace Leed.Components.Runs;

/// <summary>
/// The column the run table is sorted by, and which way. <see cref="Column"/> is the grid's own
/// name for the column (the <see cref="RunRow"/> property, or the title of a template column), so
/// the header the grid marks as sorted is the one the address names.
/// </summary>
public sealed record RunSort(string Column, bool Descending)
{
    /// <summary>Every sortable column by its address name, with the value it sorts on.</summary>
    public static IReadOnlyDictionary<string, Func<RunRow, object?>> Columns { get; } =
        new Dictionary<string, Func<RunRow, object?>>(StringComparer.OrdinalIgnoreCase)
        {
            [nameof(RunRow.Name)] = r => r.Name,
            [nameof(RunRow.Algorithm)] = r => r.Algorithm,
            [nameof(RunRow.Map)] = r => r.Map,
            [nameof(RunRow.Agents)] = r => r.Agents,
            [nameof(RunRow.Demonstrator)] = r => r.Demonstrator,
            [nameof(RunRow.Seed)] = r => r.Seed,
            [nameof(RunRow.Status)] = r => r.Status,
            [nameof(RunRow.Progress)] = r => r.Progress,
            [nameof(RunRow.BestReturn)] = r => r.BestReturn,
            [nameof(RunRow.LastReturn)] = r => r.LastReturn,
            [nameof(RunRow.Steps)] = r => r.Steps,
            [nameof(RunRow.WallTime)] = r => r.WallTime,
            [nameof(RunRow.Tags)] = r => TagText.Format(r.Tags ?? []),
            [nameof(RunRow.Notes)] = r => r.Notes,
            [nameof(RunRow.Group)] = r => r.Group,
            [nameof(RunRow.CreatedAt)] = r => r.CreatedAt,
        };

    /// <summary>The direction as the address spells it.</summary>
    public string Direction => Descending ? "desc" : "asc";

    /// <summary>
    /// The sort an address asks for, or null when it names no sortable column: a stale or mistyped
    /// link then opens the table in its usual order instead of failing. Any direction other than
    /// <c>desc</c> is ascending.
    /// </summary>
    public static RunSort? Parse(string? column, string? direction)
    {
        if (column is null || !Columns.ContainsKey(column))
            return null;
        string canonical = Columns.Keys.First(key => string.Equals(key, column, StringComparison.OrdinalIgnoreCase));
        return new RunSort(canonical, string.Equals(direction, "desc", StringComparison.OrdinalIgnoreCase));
    }
}
