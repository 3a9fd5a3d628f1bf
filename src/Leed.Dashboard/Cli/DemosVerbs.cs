// `demos generate`, `demos validate`, `demos list` and `demos show`: demonstrations from the command line.
using System.CommandLine;
using System.Globalization;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Leed.Dashboard.LocalApi;

namespace Leed.Dashboard.Cli;

internal static class DemosVerbs
{
    private static readonly Option<int?> Seed = CliOptions.OptionalInt("--seed",
        $"seed of a generated scenario (default {ScenarioResolver.DefaultSeed}); on a map with its own .scen agents, asks for a generated scenario instead", "S");
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
        CommandLine.Verb("validate", "Validates an instruction file against the scenario its header records (else --map's, by the scenario rule). " +
            "Exit 2 if any agent is invalid.", [InstructionFile, CliOptions.Data, CliOptions.OptionalMap, CliOptions.ScenarioAgents, Seed], ValidateAsync),
        CommandLine.Verb("list", "Lists the stored demonstration sets, every version, newest first, as JSON.", [CliOptions.Data], ListAsync),
        CommandLine.Verb("show", "Prints a stored set's instructions on stdout and its provenance on stderr (--json: all as JSON).",
            [SetId, CliOptions.Data, Json], ShowAsync),
        CommandLine.Verb("corrupt", "Writes a new version of a set with round(F x N) of its N valid agents corrupted; prints its provenance as JSON.",
            [SetId, CliOptions.Data, Fraction, CorruptKind, CorruptSeed], CorruptAsync),
    };

    private static async Task<int> GenerateAsync(VerbContext context)
    {
        string? output = context.Get(Output);
        if (output is not null && Directory.Exists(output))
            throw new UsageException($"--out '{output}' is a folder; give a file name for the instructions, e.g. {Path.Combine(output, "demos.txt")}.");
        if (output is not null && Path.GetDirectoryName(Path.GetFullPath(output)) is { } folder && !Directory.Exists(folder))
            throw new UsageException($"--out '{output}': the folder '{folder}' does not exist; create it first. Nothing was generated or stored.");
        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        if (dashboard is not null) return await GenerateThroughAsync(context, dashboard, output);

        var demonstrations = Demonstrators.Service(context, store!);
        IDemonstrator demonstrator = demonstrations.Create(Demonstrators.Choice(context));
        var catalog = MapCatalog.For(store!);
        (Scenario scenario, string notice) = ScenarioResolver.Resolve(catalog, catalog.Require(context.Require(CliOptions.RequiredMap)),
            context.Get(CliOptions.ScenarioAgents), context.Get(Seed));
        context.Error.WriteLine($"Generating demonstrations on {scenario.Map.Name}, {notice}, with {demonstrator.Label}...");
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

        SavedDemonstrations saved = demonstrations.Save(scenario, set, context.Get(KeepInvalid), output)!;
        if (output is not null)
            await File.WriteAllTextAsync(output, DemonstrationFile.Text(set, scenario, $"{saved.Stored.Label} ({saved.Stored.Title})"), context.Cancellation);
        context.WriteJson(saved.Summary);
        return 0;
    }

    /// <summary>The same generation by the dashboard that owns the folder; the set lands in its store.</summary>
    private static async Task<int> GenerateThroughAsync(VerbContext context, LocalApiClient dashboard, string? output)
    {
        DemonstratorChoice choice = Demonstrators.Choice(context);
        context.Error.WriteLine("The data folder is owned by a running dashboard: generating there.");
        DemosGenerated generated = await dashboard.GenerateDemonstrationsAsync(new DemosGenerateCall(context.Require(CliOptions.RequiredMap))
        {
            Agents = context.Get(CliOptions.ScenarioAgents),
            Seed = context.Get(Seed),
            Demonstrator = choice.Kind,
            LlmEndpoint = choice.LlmEndpoint,
            LlmModel = choice.LlmModel,
            LlmApiKey = choice.LlmApiKey,
            MaxRounds = choice.MaxRounds,
            LlmTimeout = choice.LlmTimeoutSeconds,
            LlmRetries = choice.LlmRetries,
            KeepInvalid = context.Get(KeepInvalid),
        }, context.Cancellation);
        if (generated.Notice is not null) context.Error.WriteLine($"Generated on {context.Get(CliOptions.RequiredMap)}, {generated.Notice}.");
        if (output is not null) await File.WriteAllTextAsync(output, generated.Instructions, context.Cancellation);
        context.WriteJson(generated.Summary with { Output = output });
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
        CityMap? map = MapCatalog.For(context.Store).Find(stored.MapName);
        // With its scenario header, so what `demos show` prints validates and trains as it is.
        context.Out.Write(map is null ? set.ToInstructionText() : DemonstrationFile.Text(set, DemonstrationStore.ScenarioOf(stored, map), set.Label));
        return Task.FromResult(0);
    }

    // LiteDB hands dates back in local time; scripts get UTC.
    private static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime();

    private static string Percent(double share) => share.ToString("0%", CultureInfo.InvariantCulture);

    /// <summary>
    /// Validates a file against the scenario its header records (options that disagree are refused,
    /// naming both scenarios); a file without a header needs --map and follows the scenario rule,
    /// which is said on stderr.
    /// </summary>
    private static Task<int> ValidateAsync(VerbContext context)
    {
        string file = context.Get(InstructionFile);
        (DemonstrationSet set, ValidationReport report, Scenario scenario) = Load(file, MapCatalog.For(context.Store), context.Get(CliOptions.OptionalMap),
            context.Get(CliOptions.ScenarioAgents), context.Get(Seed), context.Error);
        context.WriteJson(new
        {
            file,
            map = scenario.Map.Name,
            scenario = scenario.Source.Describe(),
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

    /// <summary>An instruction file on the scenario it is for (<see cref="DemonstrationFile.ScenarioFor"/>); the rule's notice goes to <paramref name="notices"/>.</summary>
    internal static (DemonstrationSet Set, ValidationReport Report, Scenario Scenario) Load(string file, MapCatalog catalog, string? map, int? agents, int? seed,
        TextWriter notices)
    {
        try
        {
            (string name, string text, ScenarioIdentity? recorded) = DemonstrationFile.Read(file);
            (Scenario scenario, string? notice) = DemonstrationFile.ScenarioFor(name, recorded, catalog, map, agents, seed);
            if (notice is not null) notices.WriteLine(notice);
            (DemonstrationSet set, ValidationReport report) = DemonstrationFile.Parse(name, text, scenario);
            return (set, report, scenario);
        }
        catch (DemonstrationFileException error)
        {
            throw new InputException(error.Message);
        }
    }
}

/// <summary>The options that choose a demonstrator, read into a <see cref="DemonstratorChoice"/> for <see cref="DemonstrationService"/>.</summary>
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

    /// <summary>What was given; the key is this process's configured one, sent only with an endpoint named here.</summary>
    public static DemonstratorChoice Choice(VerbContext context) => new()
    {
        Kind = context.Get(Kind),
        LlmEndpoint = context.Get(Endpoint),
        LlmModel = context.Get(Model),
        LlmApiKey = context.Has(Endpoint) ? context.Options.Llm.ApiKey : null,
        MaxRounds = context.Has(MaxRounds) ? context.Get(MaxRounds) : null,
        LlmTimeoutSeconds = context.Get(Timeout),
        LlmRetries = context.Get(Retries),
    };

    /// <summary>The demonstration service on this verb's store, with configuration's LLM settings (<c>Leed:Llm:*</c>, <c>LEED_LLM__*</c>).</summary>
    public static DemonstrationService Service(VerbContext context, ILeedStore store) => new(store, LlmHttp.Shared, () => context.Options.Llm);
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
