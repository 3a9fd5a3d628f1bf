// `demos generate`, `demos validate`, `demos list` and `demos show`: demonstrations from the command line.
using System.CommandLine;
using System.Globalization;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;

namespace Leed.Dashboard.Cli;

internal static class DemosVerbs
{
    private static readonly Option<int?> Seed = CliOptions.OptionalInt("--seed", $"scenario seed (default {ScenarioResolver.DefaultSeed})", "S");
    private static readonly Option<string?> Output = CliOptions.Text("--out", "write the instructions to this file", "FILE");
    private static readonly Option<bool> Json = CliOptions.Flag("--json", "print everything (provenance, rounds, instructions, errors) as one JSON document");
    private static readonly Option<bool> KeepInvalid = CliOptions.Flag("--keep-invalid",
        $"store the set even when no agent has a valid route, labelled \"{DemonstrationSet.NoValidAgentLabel[2..]}\"");
    private static readonly Argument<string> InstructionFile = CliOptions.Argument("FILE", "instruction file to validate");
    private static readonly Argument<int> SetId = new("ID")
    {
        Description = "set id (see `demos list`)",
        HelpName = "ID",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int id)) return id;
            result.AddError($"The set id must be a whole number, got '{text}'. Run `demos list` for the ids.");
            return 0;
        },
    };

    private static readonly Option<double?> Fraction = CliOptions.OptionalDouble("--fraction", "share of the agents with a valid demonstration to corrupt, 0 to 1", "F", 0, 1);
    private static readonly Option<string?> CorruptKind = CliOptions.Choice("--kind", "how: a longer detour, a long wait, or no demonstration", "detour", "wait", "drop");
    private static readonly Option<int> CorruptSeed = CliOptions.Int("--seed", "seed of the draw of the agents (and detours, waits)", "S", 1);

    public static Command Command() => new("demos", "Demonstrations: generate, validate, list, show and corrupt them.")
    {
        CommandLine.Verb("generate", "Generates demonstrations (planner or LLM), stores them as a new set, prints JSON.",
            [CliOptions.Data, CliOptions.RequiredMap, CliOptions.ScenarioAgents, Seed, .. Demonstrators.Options, Output, KeepInvalid], GenerateAsync),
        CommandLine.Verb("validate", "Validates an instruction file against a scenario. Exit 2 if any agent is invalid.",
            [InstructionFile, CliOptions.Data, CliOptions.RequiredMap, CliOptions.ScenarioAgents, Seed], ValidateAsync),
        CommandLine.Verb("list", "Lists the stored demonstration sets, every version, newest first, as JSON.", [CliOptions.Data], ListAsync),
        CommandLine.Verb("show", "Prints a stored set's instructions on stdout and its provenance on stderr (--json: all as JSON).",
            [SetId, CliOptions.Data, Json], ShowAsync),
        CommandLine.Verb("corrupt", "Writes a new version of a set with round(F x N) of its N valid agents corrupted; prints its provenance as JSON.",
            [SetId, CliOptions.Data, Fraction, CorruptKind, CorruptSeed], CorruptAsync),
    };

    private static async Task<int> GenerateAsync(VerbContext context)
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
            if (!context.Get(KeepInvalid))
            {
                context.Error.WriteLine($"error: {GeneratedSets.NotStoredMessage(set)}");
                return 1;
            }
        }

        string? output = context.Get(Output);
        DemonstrationSummary summary = GeneratedSets.Save(context.Store, scenario, seed, set, context.Get(KeepInvalid), output)!;
        if (output is not null) await File.WriteAllTextAsync(output, set.ToInstructionText(), context.Cancellation);
        context.WriteJson(summary);
        return 0;
    }

    private static Task<int> CorruptAsync(VerbContext context)
    {
        int id = context.Get(SetId);
        double fraction = context.Get(Fraction) ?? throw new UsageException("--fraction is required: the share of agents to corrupt, e.g. --fraction 0.3.");
        CorruptionKind kind = DemonstrationCorruption.Parse(context.Get(CorruptKind) ?? throw new UsageException("--kind is required: detour, wait or drop."));
        int seed = context.Get(CorruptSeed);
        StoredDemonstrationSet version;
        CorruptionOutcome outcome;
        try
        {
            (version, outcome) = new DemonstrationStore(context.Store).SaveCorrupted(id, kind, fraction, seed, MapCatalog.For(context.Store));
        }
        catch (Exception error) when (error is KeyNotFoundException and not MapNotFoundException or CorruptionException)
        {
            throw new InputException(error.Message);
        }
        context.Error.WriteLine($"{version.Title} (id {version.Id}): {outcome.Changed.Count} of {outcome.Candidates} valid agents corrupted ({kind.Name()}); {version.Label}.");
        foreach (CorruptedAgent agent in outcome.Changed) context.Error.WriteLine($"  Agent_{agent.Agent}: {agent.Description}");
        context.WriteJson(new
        {
            setId = version.Id,
            version = version.Version,
            parent = version.Corruption!.ParentId,
            parentVersion = version.Corruption.ParentVersion,
            kind = kind.Name(),
            fraction,
            seed,
            candidates = outcome.Candidates,
            changedAgents = outcome.Changed.Select(agent => Scenario.AgentName(agent.Agent)),
            label = version.Label,
        });
        return Task.FromResult(0);
    }

    private static Task<int> ListAsync(VerbContext context)
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

    private static Task<int> ShowAsync(VerbContext context)
    {
        int id = context.Get(SetId);
        StoredDemonstrationSet stored = new DemonstrationStore(context.Store).Find(id)
            ?? throw new InputException($"No demonstration set with id {id}. Run `demos list` for the ids.");
        int calls = new LlmTranscriptStore(context.Store).CountForSet(id);

        if (context.Get(Json))
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
                corruption = stored.Corruption is { } corruption ? new
                {
                    parent = corruption.ParentId, corruption.ParentVersion, corruption.Kind, corruption.Fraction, corruption.Seed, corruption.Candidates,
                    changedAgents = corruption.ChangedAgents.Select(Scenario.AgentName),
                } : null,
                demonstrations = stored.Agents.Select(agent => new { agent.Agent, agent.Valid, agent.Instructions, agent.Errors, agent.Failure, agent.Edited, agent.Corrupted }),
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

    private static Task<int> ValidateAsync(VerbContext context)
    {
        string file = context.Get(InstructionFile);
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
        var catalog = MapCatalog.For(context.Store);
        CityMap map = catalog.Require(context.Require(CliOptions.RequiredMap));
        (Scenario scenario, int? chosenSeed) = ScenarioResolver.Resolve(catalog, map, context.Get(CliOptions.ScenarioAgents), context.Get(Seed));
        return (scenario, chosenSeed, catalog);
    }
}

