// `store check` and `store backup`: what a data folder's database still holds, and a consistent copy of it, from the store or the dashboard that owns it.
using System.CommandLine;
using Leed.Dashboard.LocalApi;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

internal static class StoreVerbs
{
    private static readonly Option<string?> Output = CliOptions.Text("--out", "the backup file to write (e.g. leed-backup.db)", "FILE");
    private static readonly Option<bool> Overwrite = CliOptions.Flag("--overwrite", "replace an existing file");

    public static Command Command() => new("store", "The data folder's database: check what it holds, back it up.")
    {
        CommandLine.Verb("check", "Reads every collection and stored file and reports what is readable, as JSON. Exit 2 when anything is not.",
            [CliOptions.Data], CheckAsync),
        CommandLine.Verb("backup", "Writes a consistent, verified copy of the database to --out FILE (also while a dashboard uses it); prints what it holds.",
            [CliOptions.Data, Output, Overwrite], BackupAsync),
    };

    private static async Task<int> CheckAsync(VerbContext context)
    {
        StoreCheckReport report = await CheckedAsync(context);
        context.WriteJson(report);
        if (report.Healthy)
        {
            context.Error.WriteLine($"{report.Database}: every collection and stored file is readable.");
            return 0;
        }
        context.Error.WriteLine($"{report.Database} is not healthy: {report.Problem ?? "see the collections and files marked with a problem"}. " +
            "`store backup --out FILE` copies what is readable while it opens; otherwise restore a backup.");
        return 2;
    }

    /// <summary>
    /// The dashboard's own check when one owns the folder; else the folder is checked without opening
    /// it as a store, so a database too damaged to open still gets a report.
    /// </summary>
    private static async Task<StoreCheckReport> CheckedAsync(VerbContext context)
    {
        string folder = context.Options.DataDirectory;
        if (File.Exists(folder)) throw new UsageException($"--data '{folder}' is a file; give the folder that holds {LiteDbStore.DatabaseFileName}.");
        try
        {
            return LiteDbStore.CheckFolder(folder, DataFolderOwner.ForThisProcess(context.VerbName), TimeSpan.Zero);
        }
        catch (DataFolderBusyException busy) when (LocalApiClient.ForOwner(busy.Owner) is { } dashboard)
        {
            using (dashboard) return await dashboard.CheckStoreAsync(context.Cancellation);
        }
        catch (DataFolderBusyException)
        {
            return LiteDbStore.CheckFolder(folder, DataFolderOwner.ForThisProcess(context.VerbName), context.Options.Storage.LockWait);
        }
    }

    private static async Task<int> BackupAsync(VerbContext context)
    {
        string output = context.Get(Output) ?? throw new UsageException("--out FILE is required: where to write the copy, e.g. --out leed-backup.db.");
        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        StoreBackupResult backup = dashboard is not null
            ? await dashboard.BackupAsync(output, context.Get(Overwrite), context.Cancellation)
            : store!.Backup(output, context.Get(Overwrite));
        context.Error.WriteLine($"Wrote a verified copy of the database to {backup.Path} ({backup.Bytes:N0} bytes, {backup.Files} stored file(s)).");
        context.WriteJson(backup);
        return 0;
    }
}
