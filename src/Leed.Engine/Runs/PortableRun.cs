// Everything a run needs to train away from the store (what a cluster worker receives), as plain JSON.
using System.Text.Json;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;

namespace Leed.Engine.Runs;

/// <summary>
/// A run made self-contained: its settings, its map (cells included, so imported maps travel too),
/// its scenario's agents, the demonstration version it trains on (null: the planner's, made where it
/// trains) and how often to checkpoint. The checkpoint to resume from travels beside it as bytes.
/// </summary>
public sealed record PortableRun
{
    public required string RunId { get; init; }
    public required RunSpec Spec { get; init; }
    public required PortableMap Map { get; init; }
    public required List<AgentSpec> Agents { get; init; }
    public required string ScenarioDescription { get; init; }
    /// <summary>The stored set the demonstrations are (its id in the coordinator's store), or null.</summary>
    public int? SetId { get; init; }
    public PortableDemonstrations? Demonstrations { get; init; }
    public int CheckpointEvery { get; init; } = 10;
    public double SnapshotBudget { get; init; } = 0.05;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PortableRun FromJson(string json) =>
        JsonSerializer.Deserialize<PortableRun>(json, Json) ?? throw new InvalidDataException("An empty run package arrived.");

    /// <summary>
    /// Packs <paramref name="run"/> from the owner's store through the one run-preparation path: its
    /// map, scenario and stored set (an LLM run's demonstrations are written here, where the LLM is
    /// configured, and stored; the run keeps that set for its restarts), and marks the set as used by
    /// the run. Throws saying what is wrong, as a local start would.
    /// </summary>
    public static PortableRun Pack(RunPreparation preparation, ILeedStore store, RunRecord run, int checkpointEvery, double snapshotBudget,
        CancellationToken cancellation = default)
    {
        RunSpec spec = run.Spec;
        RunPlan plan = preparation.Plan(spec);
        if (plan.Demonstrator == "llm" && plan.StoredSet is null)
        {
            spec.DemoSetId = preparation.Prepare(plan, cancellation).SetId;
            plan = preparation.Plan(spec);
        }
        if (plan.SetId is int setId) new DemonstrationStore(store).MarkUsed(setId, run.Id);
        return new PortableRun
        {
            RunId = run.Id,
            Spec = spec,
            Map = PortableMap.From(plan.Scenario.Map),
            Agents = [.. plan.Scenario.Agents],
            ScenarioDescription = plan.Scenario.Description,
            SetId = plan.SetId,
            Demonstrations = plan.StoredSet is null ? null : PortableDemonstrations.From(plan.StoredSet),
            CheckpointEvery = checkpointEvery,
            SnapshotBudget = snapshotBudget,
        };
    }

    public Scenario ToScenario() => new(Map.ToMap(), Agents, ScenarioDescription);

    /// <summary>Prepares the run where it trains, with no store: the shipped set, else the planner's demonstrations.</summary>
    public PreparedRun Prepare(CancellationToken cancellation = default)
    {
        (AlgorithmInfo algorithm, IWeightSchedule? weights, Hyperparameters hyperparameters) = RunPreparation.Settings(Spec);
        Scenario scenario = ToScenario();
        TrainingMemory.EnsureFits(scenario, algorithm.Algorithm, hyperparameters);
        string demonstrator = !algorithm.NeedsDemonstrations ? "none" : Demonstrations is null ? "planner" : "set";
        return RunPreparation.Standalone.Prepare(
            new RunPlan(scenario, algorithm, weights, hyperparameters, Spec.Seed, demonstrator, SetId, Demonstrations?.ToSet()), cancellation);
    }
}

/// <summary>A map's cells and provenance ('1' road, '0' blocked, row-major).</summary>
public sealed record PortableMap(string Name, int Width, int Height, string Cells, string SourceKind, string SourceDescription,
    Dictionary<string, string> SourceSettings)
{
    public static PortableMap From(CityMap map) => new(map.Name, map.Width, map.Height,
        string.Create(map.CellCount, map, (chars, source) => { for (int i = 0; i < chars.Length; i++) chars[i] = source.IsRoad(i) ? '1' : '0'; }),
        map.Source.Kind, map.Source.Description, new Dictionary<string, string>(map.Source.Settings));

    public CityMap ToMap()
    {
        if (Width < 1 || Height < 1 || (long)Width * Height != Cells.Length)
            throw new InvalidDataException($"The map '{Name}' arrived with {Cells.Length} cells for {Width}x{Height}.");
        return new CityMap(Name, Width, Height, [.. Cells.Select(cell => cell == '1')], new MapSource(SourceKind, SourceDescription, SourceSettings));
    }
}

/// <summary>A demonstration version as it travels: per agent the instruction lines in the grammar, validity and expected travel time.</summary>
public sealed record PortableDemonstrations(string Demonstrator, string Label, List<PortableAgentDemonstration> Agents,
    string? Model = null, string? EndpointHost = null, string? PromptVersion = null)
{
    public static PortableDemonstrations From(DemonstrationSet set) => new(set.Demonstrator, set.Label,
        [.. set.Agents.Select(agent => new PortableAgentDemonstration(agent.Agent, [.. agent.Instructions.Select(instruction => instruction.Format())],
            agent.Valid, agent.ExpectedTravelTime, agent.Failure))],
        set.Model, set.EndpointHost, set.PromptVersion);

    // The lines are read back as stored lines are: the executor validates every list again where it trains.
    public DemonstrationSet ToSet() => new(Demonstrator, Label,
        [.. Agents.Select(agent => new AgentDemonstration(agent.Agent, DemonstrationStore.ParseStoredLines(string.Join('\n', agent.Instructions)),
            agent.Valid, [], agent.ExpectedTravelTime, agent.Failure))],
        [], Model, EndpointHost, PromptVersion);
}

public sealed record PortableAgentDemonstration(int Agent, List<string> Instructions, bool Valid, int ExpectedTravelTime, string? Failure);