/// <summary>Chooses the demonstrator a command asked for.</summary>
internal static class Demonstrators
{
    private static readonly Option<string?> Kind = CliOptions.Choice("--demonstrator", "who writes the demonstrations (default: llm when configured, else planner)", "planner", "llm");
    private static readonly Option<string?> Endpoint = CliOptions.Text("--llm-endpoint", "OpenAI-compatible base URL (overrides Leed:Llm:Endpoint)", "URL");
    private static readonly Option<string?> Model = CliOptions.Text("--llm-model", "model name (overrides Leed:Llm:Model)", "M");
    private static readonly Option<int> MaxRounds = CliOptions.Int("--max-rounds", "refinement rounds for the LLM, the first answer included", "K",
        new LlmDemonstratorOptions().MaxRounds, 1, 20);
    private static readonly Option<double?> Timeout = CliOptions.OptionalDouble("--llm-timeout",
        $"seconds one LLM attempt may take (overrides Leed:Llm:TimeoutSeconds, default {ClientDefaults.Timeout.TotalSeconds})", "SECONDS", 0.001, 86_400);
    private static readonly Option<int?> Retries = CliOptions.OptionalInt("--llm-retries",
        $"retries on timeouts, 429, 5xx and dropped connections (overrides Leed:Llm:MaxRetries, default {ClientDefaults.MaxRetries})", "N", 0, 20);

    /// <summary>The options of a verb that chooses a demonstrator.</summary>
    public static IReadOnlyList<Option> Options { get; } = [Kind, Endpoint, Model, MaxRounds, Timeout, Retries];

    private static LlmEndpoint ClientDefaults => new(new Uri("http://127.0.0.1/"), "model");

    private static readonly Option[] LlmOnlyOptions = [Endpoint, Model, MaxRounds, Timeout, Retries];

    public static IDemonstrator Create(VerbContext context)
    {
        string kind = context.Get(Kind) ?? (context.Options.Llm.IsConfigured || context.Has(Endpoint) ? "llm" : "planner");
        if (kind == "llm") return CreateLlm(context);
        Option? stray = LlmOnlyOptions.FirstOrDefault(context.Has);
        if (stray is not null) throw new UsageException($"{stray.Name} applies to the LLM demonstrator; add --demonstrator llm or leave it out.");
        return new PlannerDemonstrator();
    }

    /// <summary>Configuration (<c>Leed:Llm:*</c>, <c>LEED_LLM__*</c>) overridden by the options; the key only ever comes from configuration.</summary>
    private static LlmDemonstrator CreateLlm(VerbContext context)
    {
        LlmOptions configured = context.Options.Llm;
        var llm = new LlmOptions
        {
            Endpoint = context.Get(Endpoint) ?? configured.Endpoint,
            Model = context.Get(Model) ?? configured.Model,
            ApiKey = configured.ApiKey,
            TimeoutSeconds = context.Get(Timeout) ?? configured.TimeoutSeconds,
            MaxRetries = context.Get(Retries) ?? configured.MaxRetries,
            MaxConcurrency = configured.MaxConcurrency,
        };
        if (string.IsNullOrWhiteSpace(llm.Endpoint))
            throw new UsageException("The LLM demonstrator needs an endpoint: pass --llm-endpoint URL (e.g. http://127.0.0.1:11434/v1 for Ollama) or set LEED_LLM__ENDPOINT.");
        if (string.IsNullOrWhiteSpace(llm.Model))
            throw new UsageException("The LLM demonstrator needs a model: pass --llm-model NAME or set LEED_LLM__MODEL.");
        if (context.Get(Endpoint) is string given && (!Uri.TryCreate(given, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
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
        return new LlmDemonstrator(LlmHttp.Shared, endpoint, new LlmDemonstratorOptions { MaxRounds = context.Get(MaxRounds) });
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
