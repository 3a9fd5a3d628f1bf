// What `train` prints and keeps beside the store: a JSON line per iteration on stdout, and config.json, metrics.csv and checkpoint.bin in its --out folder.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Leed.Engine.Analysis;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Cli;

/// <summary>
/// A run's folder (<c>--out</c>): <c>config.json</c> (the run's id and settings), <c>metrics.csv</c>
/// (one row per iteration) and <c>checkpoint.bin</c>. A folder that holds any of them holds a run.
/// </summary>
internal static class RunFolder
{
    public const string ConfigFile = "config.json", MetricsFile = "metrics.csv", CheckpointFile = "checkpoint.bin";
    private static readonly string[] RunFiles = [ConfigFile, MetricsFile, CheckpointFile];

    /// <summary>What config.json holds. The first names are those of earlier versions; <see cref="Run"/> is the stored run's settings.</summary>
    internal sealed record Config
    {
        public string RunId { get; init; } = "";
        public string Algorithm { get; init; } = "";
        public string? WeightSchedule { get; init; }
        public int Seed { get; init; }
        public string Map { get; init; } = "";
        public string? MapHash { get; init; }
        public int Agents { get; init; }
        public int? ScenarioSeed { get; init; }
        /// <summary>Where the agents came from, in the demonstration header's words ("the map's .scen, first 8 rows").</summary>
        public string? ScenarioSource { get; init; }
        public string Scenario { get; init; } = "";
        /// <summary>--demos as given: planner, llm, a set's id, or an instruction file's name.</summary>
        public string Demonstrations { get; init; } = "";
        public string EnvVersion { get; init; } = EnvConfig.EnvVersion;
        public string GlobalStep { get; init; } = "environment steps summed over the parallel environments (agent-steps = globalStep x agents)";
        public Hyperparameters Hyperparameters { get; init; } = new();
        public RunSpec Run { get; init; } = new();
    }

    private static readonly JsonSerializerOptions Json = new(CommandLine.Indented) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>Refuses an --out that cannot hold a run: a file, a folder that cannot be written, or one with a run in it (unless <paramref name="overwrite"/>).</summary>
    /// <exception cref="UsageException">The message says which and what to do; nothing was created or stored.</exception>
    public static void Check(string folder, bool overwrite)
    {
        if (File.Exists(folder)) throw new UsageException($"--out '{folder}' is a file; give a folder for config.json, metrics.csv and checkpoint.bin.");
        if (Directory.Exists(folder))
        {
            if (!overwrite && RunFiles.FirstOrDefault(file => File.Exists(Path.Combine(folder, file))) is { } taken)
                throw new UsageException($"--out '{folder}' already holds a run ({taken}); choose another folder, pass --overwrite to replace its files, " +
                    $"or --resume {Path.Combine(folder, CheckpointFile)} to continue it.");
            ProbeWritable(folder);
            return;
        }
        // The nearest existing parent must let the folder be made.
        string? parent = Path.GetDirectoryName(Path.GetFullPath(folder));
        while (parent is not null && !Directory.Exists(parent))
        {
            if (File.Exists(parent)) throw new UsageException($"--out '{folder}' cannot be made: '{parent}' is a file.");
            parent = Path.GetDirectoryName(parent);
        }
        if (parent is not null) ProbeWritable(parent);
    }

    /// <summary>The folder, made (or emptied of an earlier run's files with <paramref name="overwrite"/>) and checked first.</summary>
    public static string Create(string folder, bool overwrite)
    {
        Check(folder, overwrite);
        try
        {
            Directory.CreateDirectory(folder);
            foreach (string file in RunFiles) File.Delete(Path.Combine(folder, file));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out '{folder}' cannot be written: {error.Message}");
        }
        return folder;
    }

    /// <summary>runs/MAP-ALGO-seedS-TIME-ID: new for every run, so trainings started together never share a metrics.csv.</summary>
    public static string Default(RunSpec spec) => Path.Combine("runs", $"{spec.Map}-{spec.Algorithm}-seed{spec.Seed}-{RunRegistry.NewId()}");

