// Demonstration sets in the store: versioned, immutable once written, with provenance and edits.
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Storage;

namespace Leed.Engine.Demonstrations;

/// <summary>One agent of a stored set; instructions kept as grammar lines.</summary>
public sealed class StoredAgentDemonstration
{
    public int Agent { get; set; }
    public List<string> Instructions { get; set; } = [];
    public bool Valid { get; set; }
    public List<string> Errors { get; set; } = [];
    public int? FirstInvalidIndex { get; set; }
    public int ExpectedTravelTime { get; set; }
    public string? Failure { get; set; }
    /// <summary>True when a person changed this agent's list in this version or an earlier one.</summary>
    public bool Edited { get; set; }
    /// <summary>How this version corrupted the agent on purpose (<see cref="DemonstrationCorruption"/>), or null when it did not.</summary>
    public string? Corrupted { get; set; }
}

/// <summary>The provenance of a version made by <see cref="DemonstrationStore.SaveCorrupted"/>: from what, how, and which agents.</summary>
public sealed class StoredCorruption
{
    public int ParentId { get; set; }
    public int ParentVersion { get; set; }
    /// <summary>detour, wait or drop.</summary>
    public string Kind { get; set; } = "";
    public double Fraction { get; set; }
    public int Seed { get; set; }
    /// <summary>Agents of the parent with a valid demonstration, of which round(Fraction x Candidates) were changed.</summary>
    public int Candidates { get; set; }
    public List<int> ChangedAgents { get; set; } = [];
}

/// <summary>One agent of the scenario the set was made for.</summary>
public sealed class StoredAgentSpec
{
    public int Origin { get; set; }
    public int Destination { get; set; }
    public int Departure { get; set; }
}

/// <summary>A change a person made, recorded on the version it created.</summary>
public sealed class DemonstrationEdit
{
    public string Editor { get; set; } = "";
    public int Agent { get; set; }
    public string Summary { get; set; } = "";
    public List<string> Before { get; set; } = [];
    public List<string> After { get; set; } = [];
    public DateTime At { get; set; }
}

/// <summary>Quality of one refinement round, as stored.</summary>
public sealed class StoredRound
{
    public int Round { get; set; }
    public double ParseValidity { get; set; }
    public double PathValidity { get; set; }
    public double ArrivalRate { get; set; }
}

/// <summary>A stored version of a demonstration set. Written once; only <see cref="UsedByRuns"/> grows.</summary>
public sealed class StoredDemonstrationSet
{
    public int Id { get; set; }
    /// <summary>Id of version 1 of this set; all versions share it.</summary>
    public int Family { get; set; }
    public int Version { get; set; }
    public int? ParentId { get; set; }
    public string MapName { get; set; } = "";
    /// <summary>The map's content hash when the set was made (<see cref="CityMap.ContentHash"/>); null in sets stored before it was recorded.</summary>
    public string? MapHash { get; set; }
    /// <summary>Where the scenario's agents came from; null in sets stored before it was recorded (then: generated when there is a seed, else the map's own).</summary>
    public ScenarioKind? ScenarioKind { get; set; }
    public int? ScenarioSeed { get; set; }
    public string ScenarioDescription { get; set; } = "";
    public List<StoredAgentSpec> Scenario { get; set; } = [];
    public string Demonstrator { get; set; } = "";
    public string Label { get; set; } = "";
    public string? Model { get; set; }
    public string? EndpointHost { get; set; }
    public string? PromptVersion { get; set; }
    public List<StoredRound> Rounds { get; set; } = [];
    public List<StoredAgentDemonstration> Agents { get; set; } = [];
    public List<DemonstrationEdit> Edits { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public List<string> UsedByRuns { get; set; } = [];
    /// <summary>Set when this version is a deliberate corruption of its parent; null otherwise.</summary>
    public StoredCorruption? Corruption { get; set; }

    [LiteDB.BsonIgnore] public double PathValidity => Agents.Count == 0 ? 0 : Agents.Count(agent => agent.Valid) / (double)Agents.Count;
    [LiteDB.BsonIgnore] public string Title => $"set {Family} v{Version}";

    /// <summary>The scenario the set was made for, as sets, files and runs record it.</summary>
    [LiteDB.BsonIgnore]
    public ScenarioIdentity Identity => new(MapName, MapHash,
        (ScenarioKind ?? (ScenarioSeed is null ? Env.ScenarioKind.Map : Env.ScenarioKind.Generated)) switch
        {
            Env.ScenarioKind.Generated => ScenarioSource.Generated(Scenario.Count, ScenarioSeed ?? ScenarioResolver.DefaultSeed),
            Env.ScenarioKind.Map => ScenarioSource.MapRows(Scenario.Count),
            _ => ScenarioSource.Custom(Scenario.Count),
        },
        [.. Scenario.Select(agent => new AgentSpec(agent.Origin, agent.Destination, agent.Departure))]);
}

/// <summary>A stored set that training needs has no agent with a valid list; the message names the set and what to do.</summary>
public sealed class NoValidAgentException(string message) : Exception(message);

/// <summary>Reads and writes demonstration sets; a new version for every change, never an update in place.</summary>
public sealed class DemonstrationStore(ILeedStore store)
{
    public const string CollectionName = "demo_sets";

