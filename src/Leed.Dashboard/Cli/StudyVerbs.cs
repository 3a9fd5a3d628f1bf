// `study run`, `study resume`, `study list` and `study show`: studies from the command line, streaming one JSON line per finished run, then the summary.
using System.CommandLine;
using Leed.Dashboard.Studies;
using Leed.Engine.Analysis;
using Leed.Engine.Demonstrations;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Studies;

namespace Leed.Dashboard.Cli;

internal static class StudyVerbs
{
    private static readonly Argument<string> File = CliOptions.Argument("FILE", "study file (JSON; docs/STUDIES.md describes it)");
    private static readonly Argument<string> StudyId = CliOptions.Argument("ID", "study id (see `study list`)");
    private static readonly Option<int?> Iterations = CliOptions.OptionalInt("--iterations", "replace the file's iterations (recorded with the study)", "I", 1, StudyPlanReader.MaxIterations);
    private static readonly Option<IntList?> Seeds = CliOptions.OptionalIntList("--seeds", "replace the file's seeds, comma-separated (recorded with the study)", "LIST");
    private static readonly Option<IntList?> Agents = CliOptions.OptionalIntList("--agents", "replace the file's agent counts, comma-separated (recorded with the study)", "LIST");
    private static readonly Option<int?> Envs = CliOptions.OptionalInt("--envs", "replace hyperparameters.Envs (recorded with the study)", "E", 1, 4096);
    private static readonly Option<int?> Steps = CliOptions.OptionalInt("--steps", "replace hyperparameters.Steps (recorded with the study)", "T", 1, 100_000);
    private static readonly Option<int> MaxConcurrent = CliOptions.Int("--max-concurrent", "runs that train at once (the rest wait in the queue)", "N", 1, 1, 64);
    private static readonly Option<bool> Json = CliOptions.Flag("--json", "the summary as JSON (the default)");
    private static readonly Option<bool> Markdown = CliOptions.Flag("--markdown", "the summary as a markdown table");
    private static readonly Option<bool> Csv = CliOptions.Flag("--csv", "the summary as CSV, one row per group");
    private static readonly Option<string?> Png = CliOptions.Text("--png",
        "also write the study's figures as PNG files into DIR (drawn by the page's Plotly in headless Chromium; --browser or LEED_CHROMIUM names it)", "DIR");
    private static readonly Option<string?> Browser = CliOptions.Text("--browser", "Chromium or Chrome executable for --png (default: LEED_CHROMIUM, then chromium on the PATH)", "PATH");

    public static Command Command() => new("study", "Studies: grids of runs (agents x corruption x configurations x seeds) that run, resume and summarise themselves.")
    {
        CommandLine.Verb("run", "Runs a study file: streams one JSON line per finished run, then the summary.",
            [File, CliOptions.Data, Iterations, Seeds, Agents, Envs, Steps, MaxConcurrent], RunAsync),
        CommandLine.Verb("resume", "Continues a study after a stop or crash: finished cells are kept, interrupted ones continue from their checkpoints.",
            [StudyId, CliOptions.Data, MaxConcurrent], ResumeAsync),
        CommandLine.Verb("list", "Lists the stored studies with their progress, newest first, as JSON.", [CliOptions.Data], ListAsync),
        CommandLine.Verb("show", "Prints a study's summary (JSON, --markdown or --csv); --png DIR writes its figures.",
            [StudyId, CliOptions.Data, Json, Markdown, Csv, Png, Browser], ShowAsync),
    };

    private static async Task<int> RunAsync(VerbContext context)
    {
        string path = context.Get(File);
        if (!System.IO.File.Exists(path)) throw new InputException($"No study file at '{path}'.");
        var overrides = new StudyOverrides
        {
            Iterations = context.Get(Iterations),
            Seeds = context.Get(Seeds)?.Values,
            Agents = context.Get(Agents)?.Values,
            Hyperparameters = new Dictionary<string, double>(
                new[] { (nameof(Hyperparameters.Envs), context.Get(Envs)), (nameof(Hyperparameters.Steps), context.Get(Steps)) }
                    .Where(pair => pair.Item2 is not null).Select(pair => KeyValuePair.Create(pair.Item1, (double)pair.Item2!.Value))),
        };
        StudyPlan plan = ReadPlan(() => StudyPlanReader.ReadFile(path, MapCatalog.For(context.Store), overrides));
        using StudyHost host = StudyHost.Open(context, context.Get(MaxConcurrent));
        StudyRecord study = host.Runner.Create(plan, Path.GetFileName(path), await System.IO.File.ReadAllTextAsync(path, context.Cancellation), overrides);
        context.Error.WriteLine($"Study {study.Id} ({plan.Name}): {study.Cells.Count} cells" +
            (study.Overrides.Count > 0 ? $", overrides {string.Join(", ", study.Overrides)}" : "") + $". `study resume {study.Id}` continues it after a stop.");
        return await RunToEndAsync(context, host, study.Id, resume: false);
    }

    private static async Task<int> ResumeAsync(VerbContext context)
    {
        string id = context.Get(StudyId);
        using StudyHost host = StudyHost.Open(context, context.Get(MaxConcurrent));
        if (host.Runner.Studies.Find(id) is null) throw new InputException($"No study with id {id}. `study list` shows the stored studies.");
        return await RunToEndAsync(context, host, id, resume: true);
    }

