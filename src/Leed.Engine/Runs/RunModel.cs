// What a run is: its configuration, its status, and the records stored as it trains.
namespace Leed.Engine.Runs;

/// <summary>Life cycle of a run.</summary>
public enum RunStatus { Queued, Running, Paused, Completed, Stopped, Failed, Interrupted }

/// <summary>Everything needed to start (or restart) a run; stored with it and shown in the UI.</summary>
public sealed class RunSpec
{
    public string Name { get; set; } = "";
    /// <summary>An algorithm's name from <see cref="Learning.Algorithms"/>.</summary>
    public string Algorithm { get; set; } = Learning.Algorithms.Default.Name;
    public string Map { get; set; } = "";
    /// <summary>Agents: with <see cref="ScenarioKind"/> Map, the first this many of the map's own (0: all of them); else how many to generate.</summary>
    public int Agents { get; set; } = 20;
    public int ScenarioSeed { get; set; } = 1;
    /// <summary>
    /// Where the agents come from: the map's own (its .scen) or generated from <see cref="ScenarioSeed"/>.
    /// Null in runs stored before it was recorded: then 0 agents meant the map's own, any other count generated.
    /// A stored set's scenario (<see cref="Demonstrator"/> "set") overrides both.
    /// </summary>
    public Env.ScenarioKind? ScenarioKind { get; set; }
    /// <summary>Where demonstrations come from: "planner", "llm" or "set" (with <see cref="DemoSetId"/>).</summary>
    public string Demonstrator { get; set; } = "planner";
    /// <summary>The stored set: chosen ("set"), or the one an "llm" run generated and stored when it first started (a restart reuses it).</summary>
    public int? DemoSetId { get; set; }
    /// <summary>LEED's weight schedule (see <see cref="Learning.WeightSchedules"/>; default <see cref="Learning.WeightSchedules.DefaultSpec"/>).</summary>
    public string Weight { get; set; } = Learning.WeightSchedules.DefaultSpec;
    public int Seed { get; set; } = 1;
    public int Iterations { get; set; } = 100;
    /// <summary>Iterations between checkpoints (and one after the last, and one when stopped); null for the registry's default (10).</summary>
    public int? CheckpointEvery { get; set; }
    /// <summary>Runs that differ only by seed share a group.</summary>
    public string? Group { get; set; }
    /// <summary>Hyperparameters as name/value pairs (the trainer's record, flattened).</summary>
    public Dictionary<string, double> Hyperparameters { get; set; } = [];
    public string EnvVersion { get; set; } = Env.EnvConfig.EnvVersion;
    /// <summary>The study this run is a cell of, or null for a run started on its own.</summary>
    public string? StudyId { get; set; }
    /// <summary>The cell's key within its study (<c>config/nN/corruption/sS</c>), or null.</summary>
    public string? Cell { get; set; }

    /// <summary>A copy with <paramref name="change"/> applied (the original stays as stored).</summary>
    public RunSpec With(Action<RunSpec> change)
    {
        var copy = (RunSpec)MemberwiseClone();
        copy.Hyperparameters = new Dictionary<string, double>(Hyperparameters);
        change(copy);
        return copy;
    }
}

/// <summary>A run as stored: configuration, status and progress summary.</summary>
public sealed class RunRecord
{
    private List<string> _tags = [];
    private List<WorkerSpan> _workers = [];
    private string _notes = "";
    private List<RunEvent> _events = [];

    public string Id { get; set; } = "";
    public RunSpec Spec { get; set; } = new();
    public RunStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public int Iteration { get; set; }
    public long GlobalStep { get; set; }
    public double? BestReturn { get; set; }
    public double? LastReturn { get; set; }
    public double WallSeconds { get; set; }
    /// <summary>Of <see cref="WallSeconds"/>, the seconds spent recording and storing episode snapshots, summed over restarts.</summary>
    public double SnapshotSeconds { get; set; }
    public string? Error { get; set; }
    /// <summary>Label of the demonstrations used, e.g. "planner, no LLM" or "LLM m at host (set 3 v2)".</summary>
    public string? DemonstrationLabel { get; set; }
    public string? CheckpointId { get; set; }
    /// <summary>
    /// The number of agents the run trains, resolved from its scenario (<see cref="RunSpec.Agents"/> is 0
    /// for a map's own agents); 0 while unknown, in runs stored before this was recorded.
    /// </summary>
    public int ResolvedAgents { get; set; }
    /// <summary>Which cluster worker trained which iterations, in order; empty for runs trained in the owning process.</summary>
    /// <remarks>Replaced as a whole when it changes (never edited in place), so a reader never sees it half-written.</remarks>
    public List<WorkerSpan> Workers { get => _workers; set => _workers = value ?? []; }
    /// <summary>The scenario the run trains on (<see cref="ScenarioKeys.Of"/>), resolved with the agents; null before then.</summary>
    public string? ScenarioKey { get; set; }
    // LiteDB stores an empty string (and may store an empty list) as null: read both back as empty.
    public List<string> Tags { get => _tags; set => _tags = value ?? []; }
    public string Notes { get => _notes; set => _notes = value ?? ""; }
    /// <summary>What happened to the run while it trained (demonstration switches), oldest first; drawn as markers on its charts.</summary>
    public List<RunEvent> Events { get => _events; set => _events = value ?? []; }