    private LiteDB.ILiteCollection<StoredDemonstrationSet> Sets => store.Collection<StoredDemonstrationSet>(CollectionName);

    /// <summary>
    /// Saves a freshly generated set as version 1 of a new family, with the scenario's identity (map
    /// hash, source, agents). Its LLM transcript is saved with it only by <see cref="DemonstrationService.Save"/>.
    /// </summary>
    /// <param name="scenarioSeed">Recorded when the scenario's own source has no seed (a scenario given by hand); a generated scenario records its own.</param>
    public StoredDemonstrationSet SaveNew(Scenario scenario, int? scenarioSeed, DemonstrationSet set)
    {
        var stored = new StoredDemonstrationSet
        {
            Version = 1,
            MapName = scenario.Map.Name,
            MapHash = scenario.Map.ContentHash,
            ScenarioKind = scenario.Source.Kind,
            ScenarioSeed = scenario.Source.Seed ?? (scenario.Source.Kind == Env.ScenarioKind.Map ? null : scenarioSeed),
            ScenarioDescription = scenario.Description,
            Scenario = [.. scenario.Agents.Select(agent => new StoredAgentSpec { Origin = agent.Origin, Destination = agent.Destination, Departure = agent.Departure })],
            Demonstrator = set.Demonstrator,
            Label = set.Label,
            Model = set.Model,
            EndpointHost = set.EndpointHost,
            PromptVersion = set.PromptVersion,
            Rounds = [.. set.Rounds.Select(round => new StoredRound { Round = round.Round, ParseValidity = round.ParseValidity, PathValidity = round.PathValidity, ArrivalRate = round.ArrivalRate })],
            Agents = [.. set.Agents.Select(agent => ToStored(agent, edited: false))],
            CreatedAt = DateTime.UtcNow,
        };
        return store.InTransaction(() =>
        {
            Sets.Insert(stored);
            stored.Family = stored.Id;
            Sets.Update(stored);
            return stored;
        });
    }

    /// <summary>
    /// Saves <paramref name="agents"/> (revalidated against the scenario) as the next version after
    /// <paramref name="baseId"/>; the base version is left exactly as it was.
    /// </summary>
    public StoredDemonstrationSet SaveVersion(int baseId, Scenario scenario, IReadOnlyList<AgentDemonstration> agents, IReadOnlyList<DemonstrationEdit> edits)
    {
        StoredDemonstrationSet parent = Find(baseId) ?? throw new KeyNotFoundException($"No demonstration set with id {baseId}.");
        if (agents.Count != parent.Agents.Count) throw new ArgumentException($"The set has {parent.Agents.Count} agents; got {agents.Count}.");
        var editedAgents = new HashSet<int>(edits.Select(edit => edit.Agent));
        return store.InTransaction(() =>
        {
            StoredDemonstrationSet version = NextVersionOf(parent);
            version.Label = editedAgents.Count > 0 && !parent.Label.Contains("edited") ? parent.Label + ", edited" : parent.Label;
            version.Agents = [.. agents.Select(agent => ToStored(agent, editedAgents.Contains(agent.Agent) || parent.Agents[agent.Agent].Edited))];
            version.Edits = [.. parent.Edits, .. edits];
            Sets.Insert(version);
            return version;
        });
    }

