// A run's exports as downloads behind its page's buttons, usable from scripts too: GET /api/runs/{id}/tensorboard.
using Leed.Dashboard.LocalApi;
using Leed.Engine.Export;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Runs;

public static class RunExportEndpoints
{
    public static IEndpointRouteBuilder MapRunExportEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/runs/{id}/tensorboard", TensorBoard);
        return endpoints;
    }

    /// <summary>The link to a run's TensorBoard event file, relative to the app's base address.</summary>
    public static string TensorBoardLink(string runId) => $"api/runs/{Uri.EscapeDataString(runId)}/tensorboard";

    /// <summary>
    /// The run's whole stored series as one event file named as TensorBoard expects
    /// (<c>events.out.tfevents.TIME.HOST</c>); put it in a folder of its own under <c>--logdir</c>.
    /// </summary>
    internal static IResult TensorBoard(string id, RunRegistry registry)
    {
        if (registry.Get(id) is null)
            return Results.Text(RunRecord.NotFound(id) + "\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        TensorBoardDownload download = TensorBoardFile(id, registry);
        return Results.File(download.Content, "application/octet-stream", download.File.Path);
    }

    /// <summary>The run's event file in memory, with what it holds; its <c>Path</c> is the file name.</summary>
    internal static TensorBoardDownload TensorBoardFile(string id, RunRegistry registry)
    {
        RunRecord run = registry.Get(id) ?? throw new KeyNotFoundException(RunRecord.NotFound(id));
        using var buffer = new MemoryStream();
        TensorBoardFile file = TensorBoardExport.Write(run, registry.Store.MetricsOf(id), buffer, TensorBoardExport.FileName(DateTime.UtcNow));
        return new TensorBoardDownload(file, buffer.ToArray());
    }
}
