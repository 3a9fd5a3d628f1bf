// The dashboard's local API: command-line verbs aimed at its data folder are served here, so their results land in its store.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Leed.Engine.Analysis;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Leed.Dashboard.Runs;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Leed.Dashboard.LocalApi;

/// <summary>The token the local API asks for; new at every start, published only in the data folder's owner file (0600).</summary>
public sealed class LocalApiToken
{
    private readonly byte[] _bytes;

    public LocalApiToken() => _bytes = Encoding.UTF8.GetBytes(Value = Hosting.DashboardAccess.NewToken());

    public string Value { get; }

    public bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _bytes);
}

/// <summary>
/// Endpoints under <see cref="Prefix"/> for `maps import`, `demos generate`, `train`, `runs list`,
/// `runs show`, `evaluate`, `export tensorboard`, `store check` and `store backup`. Each requires <c>Authorization: Bearer TOKEN</c>
/// with the token from the owner file, and a connection from this machine (loopback, or the
/// address the connection came in on).
/// </summary>
public static class LocalApiEndpoints
{
    public const string Prefix = "/api/local";

    public static WebApplication MapLocalApi(this WebApplication app)
    {
        PublishOnStart(app);
        RouteGroupBuilder api = app.MapGroup(Prefix);
        api.AddEndpointFilter(async (context, next) =>
        {
            if (Refusal(context.HttpContext) is { } refusal) return refusal;
            try
            {
                return await next(context);
            }
            catch (Exception error) when (IsBadInput(error))
            {
                // The engine says what was wrong with the input in words; the verb prints it and exits 2.
                return BadInput(error.Message);
            }
        });
        api.MapGet("/", Info);
        api.MapPost("/maps/import", ImportMap);
        api.MapPost("/demos/generate", GenerateDemonstrationsAsync);
        api.MapPost("/train", TrainAsync);
        api.MapGet("/runs", (RunRegistry registry) => Json(registry.List().Select(RunSummary.Of)));
        api.MapGet("/runs/{id}", ShowRun);
        api.MapGet("/runs/{id}/tensorboard", TensorBoard);
        api.MapGet("/studies/{id}/runs", (string id, ILeedStore store) => Json(Leed.Engine.Export.TensorBoardExport.StudyRuns(store, id)));
        api.MapPost("/runs/{id}/evaluate", (string id, EvaluateCall call, RunEvaluator evaluator) => EvaluateAsync(id, call, evaluator));
        api.MapGet("/store/check", (ILeedStore store) => Json(store.Check()));
        api.MapPost("/store/backup", Backup);
        return app;
    }

