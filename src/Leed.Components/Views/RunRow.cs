// View record for one run in the run table.
namespace Leed.Components.Views;

/// <summary>What a run is doing; the dashboard maps the engine's run state onto it.</summary>
public enum RunStatus
{
    Queued = 0,
    Running = 1,
    Paused = 2,
    Completed = 3,
    Failed = 4,
    Stopped = 5,
    Interrupted = 6,
}

/// <summary>One run as the run table shows it. <paramref name="Progress"/> is a fraction in [0, 1].</summary>
public sealed record RunRow(
    string Id,
    string Name,
    string Algorithm,
    string Map,
    int Agents,
    string Demonstrator,
    int Seed,
    RunStatus Status,
    double Progress,
    double? BestReturn,
    double? LastReturn,
    long Steps,
    TimeSpan WallTime,
    IReadOnlyList<string> Tags,
    string Notes,
    string Group,
    DateTimeOffset CreatedAt);

/// <summary>New tags for a run, as typed in the run table.</summary>
public sealed record RunTagsEdit(RunRow Run, IReadOnlyList<string> Tags);

/// <summary>New notes for a run, as typed in the run table.</summary>
public sealed record RunNotesEdit(RunRow Run, string Notes);
