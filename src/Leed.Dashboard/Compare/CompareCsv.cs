// CSV export of compared runs: one metric in long format, or every metric as a column.
using System.Globalization;
using System.Text;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Compare;

/// <summary>
/// Writes comparisons as CSV that pandas, R and spreadsheets read as they are: a header row, one
/// row per run and iteration (the iterations the run finally followed, see <see cref="ComparedRun"/>),
/// numbers in the invariant culture at full precision, a missing value as an empty field, and text
/// quoted only when it holds a comma, a quote or a line break (RFC 4180). Lines end with \n. Values
/// are raw: smoothing is a view, and whoever reads the file can smooth it their own way.
/// </summary>
public static class CompareCsv
{
    /// <summary>The columns that say which run and iteration a row is, before the metric columns.</summary>
    public static readonly IReadOnlyList<string> KeyColumns =
        ["run_id", "run_name", "group", "algorithm", "seed", "iteration", "global_step", "wall_seconds"];

    /// <summary>One row per run and iteration with <paramref name="metric"/> as the last column.</summary>
    public static string Long(IReadOnlyList<ComparedRun> runs, string metric) => Write(runs, [metric]);

    /// <summary>One row per run and iteration with every metric of any of the runs as a column.</summary>
    public static string Wide(IReadOnlyList<ComparedRun> runs) => Write(runs, RunComparison.MetricNamesOf(runs));

    /// <summary>A field as CSV text: quoted, with its quotes doubled, when it needs to be.</summary>
    public static string Field(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";

    private static string Write(IReadOnlyList<ComparedRun> runs, IReadOnlyList<string> metrics)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', KeyColumns.Concat(metrics).Select(Field)).Append('\n');
        foreach (ComparedRun run in runs)
        {
            string prefix = string.Join(',', Field(run.Id), Field(run.Name), Field(run.Group ?? ""), Field(run.Algorithm),
                run.Seed.ToString(CultureInfo.InvariantCulture));
            foreach (MetricRecord row in run.Iterations)
            {
                csv.Append(prefix).Append(',')
                    .Append(row.Iteration.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(row.GlobalStep.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(Number(row.WallSeconds));
                foreach (string metric in metrics)
                    csv.Append(',').Append(row.Values.TryGetValue(metric, out double value) ? Number(value) : "");
                csv.Append('\n');
            }
        }
        return csv.ToString();
    }

    // The shortest text that reads back as the same double.
    private static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "";
}
