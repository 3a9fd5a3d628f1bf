// `demos generate`, `demos validate`, `demos list` and `demos show`: demonstrations from the command line.
using System.Globalization;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;

namespace Leed.Dashboard.Cli;

internal static class DemosVerbs
{
    public static readonly OptionSpec[] GenerateOptions =
    [
        Verb.Data,
        new("map", "map name", ValueName: "NAME"),
        new("agents", "number of agents (default: the map's own scenario, else 20)", ValueName: "N"),
        new("seed", "scenario seed (default 1)", ValueName: "S"),
        new("demonstrator", "planner or llm (default: llm when configured, else planner)", ValueName: "planner|llm"),
        new("llm-endpoint", "OpenAI-compatible base URL (overrides Leed:Llm:Endpoint)", ValueName: "URL"),
        new("llm-model", "model name (overrides Leed:Llm:Model)", ValueName: "M"),
        new("max-rounds", "refinement rounds for the LLM, the first answer included (default 3)", ValueName: "K"),
        new("llm-timeout", "seconds one LLM attempt may take (overrides Leed:Llm:TimeoutSeconds, default 60)", ValueName: "SECONDS"),
        new("llm-retries", "retries on timeouts, 429, 5xx and dropped connections (overrides Leed:Llm:MaxRetries, default 4)", ValueName: "N"),
        new("out", "write the instructions to this file", ValueName: "FILE"),
        new("keep-invalid", $"store the set even when no agent has a valid route, labelled \"{DemonstrationSet.NoValidAgentLabel[2..]}\"", IsFlag: true),
    ];

    public static readonly OptionSpec[] ShowOptions =
    [
        Verb.Data,
        new("json", "print everything (provenance, rounds, instructions, errors) as one JSON document", IsFlag: true),
    ];

    public static readonly OptionSpec[] ValidateOptions =
    [
        Verb.Data,
        new("map", "map name", ValueName: "NAME"),
        new("agents", "number of agents of a generated scenario", ValueName: "N"),
        new("seed", "scenario seed of a generated scenario", ValueName: "S"),
    ];

    public static async Task<int> GenerateAsync(VerbContext context)
    {
        IDemonstrator demonstrator = Demonstrators.Create(context);
        (Scenario scenario, int? seed, _) = ResolveScenario(context);
        context.Error.WriteLine($"Generating demonstrations for {scenario.AgentCount} agents on {scenario.Map.Name} with {demonstrator.Label}...");
        DemonstrationSet set;
        try
        {
            set = await demonstrator.GenerateAsync(scenario, new ErrorStreamProgress(context.Error), context.Cancellation);
        }
        catch (LlmException failure)
        {
            // Every call failed: there is nothing worth a version, so nothing is stored.
            context.Error.WriteLine($"error: {failure.Message}");
            context.Error.WriteLine("Nothing was stored. Check the endpoint, the model and the key (`system` shows what is configured), or use --demonstrator planner.");
            return 1;
        }

        foreach (AgentDemonstration failed in set.Agents.Where(agent => agent.Failure is not null))
            context.Error.WriteLine($"Agent_{failed.Agent} failed: {failed.Failure}");
        if (!set.HasValidAgent)
        {
            foreach (InstructionError invalid in set.Agents.Where(agent => agent.Failure is null).SelectMany(agent => agent.Errors))
                context.Error.WriteLine($"  {invalid.Describe()}");
            if (!context.Args.Flag("keep-invalid"))
            {
                context.Error.WriteLine($"error: no agent has a valid route after {set.Rounds.Count} round(s); nothing was stored. " +
                    "Pass --keep-invalid to store the set anyway, labelled as such.");
                return 1;
            }
            set = set.LabelledNoValidAgent();
        }

        StoredDemonstrationSet stored = new DemonstrationStore(context.Store).SaveNew(scenario, seed, set);
        int calls = new LlmTranscriptStore(context.Store).Save(stored.Id, set.Transcript);
        string? output = context.Args.Get("out");
        if (output is not null) await File.WriteAllTextAsync(output, set.ToInstructionText(), context.Cancellation);
        context.WriteJson(new
        {
            demonstrator = set.Demonstrator,
            label = set.Label,
            agents = scenario.AgentCount,
            rounds = set.Rounds.Select(round => new { round.Round, round.ParseValidity, round.PathValidity, round.ArrivalRate }),
            setId = stored.Id,
            valid = set.Agents.Count(agent => agent.Valid),
            failures = set.Agents.Where(agent => agent.Failure is not null).Select(agent => new { agent.Agent, agent.Failure }),
            model = set.Model,
            endpointHost = set.EndpointHost,
            promptVersion = set.PromptVersion,
            transcriptCalls = calls,
            output,
        });
        return 0;
    }