    /// <summary>Starts (or resumes) the study and waits for its cells, one JSON line per finished run, then the summary line.</summary>
    private static async Task<int> RunToEndAsync(VerbContext context, StudyHost host, string id, bool resume)
    {
        int? failed = await RunCellsAsync(context, host, id, resume, (cell, run) => context.WriteJson(new
        {
            study = id, cell = cell.Key, runId = run.Id, config = cell.Config, agents = cell.Agents, corruption = cell.Corruption, seed = cell.Seed,
            status = run.Status, iterations = run.Iteration, globalStep = run.GlobalStep, wallSeconds = Math.Round(run.WallSeconds, 2),
            lastReturn = run.LastReturn, error = run.Error,
        }, indented: false));
        if (failed is null) return 1;
        context.WriteJson(host.Summarize(id).Summary, indented: false);
        if (failed > 0) context.Error.WriteLine($"{failed} cell(s) did not complete; their errors are in the lines above. The summary covers the completed ones.");
        return failed > 0 ? 1 : 0;
    }

    /// <summary>
    /// Starts (or resumes) the study and waits until no cell is queued or running, calling
    /// <paramref name="onFinished"/> per run that ends meanwhile; the number of cells that did not
    /// complete, or null when Ctrl+C stopped it (what ran is kept for `study resume`).
    /// </summary>
    internal static async Task<int?> RunCellsAsync(VerbContext context, StudyHost host, string id, bool resume, Action<StoredStudyCell, RunRecord> onFinished)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            StudyRecord study;
            try
            {
                study = resume ? host.Runner.Resume(id, cancel.Token) : host.Runner.Start(id, cancel.Token);
            }
            catch (StudyException failure)
            {
                throw new InputException(failure.Message);
            }
            StudyProgress progress = host.Runner.Progress(study);
            if (resume) context.Error.WriteLine($"Resuming study {id}: {progress.Completed} of {progress.Cells} cells finished before, {progress.Queued + progress.Running} queued.");
            int failed = 0;
            await host.Runner.WaitAsync(id, (cell, run) =>
            {
                if (run.Status != RunStatus.Completed) failed++;
                onFinished(cell, run);
            }, cancel.Token);
            return failed;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine($"Stopped; `study resume {id}` continues it (finished cells are kept, stopped ones continue from their checkpoints).");
            return null;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static Task<int> ListAsync(VerbContext context)
    {
        var runs = new RunStore(context.Store);
        context.WriteJson(new StudyStore(context.Store).List().Select(study =>
        {
            StudyProgress progress = StudyProgress.Of(study.Cells.Select(cell => StudyProgress.StateOf(cell.RunId is null ? null : runs.Find(cell.RunId))));
            return new
            {
                study.Id, study.Name, study.Source, createdAt = study.CreatedAt.ToUniversalTime(), status = progress.Status,
                cells = progress.Cells, progress.Completed, progress.Failed, progress.Running, progress.Queued, progress.Interrupted, progress.Planned,
                study.Overrides, study.Error,
            };
        }));
        return Task.FromResult(0);
    }

    private static async Task<int> ShowAsync(VerbContext context)
    {
        string id = context.Get(StudyId);
        StudyRecord study = new StudyStore(context.Store).Find(id) ?? throw new InputException($"No study with id {id}. `study list` shows the stored studies.");
        if (new[] { context.Get(Json), context.Get(Markdown), context.Get(Csv) }.Count(flag => flag) > 1)
            throw new UsageException("Choose one of --json, --markdown and --csv.");
        var runs = new RunStore(context.Store);
        (StudySummary summary, IReadOnlyList<StudyCurve> curves) =
            StudyResults.Compute(study.Id, study.Plan(), StudyRunner.Runs(study, runs.Find, context.Store));
        if (context.Get(Markdown)) await context.Out.WriteAsync(StudyReport.Markdown(summary));
        else if (context.Get(Csv)) await context.Out.WriteAsync(StudyReport.Csv(summary));
        else context.WriteJson(summary);
        if (context.Get(Png) is { } folder)
        {
            IReadOnlyList<string> written = await StudyPng.WriteAsync(StudyFigures.All(study, summary, curves), folder, context.Get(Browser), context.Cancellation);
            foreach (string file in written) context.Error.WriteLine($"wrote {file}");
        }
        return 0;
    }

    private static StudyPlan ReadPlan(Func<StudyPlan> read)
    {
        try
        {
            return read();
        }
        catch (StudyPlanException invalid)
        {
            throw new InputException(string.Join(Environment.NewLine, invalid.Errors) + Environment.NewLine + "docs/STUDIES.md describes every key.");
        }
    }
}

/// <summary>What running a study from the command line needs: the store's run registry and the study runner on it.</summary>
internal sealed class StudyHost : IDisposable
{
    private StudyHost(RunRegistry registry, StudyRunner runner) => (Registry, Runner) = (registry, runner);

    public RunRegistry Registry { get; }
    public StudyRunner Runner { get; }

    public static StudyHost Open(VerbContext context, int maxConcurrent)
    {
        DemonstrationService demonstrations = Demonstrators.Service(context, context.Store);
        var registry = new RunRegistry(new RunStore(context.Store), new TrainerWorkloadFactory(context.Store, demonstrations), maxConcurrent);
        return new StudyHost(registry, new StudyRunner(context.Store, registry, demonstrations));
    }

    /// <summary>The study's results now, the time they took counted in its overhead.</summary>
    public (StudySummary Summary, IReadOnlyList<StudyCurve> Curves) Summarize(string id)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        StudyRecord study = Runner.Studies.Find(id)!;
        var results = Runner.Results(study);
        study.OverheadSeconds += clock.Elapsed.TotalSeconds;
        Runner.Studies.Save(study);
        return results;
    }

    /// <summary>Stops what is still running (its checkpoint and metrics stay; `study resume` continues it).</summary>
    public void Dispose() => Registry.Dispose();
}
