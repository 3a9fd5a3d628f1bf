// The Study page's downloads, usable from scripts too: GET /api/studies/ID/summary.csv, summary.md and summary.json.
using Leed.Engine.Analysis;
using Leed.Engine.Studies;

namespace Leed.Dashboard.Studies;

public static class StudyEndpoints
{
    public static IEndpointRouteBuilder MapStudyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/studies/{id}/summary.csv", (string id, StudyRunner runner) =>
            With(runner, id, summary => Results.Text(StudyReport.Csv(summary), "text/csv; charset=utf-8")));
        endpoints.MapGet("/api/studies/{id}/summary.md", (string id, StudyRunner runner) =>
            With(runner, id, summary => Results.Text(StudyReport.Markdown(summary), "text/markdown; charset=utf-8")));
        endpoints.MapGet("/api/studies/{id}/summary.json", (string id, StudyRunner runner) =>
            With(runner, id, summary => Results.Json(summary, Cli.CommandLine.Compact)));
        return endpoints;
    }

    /// <summary>The link to one of the downloads, relative to the app's base address.</summary>
    public static string Link(string id, string extension) => $"api/studies/{Uri.EscapeDataString(id)}/summary.{extension}";

    private static IResult With(StudyRunner runner, string id, Func<StudySummary, IResult> answer) =>
        runner.Studies.Find(id) is { } study
            ? answer(runner.Results(study).Summary)
            : Results.Problem(statusCode: 404, title: $"No study with id {id}. The Studies page lists them.");
}
