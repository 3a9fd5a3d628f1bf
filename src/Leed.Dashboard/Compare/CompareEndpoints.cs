// The CSV download behind the Compare page's buttons, usable from scripts too: GET /api/compare.csv.
using System.Text;
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Compare;

public static class CompareEndpoints
{
    public const string CsvPath = "/api/compare.csv";

    public static IEndpointRouteBuilder MapCompareEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(CsvPath, Csv);
        return endpoints;
    }

    /// <summary>The link to the CSV of these runs, relative to the app's base address.</summary>
    public static string CsvLink(IEnumerable<string> runIds, string metric, bool wide) =>
        CsvPath.TrimStart('/') + "?runs=" + Uri.EscapeDataString(string.Join(',', runIds))
        + (wide ? "&format=wide" : "&metric=" + Uri.EscapeDataString(metric));

    /// <summary>
    /// <c>?runs=id,id&amp;groups=name&amp;metric=charts/episodic_return&amp;format=long|wide</c>: runs by id
    /// and whole groups; one metric in long format (the default, for the episodic return unless
    /// <c>metric</c> says otherwise) or every metric as a column. A 400 says which run, group,
    /// metric or format was wrong.
    /// </summary>
    internal static IResult Csv(string? runs, string? groups, string? metric, string? format, RunRegistry registry)
    {
        string layout = string.IsNullOrWhiteSpace(format) ? "long" : format.Trim().ToLowerInvariant();
        if (layout is not ("long" or "wide"))
            return Problem($"Unknown format '{format}': use format=long (one metric as the last column) or format=wide (every metric as a column).");

        IReadOnlyList<string> runIds = CompareSelection.Split(runs), groupNames = CompareSelection.Split(groups);
        if (runIds.Count == 0 && groupNames.Count == 0)
            return Problem("Say which runs to export: runs=ID,ID (ids as on the Runs page) and/or groups=NAME,NAME.");
        CompareSelection selection = CompareSelection.Resolve(runIds, groupNames, registry.List());
        if (selection.Problem is { } problem) return Problem(problem + " The Runs page lists every run with its id and group.");

        ComparedRun[] compared = [.. selection.Runs.Select(run => new ComparedRun(run, registry.Metrics(run.Id)))];
        if (layout == "wide") return Download(MetricsTable.ForRuns(compared, RunComparison.MetricNamesOf(compared)), CsvFileName(null));

        string chosen = string.IsNullOrWhiteSpace(metric) ? MetricNames.EpisodicReturn : metric.Trim();
        IReadOnlyList<string> present = RunComparison.MetricNamesOf(compared);
        if (!present.Contains(chosen, StringComparer.Ordinal))
            return Problem(present.Count == 0
                ? $"Unknown metric '{chosen}': the selected runs have no metrics stored yet."
                : $"Unknown metric '{chosen}': none of the selected runs has it. They have: {string.Join(", ", present)}.");
        return Download(MetricsTable.ForRuns(compared, [chosen]), CsvFileName(chosen));
    }

    private static IResult Download(string csv, string fileName) =>
        Results.File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", fileName);

    private static IResult Problem(string message) =>
        Results.Text(message + "\n", "text/plain; charset=utf-8", Encoding.UTF8, StatusCodes.Status400BadRequest);

    /// <summary>
    /// The download's file name: <c>leed-compare-episodic_return.csv</c> for one metric
    /// (<c>charts/</c> and <c>agents/</c> dropped, other slashes as dashes), <c>leed-compare-all-metrics.csv</c> for all.
    /// </summary>
    public static string CsvFileName(string? metric)
    {
        if (metric is null) return "leed-compare-all-metrics.csv";
        string name = metric.StartsWith(MetricNames.ChartsPrefix, StringComparison.Ordinal) ? metric[MetricNames.ChartsPrefix.Length..] : metric;
        if (name.StartsWith(MetricNames.AgentsPrefix, StringComparison.Ordinal)) name = name[MetricNames.AgentsPrefix.Length..];
        return $"leed-compare-{new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '-')])}.csv";
    }
}