    public static Task<int> ListAsync(VerbContext context)
    {
        context.WriteJson(new DemonstrationStore(context.Store).List().Select(set => new
        {
            set.Id,
            set.Family,
            set.Version,
            map = set.MapName,
            agents = set.Agents.Count,
            set.Demonstrator,
            set.Label,
            set.PathValidity,
            createdAt = Utc(set.CreatedAt),
        }));
        return Task.FromResult(0);
    }

    public static Task<int> ShowAsync(VerbContext context)
    {
        string text = context.Args.Positional(0, "set id (see `demos list`)");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            throw new UsageException($"The set id must be a whole number, got '{text}'. Run `demos list` for the ids.");
        StoredDemonstrationSet stored = new DemonstrationStore(context.Store).Find(id)
            ?? throw new InputException($"No demonstration set with id {id}. Run `demos list` for the ids.");
        int calls = new LlmTranscriptStore(context.Store).CountForSet(id);

        if (context.Args.Flag("json"))
        {
            context.WriteJson(new
            {
                stored.Id,
                stored.Family,
                stored.Version,
                stored.ParentId,
                map = stored.MapName,
                scenario = stored.ScenarioDescription,
                agents = stored.Agents.Count,
                stored.Demonstrator,
                stored.Label,
                stored.Model,
                stored.EndpointHost,
                stored.PromptVersion,
                createdAt = Utc(stored.CreatedAt),
                stored.PathValidity,
                rounds = stored.Rounds.Select(round => new { round.Round, round.ParseValidity, round.PathValidity, round.ArrivalRate }),
                edits = stored.Edits.Count,
                usedByRuns = stored.UsedByRuns,
                transcriptCalls = calls,
                demonstrations = stored.Agents.Select(agent => new { agent.Agent, agent.Valid, agent.Instructions, agent.Errors, agent.Failure, agent.Edited }),
            });
            return Task.FromResult(0);
        }

        context.Error.WriteLine($"{stored.Title} (id {stored.Id}): {stored.Label}");
        if (stored.Model is not null)
            context.Error.WriteLine($"  model {stored.Model} at {stored.EndpointHost}, prompt {stored.PromptVersion}, {calls} LLM attempt(s) in the transcript");
        context.Error.WriteLine($"  map {stored.MapName}, {stored.Agents.Count} agents ({stored.ScenarioDescription}), created {Utc(stored.CreatedAt):yyyy-MM-dd HH:mm:ss} UTC");
        context.Error.WriteLine($"  path validity {Percent(stored.PathValidity)}; rounds: " + string.Join("; ", stored.Rounds.Select(round =>
            $"{round.Round}: parse {Percent(round.ParseValidity)}, path {Percent(round.PathValidity)}, arrival {Percent(round.ArrivalRate)}")));
        foreach (StoredAgentDemonstration agent in stored.Agents.Where(agent => !agent.Valid))
            context.Error.WriteLine($"  Agent_{agent.Agent} invalid: {agent.Failure ?? string.Join(" ", agent.Errors)}");
        DemonstrationSet set = DemonstrationStore.ToDemonstrationSet(stored);
        context.Out.Write(set.ToInstructionText());
        return Task.FromResult(0);
    }

    // LiteDB hands dates back in local time; scripts get UTC.
    private static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime();

    private static string Percent(double share) => share.ToString("0%", CultureInfo.InvariantCulture);

    public static Task<int> ValidateAsync(VerbContext context)
    {
        string file = context.Args.Positional(0, "instruction file to validate");
        (Scenario scenario, _, _) = ResolveScenario(context);
        (DemonstrationSet set, ValidationReport report) = Load(file, scenario);
        context.WriteJson(new
        {
            file,
            map = scenario.Map.Name,
            agents = report.Agents.Select(agent => new
            {
                agent = Scenario.AgentName(agent.Agent),
                agent.Valid,
                agent.ExpectedTravelTime,
                errors = agent.Errors.Select(error => new { error.Index, error.Reason }),
            }),
            pathValidity = report.PathValidity,
            arrivalRate = set.Rounds[0].ArrivalRate,
        });
        int invalid = report.Agents.Count(agent => !agent.Valid);
        if (invalid == 0) return Task.FromResult(0);
        foreach (InstructionError error in report.AllErrors) context.Error.WriteLine($"{Path.GetFileName(file)}: {error.Describe()}");
        context.Error.WriteLine($"{invalid} of {report.Agents.Count} agents have invalid instructions.");
        return Task.FromResult(2);
    }

