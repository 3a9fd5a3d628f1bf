// The one home of demonstrations as the command line, the local API, the pages and runs use them: which demonstrator, and saving a set with its transcript.
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Storage;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// Which demonstrator a caller asks for and the LLM settings it overrides, as the command line's
/// options name them (<c>--demonstrator</c>, <c>--llm-endpoint</c>, ...); unset means the
/// configured value.
/// </summary>
public sealed record DemonstratorChoice
{
    /// <summary>"planner", "llm", or null: the LLM when one is configured (or an endpoint is given), else the planner.</summary>
    public string? Kind { get; init; }
    public string? LlmEndpoint { get; init; }
    public string? LlmModel { get; init; }
    /// <summary>The caller's key for <see cref="LlmEndpoint"/>, used only when it is not the configured endpoint (whose key is configured); never stored.</summary>
    public string? LlmApiKey { get; init; }
    public double? LlmTimeoutSeconds { get; init; }
    public int? LlmRetries { get; init; }
    public int? MaxRounds { get; init; }

    public static DemonstratorChoice Planner { get; } = new() { Kind = "planner" };

    public static DemonstratorChoice ConfiguredLlm { get; } = new() { Kind = "llm" };
}

/// <summary>A demonstrator that cannot be made as asked; the message names the option (or setting) and what to do.</summary>
public sealed class DemonstratorChoiceException(string message) : ArgumentException(message);

/// <summary>A freshly made set as stored: its version, and what `demos generate` prints about it.</summary>
public sealed record SavedDemonstrations(StoredDemonstrationSet Stored, DemonstrationSummary Summary);

/// <summary>
/// Builds demonstrators from configuration (the settings in effect, overridden by a
/// <see cref="DemonstratorChoice"/>) and saves what they make: a set and its LLM transcript in one
/// transaction, so a stored set never lacks the calls that made it.
/// </summary>
/// <param name="http">The factory with the LLM client (<see cref="LlmHttp"/>); null when only saving.</param>
/// <param name="settings">The LLM settings in effect (configuration, or what the Settings page saved).</param>
public sealed class DemonstrationService(ILeedStore store, IHttpClientFactory? http = null, Func<LlmOptions>? settings = null)
{
    private static readonly int DefaultRounds = new LlmDemonstratorOptions().MaxRounds;

    public ILeedStore Store { get; } = store;

    /// <summary>The settings in effect now (none configured when the service was made without them).</summary>
    public LlmOptions Settings => settings?.Invoke() ?? new LlmOptions();

    /// <summary>The demonstrator <paramref name="choice"/> names.</summary>
    /// <exception cref="DemonstratorChoiceException">LLM options without the LLM, no endpoint or model, a bad URL or setting.</exception>
    public IDemonstrator Create(DemonstratorChoice choice)
    {
        string kind = choice.Kind ?? (Settings.IsConfigured || choice.LlmEndpoint is not null ? "llm" : "planner");
        if (kind == "planner")
        {
            string? stray = choice.LlmEndpoint is not null ? "--llm-endpoint" : choice.LlmModel is not null ? "--llm-model"
                : choice.MaxRounds is not null ? "--max-rounds" : choice.LlmTimeoutSeconds is not null ? "--llm-timeout"
                : choice.LlmRetries is not null ? "--llm-retries" : null;
            if (stray is not null) throw new DemonstratorChoiceException($"{stray} applies to the LLM demonstrator; add --demonstrator llm or leave it out.");
            return new PlannerDemonstrator();
        }
        if (kind != "llm") throw new DemonstratorChoiceException($"--demonstrator must be planner or llm, got '{kind}'.");
        return CreateLlm(choice);
    }

