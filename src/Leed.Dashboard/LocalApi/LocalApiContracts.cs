// What command-line verbs send to a running dashboard's local API, and what comes back.
using System.Text.Json;
using Leed.Engine.Demonstrations;
using Leed.Engine.Export;
using Leed.Engine.Runs;

namespace Leed.Dashboard.LocalApi;

/// <summary>The local API speaks the verbs' own JSON dialect, so what it answers is what they print.</summary>
public static class LocalApiJson
{
    public static JsonSerializerOptions Options => Cli.CommandLine.Compact;
}

/// <summary>`maps import FILE`: the map file's name and contents (and a .scen's), and the verb's options.</summary>
public sealed record MapImportCall(string FileName, string Content)
{
    public string? ScenarioFileName { get; init; }
    public string? ScenarioContent { get; init; }
    /// <summary>"movingai" or "osm"; null infers it from <see cref="FileName"/>.</summary>
    public string? Format { get; init; }
    public string? Name { get; init; }
    public int? Agents { get; init; }
    public double? CellMeters { get; init; }
    /// <summary>Comma-separated highway kinds to keep (OpenStreetMap).</summary>
    public string? Highways { get; init; }
    public bool Overwrite { get; init; }
}

/// <summary>`demos generate`: the scenario and the demonstrator, as the verb's options give them.</summary>
public sealed record DemosGenerateCall(string Map)
{
    public int? Agents { get; init; }
    public int? Seed { get; init; }
    /// <summary>"planner" or "llm"; null: the LLM when one is configured (or an endpoint is given), else the planner.</summary>
    public string? Demonstrator { get; init; }
    public string? LlmEndpoint { get; init; }
    public string? LlmModel { get; init; }
    /// <summary>The caller's own key, used only when <see cref="LlmEndpoint"/> differs from the dashboard's; never stored.</summary>
    public string? LlmApiKey { get; init; }
    public int? MaxRounds { get; init; }
    public double? LlmTimeout { get; init; }
    public int? LlmRetries { get; init; }
    /// <summary>Store a set in which no agent is valid (labelled so) instead of refusing it.</summary>
    public bool KeepInvalid { get; init; }
}

/// <summary>The stored set's summary (what the verb prints) and its instruction file with its scenario header (for the verb's <c>--out FILE</c>).</summary>
public sealed record DemosGenerated(DemonstrationSummary Summary, string Instructions)
{
    /// <summary>Which scenario was used ("using the map's 8 agents from its .scen"), for the verb's stderr.</summary>
    public string? Notice { get; init; }
}

/// <summary>`train`: one run in the dashboard's queue, with the verb's options (null: not given).</summary>
/// <param name="Map">The map; null when a stored set or a file's header names it.</param>
public sealed record TrainCall(string? Map)
{
    public string? Name { get; init; }
    public int? Agents { get; init; }
    public string? Algorithm { get; init; }
    public string? Weight { get; init; }
    /// <summary>"planner" (default), "llm" or the id of a stored demonstration set; an instruction file comes as <see cref="DemosFileName"/> and <see cref="DemosContent"/>.</summary>
    public string? Demos { get; init; }
    /// <summary>The name of the instruction file given as <c>--demos FILE</c> (its demonstrations are stored as a set).</summary>
    public string? DemosFileName { get; init; }
    public string? DemosContent { get; init; }
    public int? Iterations { get; init; }
    public int? Seed { get; init; }
    public int? ScenarioSeed { get; init; }
    public int? Envs { get; init; }
    public int? Steps { get; init; }
    public double? LearningRate { get; init; }
    public int? Threads { get; init; }
    public int? CheckpointEvery { get; init; }
    /// <summary>Send each checkpoint in the stream (the verb keeps a copy in its --out folder).</summary>
    public bool Checkpoints { get; init; }
    /// <summary>`train --resume`: the run to continue (from its config.json), with the checkpoint to continue from.</summary>
    public string? ResumeRunId { get; init; }
    /// <summary>The resumed run's settings as its config.json recorded them, for a store that does not hold it yet.</summary>
    public RunSpec? ResumeSpec { get; init; }
    public byte[]? ResumeCheckpoint { get; init; }
}

/// <summary>
/// One line of the <c>train</c> stream, in the order the run does them: <c>notice</c> (what was
/// chosen, <see cref="Message"/>), <c>run</c> once it is queued (with its id), <c>prepared</c> (the
/// demonstrations' summary in <see cref="Message"/>), <c>continuing</c> (training starts after
/// <see cref="Iteration"/>), <c>iteration</c> per iteration with <see cref="Row"/> exactly the JSON
/// line the `train` verb prints, <c>checkpoint</c> (of <see cref="Iteration"/>, with its bytes when
/// asked for), and <c>end</c> with the run's final status (and error).
/// </summary>
public sealed record TrainEvent(string Event, RunSummary? Run = null, JsonElement? Row = null, string? Error = null)
{
    public const string Notice = "notice", Queued = "run", Prepared = "prepared", Continuing = "continuing", Iteration = "iteration",
        Checkpoint = "checkpoint", End = "end";

    public string? Message { get; init; }
    public int? At { get; init; }
    public byte[]? Data { get; init; }
    /// <summary>The run's settings as stored (with <see cref="Queued"/>), for the verb's config.json.</summary>
    public RunSpec? Spec { get; init; }
}

/// <summary>`evaluate RUN_ID`: greedy episodes, on the run's training scenario or the generated scenario of a seed.</summary>
public sealed record EvaluateCall(int Episodes, int? ScenarioSeed = null);

/// <summary>`export tensorboard`: what the event file holds (its <c>Path</c> is the file name) and its bytes, written by the verb.</summary>
public sealed record TensorBoardDownload(TensorBoardFile File, byte[] Content);

/// <summary>`store backup --out FILE`: an absolute path on this machine.</summary>
public sealed record BackupCall(string Out, bool Overwrite = false);

/// <summary>Who answers: the owning dashboard's process and data folder.</summary>
public sealed record LocalApiInfo(int ProcessId, string DataDirectory, string Database);

/// <summary>A refusal: the message to print and the exit code the verb should end with (2 bad input, 1 failure).</summary>
public sealed record LocalApiError(string Error, int ExitCode);
