// The one CSV dialect for tables of metrics (metrics.csv, the Compare export, the learning benchmark's curves.csv), safe to open in a spreadsheet.
using System.Globalization;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Engine.Analysis;

/// <summary>
/// One CSV cell: text, or a number. Numbers are written in the invariant culture in the shortest
/// form that reads back as the same double; a missing or non-finite number is an empty field.
/// Text is quoted only when it holds a comma, a quote or a line break (RFC 4180), and text that a
/// spreadsheet would run as a formula (it begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab
/// or a carriage return) gets a leading <c>'</c>, so a run named <c>=HYPERLINK(...)</c> stays text.
/// Numbers are never altered, so <c>-1.5</c> stays a number.
/// </summary>
public readonly struct CsvCell
{
    private readonly string _field;

    private CsvCell(string field) => _field = field;

    public static CsvCell Text(string text)
    {
        string safe = text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
        return new CsvCell(safe.AsSpan().IndexOfAny(",\"\r\n") < 0 ? safe : "\"" + safe.Replace("\"", "\"\"") + "\"");
    }

    public static CsvCell Number(double? value) =>
        new(value is { } number && double.IsFinite(number) ? number.ToString("R", CultureInfo.InvariantCulture) : "");

    public static CsvCell Number(long value) => new(value.ToString(CultureInfo.InvariantCulture));

    public static implicit operator CsvCell(string text) => Text(text);
    public static implicit operator CsvCell(long value) => Number(value);
    public static implicit operator CsvCell(double value) => Number(value);

    /// <summary>The cell as it appears in the file.</summary>
    public override string ToString() => _field ?? "";
}

/// <summary>
/// A table whose rows are iterations: the caller's key columns (which run, which seed), then
/// <c>iteration</c>, <c>globalStep</c>, optionally <c>wallSeconds</c>, then one column per metric,
/// each named by its <see cref="MetricNames"/> constant. Every row has every column; a metric an
/// iteration lacks is empty. Lines end with <c>\n</c>. Values are raw: smoothing is a view.
/// </summary>
public sealed class MetricsTable
{
    private readonly IReadOnlyList<string> _keys, _metrics;
    private readonly bool _wallSeconds;

    public MetricsTable(IReadOnlyList<string> keyColumns, IReadOnlyList<string> metrics, bool wallSeconds = false)
    {
        (_keys, _metrics, _wallSeconds) = (keyColumns, metrics, wallSeconds);
        Columns = [.. keyColumns, MetricNames.Iteration, MetricNames.GlobalStep, .. wallSeconds ? [MetricNames.WallSeconds] : Array.Empty<string>(), .. metrics];
    }

    /// <summary>One run's table (a trainer's <c>metrics.csv</c>): every metric a run of <paramref name="agents"/> agents can report.</summary>
    public MetricsTable(int agents) : this([], MetricNames.All(agents)) { }

    public IReadOnlyList<string> Columns { get; }

    public string CsvHeader => Line(Columns.Select(CsvCell.Text));

    /// <summary>A trainer's iteration as a line (no line ending).</summary>
    public string CsvRow(IterationMetrics metrics, params CsvCell[] keys) => CsvRow(keys, metrics.Iteration, metrics.GlobalStep, null, metrics.Values);

    /// <summary>A stored iteration as a line (no line ending).</summary>
    public string CsvRow(MetricRecord record, params CsvCell[] keys) => CsvRow(keys, record.Iteration, record.GlobalStep, record.WallSeconds, record.Values);

    /// <summary>A trainer's iteration as name -> value (null when absent or not finite), in column order, for a compact JSON line.</summary>
    public IReadOnlyDictionary<string, double?> Row(IterationMetrics metrics)
    {
        var row = new Dictionary<string, double?>(Columns.Count)
        {
            [MetricNames.Iteration] = metrics.Iteration,
            [MetricNames.GlobalStep] = metrics.GlobalStep,
        };
        foreach (string metric in _metrics) row[metric] = metrics[metric] is { } value && double.IsFinite(value) ? value : null;
        return row;
    }

    /// <summary>
    /// Compared runs, one row per run and iteration (the iterations each run finally followed),
    /// keyed by <c>runId</c>, <c>runName</c>, <c>group</c>, <c>algorithm</c> and <c>seed</c>, with
    /// <c>wallSeconds</c> and the given metrics.
    /// </summary>
    public static string ForRuns(IReadOnlyList<ComparedRun> runs, IReadOnlyList<string> metrics)
    {
        var table = new MetricsTable(["runId", "runName", "group", "algorithm", "seed"], metrics, wallSeconds: true);
        var csv = new System.Text.StringBuilder().Append(table.CsvHeader).Append('\n');
        foreach (ComparedRun run in runs)
            foreach (MetricRecord row in run.Iterations)
                csv.Append(table.CsvRow(row, run.Id, run.Name, run.Group ?? "", run.Algorithm, run.Seed)).Append('\n');
        return csv.ToString();
    }

    private string CsvRow(IReadOnlyList<CsvCell> keys, int iteration, long globalStep, double? wallSeconds, IReadOnlyDictionary<string, double> values)
    {
        if (keys.Count != _keys.Count) throw new ArgumentException($"The table has {_keys.Count} key columns ({string.Join(", ", _keys)}); the row gives {keys.Count}.");
        IEnumerable<CsvCell> cells = [.. keys, iteration, globalStep];
        if (_wallSeconds) cells = cells.Append(CsvCell.Number(wallSeconds));
        return Line(cells.Concat(_metrics.Select(metric => CsvCell.Number(values.TryGetValue(metric, out double value) ? value : null))));
    }

    private static string Line(IEnumerable<CsvCell> cells) => string.Join(',', cells);
}