    /// <summary>The LLM demonstrator <paramref name="choice"/> names (also for asking again about one agent).</summary>
    /// <exception cref="DemonstratorChoiceException">No endpoint or model, a bad URL or setting.</exception>
    public LlmDemonstrator CreateLlm(DemonstratorChoice choice)
    {
        if (choice.LlmEndpoint is { } given && (!Uri.TryCreate(given, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            throw new DemonstratorChoiceException("--llm-endpoint must be an http or https URL, e.g. http://127.0.0.1:11434/v1.");
        // The configured key goes only to the configured endpoint; another endpoint gets the caller's key or none.
        LlmOptions options = Settings.Redirected(choice.LlmEndpoint, choice.LlmModel, choice.LlmApiKey);
        options.TimeoutSeconds = choice.LlmTimeoutSeconds ?? options.TimeoutSeconds;
        options.MaxRetries = choice.LlmRetries ?? options.MaxRetries;
        if (string.IsNullOrWhiteSpace(options.Endpoint))
            throw new DemonstratorChoiceException("The LLM demonstrator needs an endpoint: pass --llm-endpoint URL (e.g. http://127.0.0.1:11434/v1 for Ollama) " +
                "or set LEED_LLM__ENDPOINT (in the dashboard: its Settings page); or use the planner.");
        if (string.IsNullOrWhiteSpace(options.Model))
            throw new DemonstratorChoiceException("The LLM demonstrator needs a model: pass --llm-model NAME or set LEED_LLM__MODEL (in the dashboard: its Settings page).");
        if (choice.MaxRounds is < 1 or > 20) throw new DemonstratorChoiceException($"--max-rounds must be between 1 and 20, got {choice.MaxRounds}.");
        if (http is null) throw new InvalidOperationException("This demonstration service was made without an HTTP client, so it cannot call an LLM.");
        try
        {
            LlmEndpoint endpoint = LlmEndpoint.FromOptions(options)!;
            return new LlmDemonstrator(http, endpoint, new LlmDemonstratorOptions { MaxRounds = choice.MaxRounds ?? DefaultRounds });
        }
        catch (ArgumentException invalid) when (invalid is not DemonstratorChoiceException)
        {
            throw new DemonstratorChoiceException(invalid.Message);
        }
    }

    /// <summary>The configured LLM, for runs that ask for it; null when none is configured.</summary>
    public IDemonstrator? ConfiguredLlm() => Settings.IsConfigured ? CreateLlm(DemonstratorChoice.ConfiguredLlm) : null;

    /// <summary>
    /// Makes a set with the demonstrator <paramref name="choice"/> names and stores it with its
    /// transcript (<see cref="Save"/>). A set with no valid agent is refused before anything is
    /// stored: null comes back with the set, so the caller can say why.
    /// </summary>
    public async Task<(SavedDemonstrations? Saved, DemonstrationSet Set)> GenerateAndSaveAsync(Scenario scenario, DemonstratorChoice choice,
        CancellationToken cancellation = default)
    {
        DemonstrationSet set = await Create(choice).GenerateAsync(scenario, null, cancellation);
        return (Save(scenario, set), set);
    }

    /// <summary>
    /// Stores a freshly made set as version 1 of a new family together with its LLM transcript, in
    /// one transaction. A set with no valid agent is stored only with <paramref name="keepInvalid"/>
    /// (labelled so); otherwise nothing is stored and null comes back (say <see cref="GeneratedSets.NotStoredMessage"/>).
    /// </summary>
    /// <param name="output">The instruction file written beside it, for the summary.</param>
    public SavedDemonstrations? Save(Scenario scenario, DemonstrationSet set, bool keepInvalid = false, string? output = null)
    {
        if (!set.HasValidAgent)
        {
            if (!keepInvalid) return null;
            set = set.LabelledNoValidAgent();
        }
        return Store.InTransaction(() =>
        {
            StoredDemonstrationSet stored = new DemonstrationStore(Store).SaveNew(scenario, scenario.Source.Seed, set);
            int calls = new LlmTranscriptStore(Store).Save(stored.Id, set.Transcript);
            return new SavedDemonstrations(stored, DemonstrationSummary.Of(set, stored.Id, calls, output));
        });
    }

    /// <summary>
    /// Saves an edited version after <paramref name="baseId"/> together with the LLM calls made
    /// while editing it, in one transaction.
    /// </summary>
    public StoredDemonstrationSet SaveVersion(int baseId, Scenario scenario, IReadOnlyList<AgentDemonstration> agents, IReadOnlyList<DemonstrationEdit> edits,
        IReadOnlyList<LlmCallRecord> transcript) => Store.InTransaction(() =>
    {
        StoredDemonstrationSet saved = new DemonstrationStore(Store).SaveVersion(baseId, scenario, agents, edits);
        new LlmTranscriptStore(Store).Save(saved.Id, transcript);
        return saved;
    });

    /// <summary>
    /// The stored set holding an instruction file's demonstrations on <paramref name="scenario"/>: a
    /// set stored from a file with the same name, scenario and instructions is reused, else a new
    /// one is stored (labelled "instructions from file NAME").
    /// </summary>
    public StoredDemonstrationSet SaveFile(Scenario scenario, DemonstrationSet fromFile) => Store.InTransaction(() =>
    {
        var sets = new DemonstrationStore(Store);
        ScenarioIdentity identity = scenario.Identity;
        StoredDemonstrationSet? same = sets.List().FirstOrDefault(stored => stored.Demonstrator == fromFile.Demonstrator && stored.Label == fromFile.Label
            && stored.MapName == identity.Map && stored.MapHash == identity.MapHash && stored.Identity.Agents.SequenceEqual(identity.Agents)
            && stored.Agents.Count == fromFile.Agents.Count
            && stored.Agents.Zip(fromFile.Agents).All(pair => pair.First.Instructions.SequenceEqual(pair.Second.Instructions.Select(instruction => instruction.Format()))));
        return same ?? sets.SaveNew(scenario, scenario.Source.Seed, fromFile);
    });
}