    /// <summary>Once the server listens, writes its loopback address and the token into the data folder's owner file.</summary>
    private static void PublishOnStart(WebApplication app) => app.Lifetime.ApplicationStarted.Register(() =>
    {
        ICollection<string>? addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null || LoopbackAddress(addresses) is not { } address) return;
        app.Services.GetRequiredService<ILeedStore>().FolderLock?.Publish(address, app.Services.GetRequiredService<LocalApiToken>().Value);
    });

    /// <summary>The address a local client should use: a loopback one, or the wildcard's port on 127.0.0.1; http before https.</summary>
    internal static string? LoopbackAddress(IEnumerable<string> addresses)
    {
        string? best = null;
        foreach (string address in addresses.OrderBy(address => address.StartsWith("https", StringComparison.OrdinalIgnoreCase)))
        {
            string candidate = Hosting.DashboardAccess.WithHost(address, "127.0.0.1").Replace("://localhost", "://127.0.0.1").TrimEnd('/');
            if (Hosting.DashboardAccess.IsLoopbackAddress(candidate)) return candidate;
            best ??= candidate;
        }
        return best;
    }

    private static IResult? Refusal(HttpContext http)
    {
        ConnectionInfo connection = http.Connection;
        bool local = connection.RemoteIpAddress is { } remote
            && (IPAddress.IsLoopback(remote) || remote.Equals(connection.LocalIpAddress));
        // An in-memory test server has no addresses; everything else must come from this machine.
        if (!local && connection.RemoteIpAddress is not null)
            return Error(StatusCodes.Status403Forbidden, "The local API answers connections from this machine only.", 2);
        string header = http.Request.Headers.Authorization.ToString();
        string? token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
        return http.RequestServices.GetRequiredService<LocalApiToken>().Matches(token) ? null
            : Error(StatusCodes.Status401Unauthorized,
                $"The local API needs 'Authorization: Bearer TOKEN' with the token from {DataFolderLock.OwnerFileName} in the data folder.", 2);
    }

    private static IResult Info(ILeedStore store) =>
        Json(new LocalApiInfo(Environment.ProcessId, store.DataDirectory, store.DatabasePath));

    private static IResult ImportMap(MapImportCall call, ILeedStore store)
    {
        MapFormat? format = call.Format switch
        {
            null => null,
            "movingai" => MapFormat.MovingAi,
            "osm" => MapFormat.Osm,
            string other => throw new BadRequest($"--format must be movingai or osm, got '{other}'."),
        };
        if (call.Name is not null && MapRepository.NameProblem(call.Name) is string problem) return BadInput("--name: " + problem);
        var request = new MapImportRequest(Path.GetFileName(call.FileName))
        {
            Format = format,
            ScenarioPath = call.ScenarioFileName is null ? null : Path.GetFileName(call.ScenarioFileName),
            Name = call.Name,
            Agents = call.Agents,
            Osm = new OsmImportOptions
            {
                MetresPerCell = call.CellMeters ?? 10,
                HighwayKinds = call.Highways?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            },
        };
        try
        {
            MapImportResult imported = MapImporter.ImportText(request, call.Content, call.ScenarioContent);
            MapCatalog.For(store).Stored.Save(imported.Map, imported.Scenario, call.Overwrite);
            return Json(imported.Summary);
        }
        catch (MapImportException error)
        {
            return BadInput(error.Message + "\nNothing was saved.");
        }
        catch (MapNameTakenException error)
        {
            return BadInput(error.Message + " Use --name NAME, or --overwrite to replace it. Nothing was saved.");
        }
    }

    private static async Task<IResult> GenerateDemonstrationsAsync(DemosGenerateCall call, DemonstrationService demonstrations, CancellationToken cancellation)
    {
        var catalog = MapCatalog.For(demonstrations.Store);
        CityMap map = catalog.Find(call.Map) ?? throw new BadRequest($"No map named '{call.Map}'. Run `maps list` for the names.");
        if (call.Agents is < 1 or > 10_000) return BadInput($"--agents must be from 1 to 10000, got {call.Agents}.");
        // The dashboard's LLM settings overridden by the call; its key never goes to an endpoint the call names instead.
        IDemonstrator demonstrator = demonstrations.Create(new DemonstratorChoice
        {
            Kind = call.Demonstrator, LlmEndpoint = call.LlmEndpoint, LlmModel = call.LlmModel, LlmApiKey = call.LlmApiKey,
            LlmTimeoutSeconds = call.LlmTimeout, LlmRetries = call.LlmRetries, MaxRounds = call.MaxRounds,
        });
        (Scenario scenario, string notice) = ScenarioResolver.Resolve(catalog, map, call.Agents, call.Seed);
        DemonstrationSet set;
        try
        {
            set = await demonstrator.GenerateAsync(scenario, null, cancellation);
        }
        catch (LlmException failure)
        {
            // Every call failed: there is nothing worth a version, so nothing is stored.
            return Error(StatusCodes.Status502BadGateway, failure.Message + "\nNothing was stored. Check the endpoint, the model and the key " +
                "(`system` shows what is configured), or use --demonstrator planner.", 1);
        }
        if (demonstrations.Save(scenario, set, call.KeepInvalid) is not { } saved)
            return Error(StatusCodes.Status422UnprocessableEntity, string.Join("\n",
                [.. set.Agents.Where(agent => agent.Failure is null).SelectMany(agent => agent.Errors).Select(error => "  " + error.Describe()),
                    GeneratedSets.NotStoredMessage(set)]), 1);
        return Json(new DemosGenerated(saved.Summary, DemonstrationFile.Text(set, scenario, $"{saved.Stored.Label} ({saved.Stored.Title})")) { Notice = notice });
    }

    /// <summary>
    /// Queues the run like the New run page does (or continues a stored one), then streams what it
    /// does until it ends, in the order it does it; a client that goes away stops it.
    /// </summary>
    private static async Task TrainAsync(HttpContext http, TrainCall call, RunRegistry registry, ILeedStore store, TrainerWorkloadFactory factory)
    {
        TrainPlan? plan = null;
        try
        {
            if (call.ResumeRunId is null) plan = TrainRuns.Plan(call, store, factory);
            else
                TrainRuns.PrepareResume(registry.Store, call.ResumeRunId, call.ResumeSpec, call.ResumeCheckpoint
                    ?? throw new BadRequest("A resumed run needs its checkpoint."), call.Iterations ?? call.ResumeSpec?.Iterations ?? 0, call.CheckpointEvery);
        }
        catch (Exception error) when (IsBadInput(error))
        {
            await BadInput(error.Message).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "application/x-ndjson; charset=utf-8";
        var events = Channel.CreateUnbounded<TrainEvent>();
        foreach (string notice in plan?.Notices ?? []) events.Writer.TryWrite(new TrainEvent(TrainEvent.Notice) { Message = notice });
        var stream = new StreamedRun(events.Writer, call.Checkpoints);
        RunRecord run;
        try
        {
            run = plan is not null ? registry.Submit(plan.Spec, observer: stream) : registry.Restart(call.ResumeRunId!, stream);
        }
        catch (InvalidOperationException busy)
        {
            await BadInput(busy.Message).ExecuteAsync(http);
            return;
        }
        try
        {
            await WriteLineAsync(http, new TrainEvent(TrainEvent.Queued, RunSummary.Of(run)) { Spec = run.Spec });
            await foreach (TrainEvent line in events.Reader.ReadAllAsync(http.RequestAborted))
            {
                await WriteLineAsync(http, line);
                if (line.Event == TrainEvent.End) break;
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The command line went away (Ctrl+C): the run stops as a local `train` would, keeping a checkpoint of what it has.
            if (registry.Get(run.Id) is { IsActive: true }) registry.Stop(run.Id);
        }
    }

    /// <summary>Input the engine or the verbs' rules refuse: HTTP 400, exit code 2, the message as it is.</summary>
    private static bool IsBadInput(Exception error) => error is ArgumentException or FormatException or KeyNotFoundException or OverflowException or BadRequest
        or Cli.InputException or Cli.UsageException or DemonstrationFileException or NoValidAgentException;

    /// <summary>A run's steps as stream lines, queued on the run's thread in the order they happen.</summary>
    private sealed class StreamedRun(ChannelWriter<TrainEvent> events, bool checkpoints) : IRunObserver
    {
        private MetricsTable? _table;

        public void OnPrepared(RunRecord run, string summary)
        {
            _table = new MetricsTable(run.Agents);
            events.TryWrite(new TrainEvent(TrainEvent.Prepared, RunSummary.Of(run)) { Message = summary, Spec = run.Spec });
        }

        public void OnContinuing(RunRecord run, int iteration) => events.TryWrite(new TrainEvent(TrainEvent.Continuing) { At = iteration });

        public void OnIteration(RunRecord run, MetricRecord metrics)
        {
            _table ??= new MetricsTable(run.Agents);
            JsonElement row = JsonSerializer.SerializeToElement(_table.Row(new IterationMetrics(metrics.Iteration, metrics.GlobalStep, metrics.Values)), LocalApiJson.Options);
            events.TryWrite(new TrainEvent(TrainEvent.Iteration, Row: row));
        }

        public void OnCheckpoint(RunRecord run, int iteration, ReadOnlyMemory<byte> checkpoint) =>
            events.TryWrite(new TrainEvent(TrainEvent.Checkpoint) { At = iteration, Data = checkpoints ? checkpoint.ToArray() : null });

        public void OnFinished(RunRecord run)
        {
            events.TryWrite(new TrainEvent(TrainEvent.End, RunSummary.Of(run), Error: run.Error));
            events.TryComplete();
        }
    }

    private static IResult ShowRun(string id, RunRegistry registry) =>
        registry.Get(id) is { } run
            ? Json(RunDetails.Of(run, registry.Store.MetricsOf(id).Count))
            : Error(StatusCodes.Status404NotFound, $"No run with id '{id}'. Run `runs list` for the ids.", 2);

    private static async Task<IResult> EvaluateAsync(string id, EvaluateCall call, RunEvaluator evaluator) =>
        Json(await evaluator.EvaluateAsync(id, call.Episodes, call.ScenarioSeed));

    private static IResult TensorBoard(string id, RunRegistry registry) =>
        registry.Get(id) is null
            ? Error(StatusCodes.Status404NotFound, RunRecord.NotFound(id), 2)
            : Json(Runs.RunExportEndpoints.TensorBoardFile(id, registry));

    private static IResult Backup(BackupCall call, ILeedStore store)
    {
        if (!Path.IsPathFullyQualified(call.Out)) return BadInput($"--out must be an absolute path for the dashboard, got '{call.Out}'.");
        try
        {
            return Json(store.Backup(call.Out, call.Overwrite));
        }
        catch (StoreException error)
        {
            return BadInput(error.Message);
        }
    }

    private static async Task WriteLineAsync(HttpContext http, TrainEvent line)
    {
        await http.Response.WriteAsync(JsonSerializer.Serialize(line, LocalApiJson.Options) + "\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static IResult Json(object value) => Results.Json(value, LocalApiJson.Options);

    private static IResult BadInput(string message) => Error(StatusCodes.Status400BadRequest, message, 2);

    private static IResult Error(int status, string message, int exitCode) => Results.Json(new LocalApiError(message, exitCode), LocalApiJson.Options, statusCode: status);

    /// <summary>A refusal of the caller's options, answered as HTTP 400 with exit code 2.</summary>
    internal sealed class BadRequest(string message) : Exception(message);

}
