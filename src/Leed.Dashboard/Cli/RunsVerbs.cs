// `runs list` and `runs show`: the stored runs as the Runs page shows them, from the store or the dashboard that owns it.
using System.CommandLine;
using Leed.Dashboard.LocalApi;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

internal static class RunsVerbs
{
    private static readonly Argument<string> Id = CliOptions.Argument("ID", "run id (see `runs list`)");

    public static Command Command() => new("runs", "Stored runs: list them and show one, as the Runs page does.")
    {
        CommandLine.Verb("list", "Lists every run, newest first, as a JSON array (id, name, algorithm, map, agents, status, iterations, ...).",
            [CliOptions.Data], ListAsync),
        CommandLine.Verb("show", "Prints one run's summary, configuration, progress and outcome as JSON.", [Id, CliOptions.Data], ShowAsync),
    };

    private static async Task<int> ListAsync(VerbContext context)
    {
        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        IReadOnlyList<RunSummary> runs = dashboard is not null
            ? await dashboard.ListRunsAsync(context.Cancellation)
            : [.. new RunStore(store!).List().Select(RunSummary.Of)];
        context.WriteJson(runs);
        return 0;
    }

    private static async Task<int> ShowAsync(VerbContext context)
    {
        string id = context.Get(Id);
        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        if (dashboard is not null)
        {
            context.WriteJson(await dashboard.ShowRunAsync(id, context.Cancellation));
            return 0;
        }
        var runs = new RunStore(store!);
        RunRecord run = runs.Find(id) ?? throw new InputException($"No run with id '{id}'. Run `runs list` for the ids.");
        context.WriteJson(RunDetails.Of(run, runs.MetricsOf(id).Count));
        return 0;
    }
}
