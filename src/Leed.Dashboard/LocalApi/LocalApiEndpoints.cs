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
            catch (Exception error) when (error is BadRequest or ArgumentException or FormatException or KeyNotFoundException)
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

    private static async Task<IResult> GenerateDemonstrationsAsync(DemosGenerateCall call, ILeedStore store, LlmSettings settings, IHttpClientFactory http,
        CancellationToken cancellation)
    {
        var catalog = MapCatalog.For(store);
        CityMap map = catalog.Find(call.Map) ?? throw new BadRequest($"No map named '{call.Map}'. Run `maps list` for the names.");
        if (call.Agents is < 1 or > 10_000) return BadInput($"--agents must be from 1 to 10000, got {call.Agents}.");
        IDemonstrator demonstrator = CreateDemonstrator(call, settings.Current, http);
        (Scenario scenario, int? seed) = ScenarioResolver.Resolve(catalog, map, call.Agents, call.Seed);
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
        if (GeneratedSets.Save(store, scenario, seed, set, call.KeepInvalid, output: null) is not { } summary)
            return Error(StatusCodes.Status422UnprocessableEntity, string.Join("\n",
                [.. set.Agents.Where(agent => agent.Failure is null).SelectMany(agent => agent.Errors).Select(error => "  " + error.Describe()),
                    GeneratedSets.NotStoredMessage(set)]), 1);
        return Json(new DemosGenerated(summary, set.ToInstructionText()));
    }

    /// <summary>The dashboard's LLM settings overridden by the call; the dashboard's key never goes to an endpoint the call names instead.</summary>
    private static IDemonstrator CreateDemonstrator(DemosGenerateCall call, LlmOptions current, IHttpClientFactory http)
    {
        string kind = call.Demonstrator ?? (current.IsConfigured || call.LlmEndpoint is not null ? "llm" : "planner");
        if (kind == "planner")
        {
            string? stray = call.LlmEndpoint is not null ? "llm-endpoint" : call.LlmModel is not null ? "llm-model" : call.MaxRounds is not null ? "max-rounds"
                : call.LlmTimeout is not null ? "llm-timeout" : call.LlmRetries is not null ? "llm-retries" : null;
            if (stray is not null) throw new BadRequest($"--{stray} applies to the LLM demonstrator; add --demonstrator llm or leave it out.");
            return new PlannerDemonstrator();
        }
        if (kind != "llm") throw new BadRequest($"--demonstrator must be planner or llm, got '{kind}'.");
        if (call.LlmEndpoint is { } given && (!Uri.TryCreate(given, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            throw new BadRequest("--llm-endpoint must be an http or https URL, e.g. http://127.0.0.1:11434/v1.");
        LlmOptions options = current.Redirected(call.LlmEndpoint, call.LlmModel, call.LlmApiKey);
        options.TimeoutSeconds = call.LlmTimeout ?? options.TimeoutSeconds;
        options.MaxRetries = call.LlmRetries ?? options.MaxRetries;
        if (string.IsNullOrWhiteSpace(options.Endpoint))
            throw new BadRequest("The LLM demonstrator needs an endpoint: pass --llm-endpoint URL or configure one in the dashboard's Settings.");
        if (string.IsNullOrWhiteSpace(options.Model))
            throw new BadRequest("The LLM demonstrator needs a model: pass --llm-model NAME or configure one in the dashboard's Settings.");
        if (call.MaxRounds is < 1 or > 20) throw new BadRequest($"--max-rounds must be from 1 to 20, got {call.MaxRounds}.");
        LlmEndpoint endpoint = LlmEndpoint.FromOptions(options)!;
        return new LlmDemonstrator(http, endpoint, new LlmDemonstratorOptions { MaxRounds = call.MaxRounds ?? 3 });
    }

    /// <summary>Queues the run like the New run page does, then streams its rows until it ends; a client that goes away stops it.</summary>
    private static async Task TrainAsync(HttpContext http, TrainCall call, RunRegistry registry, ILeedStore store, TrainerWorkloadFactory factory)
    {
        RunSpec spec;
        Scenario scenario;
        try
        {
            spec = ToRunSpec(call, MapCatalog.For(store));
            scenario = factory.Check(spec);
        }
        catch (Exception error) when (error is ArgumentException or FormatException or KeyNotFoundException or OverflowException or BadRequest)
        {
            await BadInput(error.Message).ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "application/x-ndjson; charset=utf-8";
        var updates = Channel.CreateUnbounded<RunUpdate>();
        RunRecord run = registry.Submit(spec);
        using IDisposable subscription = registry.Subscribe(run.Id, update => updates.Writer.TryWrite(update));
        await WriteLineAsync(http, new TrainEvent(TrainEvent.Queued, RunSummary.Of(run)));

        var table = new MetricsTable(scenario.AgentCount);
        int written = 0;
        async Task WriteRowsAsync(IEnumerable<MetricRecord> metrics)
        {
            foreach (MetricRecord metric in metrics.Where(metric => metric.Iteration > written).OrderBy(metric => metric.Iteration))
            {
                JsonElement row = JsonSerializer.SerializeToElement(table.Row(new IterationMetrics(metric.Iteration, metric.GlobalStep, metric.Values)), LocalApiJson.Options);
                await WriteLineAsync(http, new TrainEvent(TrainEvent.Iteration, Row: row));
                written = metric.Iteration;
            }
        }

        try
        {
            // Rows reported before the subscription began come from the registry's memory; later ones from pushes.
            await WriteRowsAsync(registry.Metrics(run.Id));
            while (registry.Get(run.Id) is { IsActive: true })
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
                tick.CancelAfter(TimeSpan.FromSeconds(1)); // a run that ended between two pushes is noticed by polling
                try
                {
                    RunUpdate update = await updates.Reader.ReadAsync(tick.Token);
                    await WriteRowsAsync(update.NewMetrics);
                }
                catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
                {
                }
            }
            await WriteRowsAsync(registry.Metrics(run.Id));
            RunRecord final = registry.Get(run.Id) ?? run;
            await WriteLineAsync(http, new TrainEvent(TrainEvent.End, RunSummary.Of(final), Error: final.Error));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The command line went away (Ctrl+C): the run stops as a local `train` would, keeping what it has.
            if (registry.Get(run.Id) is { IsActive: true }) registry.Stop(run.Id);
        }
    }

    /// <summary>The `train` verb's options as a run, with every hyperparameter recorded as the New run page does.</summary>
    internal static RunSpec ToRunSpec(TrainCall call, MapCatalog catalog)
    {
        AlgorithmInfo algorithm = Algorithms.Parse(call.Algorithm ?? Algorithms.Default.Name).Info();
        if (call.Weight is not null && !algorithm.UsesWeightSchedule)
            throw new BadRequest($"--weight applies to {string.Join(", ", Algorithms.All.Where(a => a.UsesWeightSchedule).Select(a => a.Name))} only; " +
                $"{algorithm.Name} has no expert weight.");
        string demos = call.Demos ?? "planner";
        int? setId = int.TryParse(demos, out int id) ? id : null;
        if (demos != "planner" && setId is null)
            throw new BadRequest($"--demos '{demos}': a running dashboard takes 'planner' or the id of a stored set (`demos list`); " +
                "an instruction file cannot be sent to it. Use a stored set, or stop the dashboard to train on the file here.");
        var defaults = new Hyperparameters();
        var hyperparameters = new Hyperparameters
        {
            Iterations = call.Iterations ?? defaults.Iterations,
            Envs = call.Envs ?? defaults.Envs,
            Steps = call.Steps ?? defaults.Steps,
            LearningRate = call.LearningRate ?? defaults.LearningRate,
            Threads = call.Threads ?? defaults.Threads,
        };
        // As the command line resolves scenarios: the map's own agents unless a count or a scenario seed is given.
        bool ownScenario = call.Agents is null && call.ScenarioSeed is null && catalog.FindScenario(call.Map) is not null;
        return new RunSpec
        {
            Name = call.Name ?? "",
            Algorithm = algorithm.Name,
            Map = call.Map,
            Agents = ownScenario ? 0 : call.Agents ?? ScenarioResolver.DefaultAgents,
            ScenarioSeed = call.ScenarioSeed ?? ScenarioResolver.DefaultSeed,
            Demonstrator = !algorithm.NeedsDemonstrations ? "none" : setId is null ? "planner" : "set",
            DemoSetId = algorithm.NeedsDemonstrations ? setId : null,
            Weight = algorithm.UsesWeightSchedule ? call.Weight ?? WeightSchedules.Default.Spec : "",
            Seed = call.Seed ?? 1,
            Iterations = hyperparameters.Iterations,
            Hyperparameters = HyperparameterValues.ToValues(hyperparameters),
        };
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
