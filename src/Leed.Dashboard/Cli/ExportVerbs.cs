// `export tensorboard`: stored runs' metric series as TensorBoard event files, one folder per run.
using System.CommandLine;
using Leed.Dashboard.LocalApi;
using Leed.Engine.Export;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

internal static class ExportVerbs
{
    private static readonly Argument<string[]> RunIds = new("RUN_ID")
    {
        Description = "the ids of the runs to export (the Runs page shows them)",
        HelpName = "RUN_ID",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private static readonly Option<string?> Study = CliOptions.Text("--study", "export every run of this study instead (`study list` shows the ids)", "ID");
    private static readonly Option<string?> Output = CliOptions.Text("--out",
        "folder for the event files: one subfolder per run, named by its id (point `tensorboard --logdir` at it)", "DIR");

    public static Command Command() => new("export", "Exports stored runs for other tools.")
    {
        CommandLine.Verb("tensorboard",
            "Writes each run's metrics as a TensorBoard event file (tags: the metric names, step: the global step) to --out DIR/RUN_ID/; prints what was written as JSON.",
            [RunIds, Study, Output, CliOptions.Data], TensorBoardAsync),
    };

    /// <summary>What `export tensorboard` prints.</summary>
    internal sealed record TensorBoardExported(string Out, IReadOnlyList<TensorBoardFile> Files);

    private static async Task<int> TensorBoardAsync(VerbContext context)
    {
        string[] ids = context.Get(RunIds) ?? [];
        string? study = context.Get(Study);
        if (ids.Length > 0 && study is not null) throw new UsageException("Give run ids or --study ID, not both.");
        if (ids.Length == 0 && study is null) throw new UsageException("Say what to export: one or more RUN_IDs, or --study ID.");
        string output = Path.GetFullPath(context.Require(Output));
        if (File.Exists(output)) throw new UsageException($"--out '{output}' is a file; give a folder (it is created when missing).");
        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        var files = new List<TensorBoardFile>();
        if (dashboard is null)
        {
            var runs = new RunStore(store!);
            if (study is not null) ids = [.. Started(StoredStudyRuns(store!, study), study)];
            // Every id is checked before anything is written, so a typo leaves no partial export behind.
            if (ids.FirstOrDefault(id => runs.Find(id) is null) is { } missing)
                throw new InputException(RunRecord.NotFound(missing) + " Nothing was written.");
            files.AddRange(ids.Select(id => TensorBoardExport.ToFolder(runs, id, output)));
        }
        else
        {
            try
            {
                if (study is not null) ids = [.. Started(await dashboard.StudyRunsAsync(study, context.Cancellation), study)];
                foreach (string id in ids) await dashboard.ShowRunAsync(id, context.Cancellation);
                foreach (string id in ids) files.Add(await DownloadAsync(dashboard, id, output, context.Cancellation));
            }
            catch (LocalApiException refused)
            {
                context.Error.WriteLine($"error: {refused.Message}" + (files.Count > 0 ? $" {files.Count} run(s) before it were written." : " Nothing was written."));
                return refused.ExitCode;
            }
        }
        context.WriteJson(new TensorBoardExported(output, files));
        return 0;
    }

    private static IReadOnlyList<string> StoredStudyRuns(ILeedStore store, string study)
    {
        try
        {
            return TensorBoardExport.StudyRuns(store, study);
        }
        catch (KeyNotFoundException missing)
        {
            throw new InputException(missing.Message + " Nothing was written.");
        }
    }

    /// <summary>A study whose cells have not started has nothing to export: bad input, said so.</summary>
    private static IReadOnlyList<string> Started(IReadOnlyList<string> ids, string study) =>
        ids.Count > 0 ? ids : throw new InputException($"Study {study} has no runs yet: none of its cells has started. Nothing was written.");

    /// <summary>The dashboard writes the file into the answer; it is stored here as <c>DIR/RUN_ID/NAME</c>.</summary>
    private static async Task<TensorBoardFile> DownloadAsync(LocalApiClient dashboard, string id, string output, CancellationToken cancellation)
    {
        TensorBoardDownload download = await dashboard.TensorBoardAsync(id, cancellation);
        string folder = Path.Combine(output, id);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, Path.GetFileName(download.File.Path));
        string temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, download.Content, cancellation);
        File.Move(temporary, path, overwrite: true);
        return download.File with { Path = path };
    }
}