    /// <summary>
    /// Saves the next version after <paramref name="parentId"/> with <paramref name="fraction"/> of its
    /// valid agents corrupted as <paramref name="kind"/> says (<see cref="DemonstrationCorruption"/>),
    /// the choice drawn with <paramref name="seed"/>; its provenance records the parent, the kind,
    /// the fraction, the seed and the changed agents. The parent stays exactly as it was.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such set.</exception>
    /// <exception cref="CorruptionException">The fraction is out of range, or too few agents can be corrupted that way.</exception>
    public (StoredDemonstrationSet Version, CorruptionOutcome Outcome) SaveCorrupted(int parentId, CorruptionKind kind, double fraction, int seed, MapCatalog catalog,
        EnvConfig? config = null)
    {
        StoredDemonstrationSet parent = Find(parentId) ?? throw new KeyNotFoundException($"No demonstration set with id {parentId}. `demos list` shows the stored sets.");
        Scenario scenario = ScenarioOf(parent, catalog.Require(parent.MapName));
        int maxSteps = (config ?? new EnvConfig()).ResolveMaxSteps(scenario);
        CorruptionOutcome outcome = DemonstrationCorruption.Apply(scenario, ToDemonstrationSet(parent).Agents, kind, fraction, seed, maxSteps);
        var changed = outcome.Changed.ToDictionary(agent => agent.Agent);
        var agents = new List<StoredAgentDemonstration>(parent.Agents.Count);
        foreach (StoredAgentDemonstration agent in parent.Agents)
        {
            if (!changed.TryGetValue(agent.Agent, out CorruptedAgent? spoiled))
            {
                agents.Add(agent);
                continue;
            }
            AgentValidation validation = InstructionValidator.ValidateAgent(scenario, agent.Agent, spoiled.Instructions, maxSteps);
            bool dropped = kind == CorruptionKind.Drop;
            agents.Add(new StoredAgentDemonstration
            {
                Agent = agent.Agent,
                Instructions = [.. spoiled.Instructions.Select(instruction => instruction.Format())],
                Valid = !dropped && validation.Valid,
                Errors = dropped ? [] : [.. validation.Errors.Select(error => error.Describe())],
                FirstInvalidIndex = dropped ? null : validation.FirstInvalidIndex,
                ExpectedTravelTime = dropped ? 0 : validation.ExpectedTravelTime,
                Failure = dropped ? $"no demonstration: dropped on purpose (corruption drop, seed {seed})" : null,
                Edited = agent.Edited,
                Corrupted = spoiled.Description,
            });
        }
        string percent = fraction.ToString("0.#%", System.Globalization.CultureInfo.InvariantCulture);
        return store.InTransaction(() =>
        {
            StoredDemonstrationSet version = NextVersionOf(parent);
            version.Label = $"{parent.Label}, corrupted: {kind.Name()} {percent} (seed {seed})";
            version.Agents = agents;
            version.Corruption = new StoredCorruption
            {
                ParentId = parent.Id, ParentVersion = parent.Version, Kind = kind.Name(), Fraction = fraction, Seed = seed,
                Candidates = outcome.Candidates, ChangedAgents = [.. outcome.Changed.Select(agent => agent.Agent)],
            };
            Sets.Insert(version);
            return (version, outcome);
        });
    }

    /// <summary>
    /// The next version of <paramref name="parent"/>'s family, carrying the scenario it was made for
    /// (map, map hash, scenario source and agents) and the parent's provenance, labels and edits;
    /// the caller sets what the new version changes. Call inside the transaction that inserts it.
    /// </summary>
    private StoredDemonstrationSet NextVersionOf(StoredDemonstrationSet parent) => new()
    {
        Family = parent.Family,
        Version = Sets.Find(set => set.Family == parent.Family).Max(set => set.Version) + 1,
        ParentId = parent.Id,
        MapName = parent.MapName,
        MapHash = parent.MapHash,
        ScenarioKind = parent.ScenarioKind,
        ScenarioSeed = parent.ScenarioSeed,
        ScenarioDescription = parent.ScenarioDescription,
        Scenario = parent.Scenario,
        Demonstrator = parent.Demonstrator,
        Label = parent.Label,
        Model = parent.Model,
        EndpointHost = parent.EndpointHost,
        PromptVersion = parent.PromptVersion,
        Rounds = parent.Rounds,
        Agents = parent.Agents,
        Edits = parent.Edits,
        CreatedAt = DateTime.UtcNow,
    };

    /// <summary>Records that a run trained on this version (the only change a stored version ever sees).</summary>
    public void MarkUsed(int id, string runId) => store.InTransaction(() =>
    {
        StoredDemonstrationSet set = Find(id) ?? throw new KeyNotFoundException($"No demonstration set with id {id}.");
        if (!set.UsedByRuns.Contains(runId)) set.UsedByRuns.Add(runId);
        return Sets.Update(set);
    });