    public static Config ReadConfig(string folder)
    {
        string path = Path.Combine(folder, ConfigFile);
        try
        {
            Config? config = JsonSerializer.Deserialize<Config>(File.ReadAllText(path), Json);
            if (config is null || config.RunId.Length == 0 || config.Run.Map.Length == 0)
                throw new InputException($"--resume: '{path}' does not name a stored run (it was written by an older LEED Studio?); start a new run instead.");
            return config;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new InputException($"--resume: cannot read the run's {ConfigFile} beside the checkpoint ('{path}'): {error.Message}");
        }
    }

    public static void WriteConfig(string folder, Config config) => WriteAtomically(Path.Combine(folder, ConfigFile),
        stream => JsonSerializer.Serialize(stream, config, Json));

    /// <summary>Writes through a temporary file (flushed to disk) and a rename, so a crash leaves the old file or the new one, never half of one.</summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void ProbeWritable(string folder)
    {
        string probe = Path.Combine(folder, $".leed-write-test-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out: '{folder}' cannot be written ({error.Message}); choose a folder you can write to.");
        }
    }
}

/// <summary>
/// Streams one run to stdout and keeps its folder, in the order the run reports: the JSON line and
/// metrics.csv row of every iteration before the checkpoint that covers it, so after a crash the
/// checkpoint is never ahead of the rows. On continuing from a checkpoint, rows after its iteration
/// are dropped first.
/// </summary>
internal sealed class TrainOutput(VerbContext context, string folder, int agents, string demonstrations = "planner") : IDisposable
{
    private readonly MetricsTable _table = new(agents);
    private readonly TaskCompletionSource<RunRecord> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private StreamWriter? _csv;

    public string Folder { get; } = folder;

    public Task<RunRecord> Finished => _finished.Task;

    private string MetricsPath => Path.Combine(Folder, RunFolder.MetricsFile);

    /// <summary>The registry's side: this output follows the run from its first step.</summary>
    public IRunObserver Observer(Scenario? scenario) => new Follower(this, scenario);

    /// <summary>Writes config.json for the run (on a resume, the scenario recorded before is kept).</summary>
    public void WriteConfig(string runId, RunSpec spec, int agentCount, Scenario? scenario)
    {
        RunFolder.Config? before = File.Exists(Path.Combine(Folder, RunFolder.ConfigFile)) ? RunFolder.ReadConfig(Folder) : null;
        ScenarioIdentity? identity = scenario?.Identity;
        RunFolder.WriteConfig(Folder, new RunFolder.Config
        {
            RunId = runId,
            Algorithm = spec.Algorithm,
            WeightSchedule = spec.Weight.Length == 0 ? null : spec.Weight,
            Seed = spec.Seed,
            Map = spec.Map,
            MapHash = identity?.MapHash ?? before?.MapHash,
            Agents = agentCount,
            ScenarioSeed = identity is null ? before?.ScenarioSeed : identity.Source.Seed,
            ScenarioSource = identity?.Source.Describe() ?? before?.ScenarioSource,
            Scenario = scenario?.Description ?? before?.Scenario ?? "",
            Demonstrations = before?.Demonstrations ?? demonstrations,
            Hyperparameters = RunPreparation.HyperparametersOf(spec),
            Run = spec,
        });
    }