    internal static (DemonstrationSet, ValidationReport) Load(string file, Scenario scenario)
    {
        try
        {
            return DemonstrationFile.Load(file, scenario);
        }
        catch (DemonstrationFileException error)
        {
            throw new InputException(error.Message);
        }
    }

    internal static (Scenario Scenario, int? Seed, MapCatalog Catalog) ResolveScenario(VerbContext context)
    {
        string name = context.Args.Require("map");
        var catalog = MapCatalog.For(context.Store);
        CityMap map = catalog.Find(name) ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
        int? agents = context.Args.Has("agents") ? context.Args.GetInt("agents", 0, 1, 10_000) : null;
        int? seed = context.Args.Has("seed") ? context.Args.GetInt("seed", 0) : null;
        (Scenario scenario, int? chosenSeed) = ScenarioResolver.Resolve(catalog, map, agents, seed);
        return (scenario, chosenSeed, catalog);
    }
}

/// <summary>Chooses the demonstrator a command asked for.</summary>
internal static class Demonstrators
{
    private static readonly string[] LlmOnlyOptions = ["llm-endpoint", "llm-model", "max-rounds", "llm-timeout", "llm-retries"];

    public static IDemonstrator Create(VerbContext context)
    {
        string kind = context.Args.Get("demonstrator") ?? (context.Options.Llm.IsConfigured || context.Args.Has("llm-endpoint") ? "llm" : "planner");
        switch (kind)
        {
            case "planner":
                string? stray = LlmOnlyOptions.FirstOrDefault(context.Args.Has);
                if (stray is not null) throw new UsageException($"--{stray} applies to the LLM demonstrator; add --demonstrator llm or leave it out.");
                return new PlannerDemonstrator();
            case "llm":
                return CreateLlm(context);
            default:
                throw new UsageException($"--demonstrator must be planner or llm, got '{kind}'.");
        }
    }

    /// <summary>Configuration (<c>Leed:Llm:*</c>, <c>LEED_LLM__*</c>) overridden by the options; the key only ever comes from configuration.</summary>
    private static LlmDemonstrator CreateLlm(VerbContext context)
    {
        LlmOptions configured = context.Options.Llm;
        ParsedArguments args = context.Args;
        var llm = new LlmOptions
        {
            Endpoint = args.Get("llm-endpoint") ?? configured.Endpoint,
            Model = args.Get("llm-model") ?? configured.Model,
            ApiKey = configured.ApiKey,
            TimeoutSeconds = args.Has("llm-timeout") ? args.GetDouble("llm-timeout", 60, 0.001, 86_400) : configured.TimeoutSeconds,
            MaxRetries = args.Has("llm-retries") ? args.GetInt("llm-retries", 4, 0, 20) : configured.MaxRetries,
            MaxConcurrency = configured.MaxConcurrency,
        };
        if (string.IsNullOrWhiteSpace(llm.Endpoint))
            throw new UsageException("The LLM demonstrator needs an endpoint: pass --llm-endpoint URL (e.g. http://127.0.0.1:11434/v1 for Ollama) or set LEED_LLM__ENDPOINT.");
        if (string.IsNullOrWhiteSpace(llm.Model))
            throw new UsageException("The LLM demonstrator needs a model: pass --llm-model NAME or set LEED_LLM__MODEL.");
        if (args.Get("llm-endpoint") is string given && (!Uri.TryCreate(given, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            throw new UsageException("--llm-endpoint must be an http or https URL, e.g. http://127.0.0.1:11434/v1.");

        LlmEndpoint endpoint;
        try
        {
            endpoint = LlmEndpoint.FromOptions(llm)!;
        }
        catch (ArgumentException invalid)
        {
            throw new UsageException(invalid.Message);
        }
        return new LlmDemonstrator(LlmHttp.Shared, endpoint, new LlmDemonstratorOptions { MaxRounds = args.GetInt("max-rounds", 3, 1, 20) });
    }
}

/// <summary>Progress lines on stderr, written as they happen and never interleaved.</summary>
internal sealed class ErrorStreamProgress(TextWriter error) : IProgress<DemonstrationProgress>
{
    private readonly Lock _gate = new();

    public void Report(DemonstrationProgress value)
    {
        lock (_gate) error.WriteLine($"  round {value.Round}: {value.AgentsDone}/{value.AgentCount} {value.Message}");
    }
}
