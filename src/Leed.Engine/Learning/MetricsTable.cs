// Iteration metrics as table rows: CSV lines and JSON-ready dictionaries with a fixed column order.
using System.Globalization;

namespace Leed.Engine.Learning;

/// <summary>
/// A fixed set of columns (iteration, globalStep, then every metric a run of N agents can report)
/// so that every row of a run has the same shape. Missing or non-finite values are empty in CSV
/// and null in JSON.
/// </summary>
public sealed class MetricsTable(int agents)
{
    public IReadOnlyList<string> Columns { get; } = [MetricNames.Iteration, MetricNames.GlobalStep, .. MetricNames.All(agents)];

    public string CsvHeader => string.Join(',', Columns);

    public string CsvRow(IterationMetrics metrics) => string.Join(',', Columns.Select(column => Value(metrics, column) switch
    {
        null => "",
        double value => value.ToString("R", CultureInfo.InvariantCulture),
    }));

    /// <summary>One row as name -> value (null when absent), in column order, for a compact JSON line.</summary>
    public IReadOnlyDictionary<string, double?> Row(IterationMetrics metrics)
    {
        var row = new Dictionary<string, double?>(Columns.Count);
        foreach (string column in Columns) row[column] = Value(metrics, column);
        return row;
    }

    private static double? Value(IterationMetrics metrics, string column) => column switch
    {
        MetricNames.Iteration => metrics.Iteration,
        MetricNames.GlobalStep => metrics.GlobalStep,
        _ => metrics[column] is { } value && double.IsFinite(value) ? value : null,
    };
}
