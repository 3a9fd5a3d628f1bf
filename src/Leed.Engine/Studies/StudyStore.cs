// Studies in the store: the plan as written and as run, the demonstration sets made for it, and which run is which cell.
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Engine.Studies;

/// <summary>One cell as stored: which configuration, condition and seed, and the run that is it once submitted.</summary>
public sealed class StoredStudyCell
{
    public string Key { get; set; } = "";
    public string Config { get; set; } = "";
    public int Agents { get; set; }
    /// <summary>The corruption level's label (<see cref="CorruptionLevel.Label"/>).</summary>
    public string Corruption { get; set; } = "none";
    public int Seed { get; set; }
    /// <summary>Null until the cell is submitted to the run queue.</summary>
    public string? RunId { get; set; }
}

/// <summary>The demonstration set version that every cell of one condition trains on.</summary>
public sealed class StoredStudyDemoSet
{
    public int Agents { get; set; }
    public string Corruption { get; set; } = "none";
    public int SetId { get; set; }
    public int Version { get; set; }
    public string Label { get; set; } = "";
    /// <summary>Agents this version corrupted (empty for the clean set).</summary>
    public List<int> ChangedAgents { get; set; } = [];
}

/// <summary>A study as stored.</summary>
public sealed class StudyRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>Where the plan came from: a file name, or the New study page.</summary>
    public string Source { get; set; } = "";
    /// <summary>The plan exactly as it was given.</summary>
    public string SourceText { get; set; } = "";
    /// <summary>The plan as run (overrides applied), as a study file.</summary>
    public string PlanJson { get; set; } = "";
    /// <summary>Command-line values that replaced the file's, e.g. <c>iterations=2</c>.</summary>
    public List<string> Overrides { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public List<StoredStudyCell> Cells { get; set; } = [];
    public List<StoredStudyDemoSet> DemoSets { get; set; } = [];
    /// <summary>Seconds the study itself spent planning and scheduling (demonstrations included), summed over starts and resumes.</summary>
    public double OverheadSeconds { get; set; }
    /// <summary>Why the study could not start its cells (for example the LLM failed), or null.</summary>
    public string? Error { get; set; }

    /// <summary>The plan as run, read back (its map was checked when the study was made).</summary>
    public StudyPlan Plan() => StudyPlanReader.Read(PlanJson, $"study {Id}", catalog: null);
}

/// <summary>Reads and writes studies (the <c>studies</c> collection).</summary>
public sealed class StudyStore(ILeedStore store)
{
    public const string CollectionName = "studies";

    private LiteDB.ILiteCollection<StudyRecord> Studies => store.Collection<StudyRecord>(CollectionName);

    public void Save(StudyRecord study) => Studies.Upsert(study);

    public StudyRecord? Find(string id) => Studies.FindById(id);

    /// <summary>Every study, newest first.</summary>
    public IReadOnlyList<StudyRecord> List() => [.. Studies.FindAll().OrderByDescending(study => study.CreatedAt)];

    public bool Delete(string id) => Studies.Delete(id);

    public static string NewId() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..4]}";
}

/// <summary>Where a cell stands, from its run.</summary>
public enum CellState { Planned, Queued, Running, Completed, Failed, Stopped, Interrupted }

/// <summary>How far a study has got.</summary>
public sealed record StudyProgress(int Cells, int Planned, int Queued, int Running, int Completed, int Failed, int Stopped, int Interrupted)
{
    public int Finished => Completed + Failed + Stopped;
    public bool Done => Cells > 0 && Completed + Failed == Cells;
    public double Share => Cells == 0 ? 0 : Completed / (double)Cells;

    /// <summary>One word for lists: planned, running, interrupted, completed or failed.</summary>
    public string Status => Done ? (Failed > 0 ? "completed with failures" : "completed")
        : Running + Queued > 0 ? "running"
        : Interrupted + Stopped > 0 ? "interrupted"
        : Planned == Cells ? "planned" : "paused";

    /// <summary>E.g. "3 of 12 done, 1 running, 8 queued".</summary>
    public string Describe() =>
        $"{Completed} of {Cells} done" + (Running > 0 ? $", {Running} running" : "") + (Queued > 0 ? $", {Queued} queued" : "")
        + (Failed > 0 ? $", {Failed} failed" : "") + (Interrupted + Stopped > 0 ? $", {Interrupted + Stopped} interrupted" : "")
        + (Planned > 0 ? $", {Planned} not queued yet" : "");

    public static StudyProgress Of(IEnumerable<CellState> states)
    {
        int[] counts = new int[Enum.GetValues<CellState>().Length];
        int total = 0;
        foreach (CellState state in states)
        {
            counts[(int)state]++;
            total++;
        }
        return new StudyProgress(total, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6]);
    }

    public static CellState StateOf(RunRecord? run) => run?.Status switch
    {
        null => CellState.Planned,
        RunStatus.Queued => CellState.Queued,
        RunStatus.Running or RunStatus.Paused => CellState.Running,
        RunStatus.Completed => CellState.Completed,
        RunStatus.Failed => CellState.Failed,
        RunStatus.Stopped => CellState.Stopped,
        _ => CellState.Interrupted,
    };
}