    [LiteDB.BsonIgnore] public double Progress => Spec.Iterations <= 0 ? 0 : Math.Clamp(Iteration / (double)Spec.Iterations, 0, 1);
    /// <summary>The agents to show: the resolved count, else what the spec asked for.</summary>
    [LiteDB.BsonIgnore] public int Agents => ResolvedAgents > 0 ? ResolvedAgents : Spec.Agents;
    /// <summary>Where its demonstrations came from: the label recorded when it trained, or what its configuration says before then.</summary>
    [LiteDB.BsonIgnore]
    public string Demonstrations => DemonstrationLabel ?? (Learning.Algorithms.Find(Spec.Algorithm) is { NeedsDemonstrations: false }
        ? "none"
        : Spec.Demonstrator switch
        {
            "set" => $"set {Spec.DemoSetId}",
            "llm" => "LLM",
            _ => "planner, no LLM",
        });

    /// <summary>The one message for a run id that names no run.</summary>
    public static string NotFound(string id) => $"No run with id '{id}'. The Runs page (or `runs list`) shows the ids.";

    [LiteDB.BsonIgnore] public bool IsActive => Status is RunStatus.Queued or RunStatus.Running or RunStatus.Paused;
}

/// <summary>Iterations <see cref="From"/> to <see cref="To"/> of a run, trained by the cluster worker <see cref="Worker"/>.</summary>
public sealed class WorkerSpan
{
    public string Worker { get; set; } = "";
    public int From { get; set; }
    public int To { get; set; }
}

/// <summary>One iteration's metrics (names from the trainer's metric-name constants).</summary>
public sealed record MetricRecord(int Iteration, long GlobalStep, double WallSeconds, IReadOnlyDictionary<string, double> Values);

/// <summary>Where every agent was at every step of one episode, for the live map.</summary>
/// <param name="Positions">Per step, per agent: cell index, or -1 when off the grid.</param>
/// <param name="Statuses">Per step, per agent: 0 waiting, 1 driving, 2 arrived, 3 timed out.</param>
public sealed record EpisodeSnapshot(int Iteration, IReadOnlyList<int[]> Positions, IReadOnlyList<byte[]> Statuses, int[] Destinations)
{
    /// <summary>
    /// Per step, per agent: 1 when the agent was blocked in the step that led there (it tried to move into a
    /// full cell, or to depart from a full origin); empty in snapshots stored before blocked moves were recorded.
    /// </summary>
    public IReadOnlyList<byte[]> Blocked { get; init; } = [];

    /// <summary>The scenario the episode ran on (<see cref="ScenarioKeys.Of"/>); null in snapshots stored before it was recorded.</summary>
    public string? ScenarioKey { get; init; }
}

/// <summary>
/// Something that happened to a run between two iterations, recorded with it. <see cref="Iteration"/>
/// is the last iteration trained before it, so the iterations after it are the first to see it.
/// </summary>
public sealed class RunEvent
{
    public const string DemonstrationSwitch = "demonstrations";
    /// <summary>A switch the run refused (the set did not fit); it kept training on its old set.</summary>
    public const string DemonstrationSwitchRefused = "demonstrations-refused";

    public string Kind { get; set; } = DemonstrationSwitch;
    public int Iteration { get; set; }
    public long GlobalStep { get; set; }
    public DateTime At { get; set; }
    /// <summary>Who asked for it, as the dashboard knows them.</summary>
    public string Who { get; set; } = "";
    public int? OldSetId { get; set; }
    public int? NewSetId { get; set; }
    /// <summary>"set 3 v1": the stored set's title.</summary>
    public string? OldVersion { get; set; }
    public string? NewVersion { get; set; }
    /// <summary>Why a refused switch was refused.</summary>
    public string? Refusal { get; set; }

    /// <summary>One line for a chart marker or a list.</summary>
    [LiteDB.BsonIgnore] public string Summary => Kind == DemonstrationSwitchRefused
        ? $"switch to {NewVersion ?? "?"} refused at iteration {Iteration} ({Who}): {Refusal}"
        : $"{OldVersion ?? "?"} → {NewVersion ?? "?"} at iteration {Iteration} ({Who})";
}