    public void Prepared(RunSpec spec, string summary)
    {
        context.Error.WriteLine($"  {summary}.");
        string weights = spec.Weight.Length == 0 ? "no expert weight" : spec.Weight;
        context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training {spec.Algorithm} ({weights}) for {spec.Iterations} iterations of {spec.Hyperparameters.GetValueOrDefault("Envs")} x " +
            $"{spec.Hyperparameters.GetValueOrDefault("Steps")} steps x {agents} agents on {spec.Map}; output in {Folder}."));
    }

    /// <summary>Training goes on after <paramref name="iteration"/>: metrics.csv keeps its header and the rows up to it.</summary>
    public void Continuing(int iteration)
    {
        lock (_gate)
        {
            _csv?.Dispose();
            List<string> kept = [_table.CsvHeader];
            if (File.Exists(MetricsPath))
                kept.AddRange(File.ReadLines(MetricsPath).Skip(1).Where(line =>
                    int.TryParse(line.AsSpan(0, Math.Max(0, line.IndexOf(','))), NumberStyles.None, CultureInfo.InvariantCulture, out int row) && row <= iteration));
            RunFolder.WriteAtomically(MetricsPath, stream =>
            {
                using var writer = new StreamWriter(stream, leaveOpen: true);
                foreach (string line in kept) writer.Write(line + "\n");
            });
            _csv = new StreamWriter(MetricsPath, append: true);
        }
    }

    public void Row(MetricRecord metrics)
    {
        var iteration = new IterationMetrics(metrics.Iteration, metrics.GlobalStep, metrics.Values);
        Write(_table.CsvRow(iteration), JsonSerializer.Serialize(_table.Row(iteration), CommandLine.Compact));
    }

    /// <summary>A row as the dashboard streamed it: the verb's own JSON line.</summary>
    public void Row(string json, JsonElement row)
    {
        var values = new Dictionary<string, double>();
        foreach (JsonProperty cell in row.EnumerateObject())
            if (cell.Value.ValueKind == JsonValueKind.Number && cell.Name is not MetricNames.Iteration and not MetricNames.GlobalStep) values[cell.Name] = cell.Value.GetDouble();
        var iteration = new IterationMetrics(row.GetProperty(MetricNames.Iteration).GetInt32(), row.GetProperty(MetricNames.GlobalStep).GetInt64(), values);
        Write(_table.CsvRow(iteration), json);
    }

    private void Write(string csvRow, string json)
    {
        lock (_gate)
        {
            if (_csv is null) Continuing(0);
            _csv!.Write(csvRow + "\n");
            _csv.Flush();
            context.Out.WriteLine(json);
            context.Out.Flush();
        }
    }

    public void Checkpoint(int iteration, ReadOnlySpan<byte> content)
    {
        byte[] copy = content.ToArray();
        RunFolder.WriteAtomically(Path.Combine(Folder, RunFolder.CheckpointFile), stream => stream.Write(copy));
    }

    public void Ended(RunRecord run) => _finished.TrySetResult(run);

    /// <summary>0 completed, 130 or 143 stopped by that signal, 1 failed or stopped otherwise; says which on stderr.</summary>
    public int ExitCode(RunStatus status, string? error, int? signal)
    {
        string where = File.Exists(Path.Combine(Folder, RunFolder.CheckpointFile)) ? $" checkpoint in {Path.Combine(Folder, RunFolder.CheckpointFile)}" : " no checkpoint yet";
        switch (status)
        {
            case RunStatus.Completed:
                context.Error.WriteLine($"Finished; metrics in {MetricsPath},{where}.");
                return 0;
            case RunStatus.Stopped:
                context.Error.WriteLine($"Stopped ({(signal == TrainVerbs.StoppedBySigterm ? "SIGTERM" : "interrupted")});{where}. " +
                    $"`train --resume {Path.Combine(Folder, RunFolder.CheckpointFile)}` continues it.");
                return signal ?? 1;
            default:
                context.Error.WriteLine($"error: the run {status.ToString().ToLowerInvariant()}: {error}");
                return 1;
        }
    }

    public void Dispose()
    {
        lock (_gate) _csv?.Dispose();
    }

    /// <summary>Hands the registry's calls (on the run's thread, in order) to the output.</summary>
    private sealed class Follower(TrainOutput output, Scenario? scenario) : IRunObserver
    {
        public void OnPrepared(RunRecord run, string summary)
        {
            output.WriteConfig(run.Id, run.Spec, run.Agents, scenario);
            output.Prepared(run.Spec, summary);
        }

        public void OnContinuing(RunRecord run, int iteration) => output.Continuing(iteration);

        public void OnIteration(RunRecord run, MetricRecord metrics) => output.Row(metrics);

        public void OnCheckpoint(RunRecord run, int iteration, ReadOnlyMemory<byte> checkpoint) => output.Checkpoint(iteration, checkpoint.Span);

        public void OnFinished(RunRecord run)
        {
            output.Dispose();
            output.Ended(run);
        }
    }
}