    public StoredDemonstrationSet? Find(int id) => Sets.FindById(id);

    /// <summary>Every version, newest first.</summary>
    public IReadOnlyList<StoredDemonstrationSet> List() => [.. Sets.FindAll().OrderByDescending(set => set.Id)];

    public IReadOnlyList<StoredDemonstrationSet> Versions(int family) => [.. Sets.Find(set => set.Family == family).OrderBy(set => set.Version)];

    /// <summary>The scenario a stored set was made for, on its map.</summary>
    /// <exception cref="ScenarioException">The map is another one, or has changed since the set was made (its content hash differs).</exception>
    public static Scenario ScenarioOf(StoredDemonstrationSet set, CityMap map) => set.Identity.On(map, set.Title, set.ScenarioDescription);

    /// <summary>The stored set as the engine's demonstration set (for execution into expert trajectories).</summary>
    public static DemonstrationSet ToDemonstrationSet(StoredDemonstrationSet stored) =>
        new(stored.Demonstrator, $"{stored.Label} ({stored.Title})",
            [.. stored.Agents.Select(agent => new AgentDemonstration(agent.Agent, ParseStoredLines(string.Join('\n', agent.Instructions)), agent.Valid,
                [.. agent.Errors.Select(error => new InstructionError(agent.Agent, agent.FirstInvalidIndex ?? 0, error, []))], agent.ExpectedTravelTime, agent.Failure))],
            [.. stored.Rounds.Select(round => new RoundQuality(round.Round, round.ParseValidity, round.PathValidity, round.ArrivalRate))],
            stored.Model, stored.EndpointHost, stored.PromptVersion);

    /// <summary>A stored version with the scenario it was made for, ready to execute into expert trajectories.</summary>
    /// <param name="requireValidAgent">Refuse a set in which no agent's list is valid in the episode (judged again, not taken from the stored flags).</param>
    /// <param name="config">The environment it will run in; null for the default.</param>
    /// <exception cref="KeyNotFoundException">No such set.</exception>
    /// <exception cref="MapNotFoundException">Its map is gone.</exception>
    /// <exception cref="NoValidAgentException"><paramref name="requireValidAgent"/> and no agent's list is valid.</exception>
    public (Scenario Scenario, DemonstrationSet Set) LoadForTraining(int id, MapCatalog catalog, bool requireValidAgent = false, EnvConfig? config = null)
    {
        StoredDemonstrationSet stored = Find(id) ?? throw new KeyNotFoundException($"No demonstration set with id {id}. `demos list` shows the stored sets.");
        CityMap map = catalog.Require(stored.MapName);
        Scenario scenario = ScenarioOf(stored, map);
        DemonstrationSet set = ToDemonstrationSet(stored);
        int maxSteps = (config ?? new EnvConfig()).ResolveMaxSteps(scenario);
        if (requireValidAgent && !set.Agents.Any(agent => agent.Valid && InstructionValidator.ValidateAgent(scenario, agent.Agent, agent.Instructions, maxSteps).Valid))
        {
            throw new NoValidAgentException(
                $"{stored.Title} has no valid agent, so there is nothing to learn from. `demos show {stored.Id}` (or the Demonstrations page) " +
                "says why each agent is invalid; repair the lists there or generate a new set.");
        }
        return (scenario, set);
    }

    // Stored lines are read exactly as they were written, however long their waits: whether they fit
    // an episode is decided where they run, because the executor validates every list again.
    private static IReadOnlyList<Instruction> ParseStoredLines(string text) =>
        text.Length == 0 ? [] : [.. InstructionParser.ParseLines(text, maxWait: int.MaxValue).Instructions.Select(located => located.Instruction)];

    private static StoredAgentDemonstration ToStored(AgentDemonstration agent, bool edited) => new()
    {
        Agent = agent.Agent,
        Instructions = [.. agent.Instructions.Select(instruction => instruction.Format())],
        Valid = agent.Valid,
        Errors = [.. agent.Errors.Select(error => error.Describe())],
        FirstInvalidIndex = agent.Errors.Count == 0 ? null : agent.Errors.Min(error => error.Index),
        ExpectedTravelTime = agent.ExpectedTravelTime,
        Failure = agent.Failure,
        Edited = edited,
    };
}
