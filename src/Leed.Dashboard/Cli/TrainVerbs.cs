// `train`: one stored run trained headless (here, or by the dashboard that owns the folder), streaming a JSON line per iteration and keeping config.json, metrics.csv and checkpoint.bin in --out.
using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using Leed.Dashboard.LocalApi;
using Leed.Dashboard.Runs;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

/// <summary>
/// The run goes through the run registry like a dashboard run (<see cref="TrainRuns"/>,
/// <see cref="RunPreparation"/>), so it is stored with its configuration, metrics and checkpoints;
/// <see cref="TrainOutput"/> streams it and keeps the --out copy. Exit codes: 0 completed, 2 bad
/// input, 1 a failure, 130 stopped by SIGINT (Ctrl+C), 143 stopped by SIGTERM; a stopped run has
/// saved a checkpoint of its last iteration first.
/// </summary>
internal static class TrainVerbs
{
    public const int StoppedBySigint = 130, StoppedBySigterm = 143;

    private static readonly Hyperparameters Defaults = new();

    private static readonly Option<string?> Map = CliOptions.Text("--map",
        "map name (see `maps list`); not needed with a stored set or an instruction file that records its scenario", "NAME");
    private static readonly Option<Algorithm> Algo = TrainingOptions.Algorithm("algorithm");
    private static readonly Option<IWeightSchedule?> Weight = CliOptions.Parsed<IWeightSchedule?>("--weight",
        $"LEED's expert-weight schedule: {WeightSchedules.Help}; default {WeightSchedules.Default.Spec}", "SCHEDULE", WeightSchedules.Parse);
    private static readonly Option<string> Demos = CliOptions.Text("--demos",
        "demonstrations: planner (built-in), llm (the configured LLM), a stored set's ID, or an instruction FILE (stored as a set)", "planner|llm|ID|FILE", "planner");
    private static readonly Option<int> Iterations = CliOptions.Int("--iterations", "iterations to run (with --resume: in all, and more extends the plan)", "I",
        Defaults.Iterations, 1, 1_000_000);
    private static readonly Option<int> Seed = CliOptions.Int("--seed", "training seed", "S", new RunSpec().Seed);
    private static readonly Option<int?> ScenarioSeed = CliOptions.OptionalInt("--scenario-seed",
        $"seed of a generated scenario (default {ScenarioResolver.DefaultSeed}); on a map with its own .scen agents, asks for a generated scenario instead", "S");
    private static readonly Option<string?> Output = CliOptions.Text("--out",
        "output folder for config.json, metrics.csv and checkpoint.bin (default runs/MAP-ALGO-seedS-TIME-ID, new for every run)", "DIR");
    private static readonly Option<bool> Overwrite = CliOptions.Flag("--overwrite", "replace the run files in an --out folder that already holds a run");
    private static readonly Option<int> CheckpointEvery = CliOptions.Int("--checkpoint-every", "iterations between checkpoints (one also comes after the last iteration and when stopped)",
        "N", 10, 1, 1_000_000);
    private static readonly RolloutOptions Rollout = new(Defaults);
    private static readonly Option<double> LearningRate = TrainingOptions.LearningRate(Defaults.LearningRate);
    private static readonly Option<string?> ResumeFrom = CliOptions.Text("--resume",
        "continue the run of this checkpoint (its folder's config.json names it); only --iterations and --checkpoint-every may change", "FILE");

    /// <summary>What a run keeps for life: on --resume these must be left out or agree with its config.json.</summary>
    private static readonly Option[] Fixed = [Map, CliOptions.ScenarioAgents, Algo, Weight, Demos, Seed, ScenarioSeed, Rollout.Envs, Rollout.Steps, Rollout.Threads, LearningRate];

    public static Command Command() => CommandLine.Verb("train",
        "Trains one run (stored like a dashboard run); streams one JSON line per iteration, writes config.json, metrics.csv and checkpoint.bin to --out.",
        [CliOptions.Data, Map, CliOptions.ScenarioAgents, Algo, Weight, Demos, Iterations, Seed, ScenarioSeed, Output, Overwrite, CheckpointEvery,
            .. Rollout.All, LearningRate, ResumeFrom],
        TrainAsync);

    private static async Task<int> TrainAsync(VerbContext context)
    {
        if (context.Get(ResumeFrom) is { } checkpoint) return await ResumeAsync(context, checkpoint);
        Algorithm algorithm = context.Get(Algo);
        if (context.Get(Weight) is not null && !algorithm.Info().UsesWeightSchedule)
            throw new UsageException($"--weight applies to {string.Join(", ", Algorithms.All.Where(a => a.UsesWeightSchedule).Select(a => a.Name))} only; {algorithm.Name()} has no expert weight.");
        Rollout.Apply(context, Defaults with { Iterations = context.Get(Iterations), LearningRate = context.Get(LearningRate) });
        TrainCall call = CallOf(context);
        string? given = context.Get(Output);
        if (given is not null) RunFolder.Check(given, context.Get(Overwrite));

        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        if (dashboard is not null) return await ForwardAsync(context, dashboard, call, given);

        var factory = new TrainerWorkloadFactory(store!, Demonstrators.Service(context, store!))
        {
            CheckpointEvery = context.Get(CheckpointEvery),
        };
        TrainPlan plan = TrainRuns.Plan(call, store!, factory);
        foreach (string notice in plan.Notices) context.Error.WriteLine(notice);
        string folder = RunFolder.Create(given ?? RunFolder.Default(plan.Spec), context.Get(Overwrite));
        using var registry = new RunRegistry(new RunStore(store!), factory);
        using var output = new TrainOutput(context, folder, plan.Scenario.AgentCount, DemosGiven(call));
        return await RunAsync(context, output, registry, () => registry.Submit(plan.Spec, observer: output.Observer(plan.Scenario)));
    }

    /// <summary>Every option as given (null when left out), as the dashboard's local API takes them too.</summary>
    private static TrainCall CallOf(VerbContext context)
    {
        string demos = context.Get(Demos);
        bool isFile = File.Exists(demos) || Directory.Exists(demos) || (demos is not "planner" and not "llm" && !int.TryParse(demos, out _));
        if (isFile && !File.Exists(demos))
            throw new InputException($"--demos: '{demos}' is neither 'planner', 'llm', a stored set's id nor an existing instruction file.");
        T? Given<T>(Option<T> option) where T : struct => context.Has(option) ? context.Get(option) : null;
        return new TrainCall(context.Get(Map))
        {
            Agents = context.Get(CliOptions.ScenarioAgents),
            Algorithm = context.Get(Algo).Name(),
            Weight = context.Get(Weight)?.Spec,
            Demos = isFile ? null : demos,
            DemosFileName = isFile ? Path.GetFileName(demos) : null,
            DemosContent = isFile ? File.ReadAllText(demos) : null,
            Iterations = context.Get(Iterations),
            Seed = context.Get(Seed),
            ScenarioSeed = context.Get(ScenarioSeed),
            Envs = context.Get(Rollout.Envs),
            Steps = context.Get(Rollout.Steps),
            LearningRate = context.Get(LearningRate),
            Threads = context.Get(Rollout.Threads),
            CheckpointEvery = Given(CheckpointEvery),
        };
    }

    /// <summary>
    /// Continues the run of a checkpoint: its folder's config.json names the run and its settings;
    /// options that would change them are refused; the checkpoint becomes the run's (in the store
    /// too), and rows after its iteration are dropped before new ones come.
    /// </summary>
    private static async Task<int> ResumeAsync(VerbContext context, string checkpointPath)
    {
        if (Directory.Exists(checkpointPath) || !File.Exists(checkpointPath)) throw new InputException($"--resume: no checkpoint at '{checkpointPath}'.");
        string folder = Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;
        if (context.Get(Output) is { } given && Path.GetFullPath(given).TrimEnd(Path.DirectorySeparatorChar) != folder)
            throw new UsageException($"--out cannot change on resume: the run's files are in '{folder}', beside its checkpoint; leave --out out.");
        RunFolder.Config config = RunFolder.ReadConfig(folder);
        RunSpec spec = config.Run;
        foreach (Option option in Fixed.Where(context.Has))
            if (Disagreement(context, option, spec, config) is string problem) throw new UsageException(problem);

        byte[] bytes = await File.ReadAllBytesAsync(checkpointPath, context.Cancellation);
        int done;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            (CheckpointHeader header, done, _) = Checkpoint.ReadProgress(stream);
            if (header.Algorithm != spec.Algorithm || header.Agents != config.Agents)
                throw new InvalidDataException($"it is a checkpoint of {header.Algorithm} with {header.Agents} agents, but config.json records {spec.Algorithm} with {config.Agents}.");
        }
        catch (InvalidDataException error)
        {
            throw new InputException($"--resume {checkpointPath}: {error.Message}");
        }
        int iterations = context.Has(Iterations) ? context.Get(Iterations) : spec.Iterations;
        if (iterations <= done)
            throw new UsageException($"--resume: the checkpoint is at iteration {done}, so there is nothing to continue up to {iterations}; " +
                $"pass --iterations with more than {done} to extend the run.");
        int? every = context.Has(CheckpointEvery) ? context.Get(CheckpointEvery) : null;

        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        if (dashboard is not null)
        {
            var call = new TrainCall(spec.Map) { ResumeRunId = config.RunId, ResumeSpec = spec, ResumeCheckpoint = bytes, Iterations = iterations, CheckpointEvery = every };
            return await ForwardAsync(context, dashboard, call, folder);
        }
        var runs = new RunStore(store!);
        var factory = new TrainerWorkloadFactory(store!, Demonstrators.Service(context, store!));
        using var registry = new RunRegistry(runs, factory);
        TrainRuns.PrepareResume(runs, config.RunId, spec, bytes, iterations, every);
        using var output = new TrainOutput(context, folder, config.Agents);
        context.Error.WriteLine($"Resuming run {config.RunId} from its checkpoint of iteration {done}, up to {iterations} iterations.");
        return await RunAsync(context, output, registry, () => registry.Restart(config.RunId, output.Observer(scenario: null)));
    }

    /// <summary>Why an option given on --resume would change the run, or null when it agrees with config.json.</summary>
    private static string? Disagreement(VerbContext context, Option option, RunSpec spec, RunFolder.Config config)
    {
        string recorded = option.Name switch
        {
            "--map" => spec.Map,
            "--agents" => config.Agents.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--algo" => spec.Algorithm,
            "--weight" => spec.Weight,
            "--demos" => config.Demonstrations,
            "--seed" => spec.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--scenario-seed" => spec.ScenarioKind == ScenarioKind.Map ? "none (the map's own agents)" : spec.ScenarioSeed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => HyperparameterValues.Format(spec.Hyperparameters.GetValueOrDefault(option.Name switch
            {
                "--envs" => nameof(Hyperparameters.Envs),
                "--steps" => nameof(Hyperparameters.Steps),
                "--threads" => nameof(Hyperparameters.Threads),
                _ => nameof(Hyperparameters.LearningRate),
            }, double.NaN)),
        };
        string givenText = context.Result.GetResult(option)?.Tokens.FirstOrDefault()?.Value ?? "";
        bool same = option.Name switch
        {
            "--algo" => context.Get(Algo).Name() == spec.Algorithm,
            "--weight" => context.Get(Weight)?.Spec == spec.Weight,
            "--demos" => givenText == config.Demonstrations || givenText == spec.DemoSetId?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--map" => string.Equals(givenText, spec.Map, StringComparison.OrdinalIgnoreCase),
            "--envs" or "--steps" or "--threads" or "--lr" => double.TryParse(givenText, System.Globalization.CultureInfo.InvariantCulture, out double value)
                && HyperparameterValues.Format(value) == recorded,
            _ => givenText == recorded,
        };
        return same ? null
            : $"{option.Name} cannot change on resume: the run was started with {option.Name} {recorded} (config.json), and its checkpoint holds what that trained. " +
              $"Leave {option.Name} out, or start a new run (another --out) with {option.Name} {givenText}.";
    }

    /// <summary>Starts (or restarts) the run, waits for its end, and stops it on SIGINT or SIGTERM (it saves a checkpoint first).</summary>
    private static async Task<int> RunAsync(VerbContext context, TrainOutput output, RunRegistry registry, Func<RunRecord> start)
    {
        int? signal = null;
        string? id = null;
        void Stop(int code)
        {
            signal ??= code;
            if (id is not null && registry.Get(id) is { IsActive: true }) registry.Stop(id);
        }
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, stop => { stop.Cancel = true; Stop(StoppedBySigint); });
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, stop => { stop.Cancel = true; Stop(StoppedBySigterm); });
        using CancellationTokenRegistration cancelled = context.Cancellation.Register(() => Stop(StoppedBySigint));
        RunRecord record = start();
        id = record.Id;
        if (signal is not null) registry.Stop(id);
        RunRecord final = await output.Finished;
        return output.ExitCode(final.Status, final.Error, signal);
    }

    /// <summary>The same run through the dashboard that owns the folder: it trains there (and shows live); this verb streams and keeps --out.</summary>
    private static async Task<int> ForwardAsync(VerbContext context, LocalApiClient dashboard, TrainCall call, string? folderGiven)
    {
        context.Error.WriteLine($"The data folder is owned by a running dashboard: training there ({DataFolderLock.ReadOwner(context.Options.DataDirectory)?.ApiAddress}).");
        call = call with { Checkpoints = true };
        int? signal = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, handled => { handled.Cancel = true; signal ??= StoppedBySigint; stop.Cancel(); });
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, handled => { handled.Cancel = true; signal ??= StoppedBySigterm; stop.Cancel(); });
        TrainOutput? output = null;
        RunSpec? spec = null;
        RunSummary? ended = null;
        string? error = null;
        try
        {
            await foreach (TrainEvent line in dashboard.TrainAsync(call, stop.Token))
            {
                switch (line.Event)
                {
                    case TrainEvent.Notice:
                        context.Error.WriteLine(line.Message);
                        break;
                    case TrainEvent.Queued:
                        string folder = folderGiven is not null && call.ResumeRunId is not null
                            ? folderGiven
                            : RunFolder.Create(folderGiven ?? RunFolder.Default(line.Spec!), context.Get(Overwrite));
                        output = new TrainOutput(context, folder, line.Run!.Agents, DemosGiven(call));
                        spec = line.Spec!;
                        output.WriteConfig(line.Run.Id, spec, line.Run.Agents, scenario: null);
                        break;
                    case TrainEvent.Prepared:
                        output?.Prepared(spec!, line.Message ?? "");
                        break;
                    case TrainEvent.Continuing:
                        output?.Continuing(line.At ?? 0);
                        break;
                    case TrainEvent.Iteration:
                        output?.Row(line.Row!.Value.GetRawText(), line.Row.Value);
                        break;
                    case TrainEvent.Checkpoint when line.Data is not null:
                        output?.Checkpoint(line.At ?? 0, line.Data);
                        break;
                    case TrainEvent.End:
                        (ended, error) = (line.Run, line.Error);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (signal is not null || context.Cancellation.IsCancellationRequested)
        {
            // The dashboard stops the run when the stream goes away; it keeps a checkpoint of its last iteration.
            context.Error.WriteLine("Stopped; the dashboard keeps the run (and a checkpoint of its last iteration). --resume continues it.");
            return signal ?? StoppedBySigint;
        }
        finally
        {
            output?.Dispose();
        }
        if (ended is null || output is null) throw new LocalApiException("The dashboard's training stream ended before the run did.", 1);
        return output.ExitCode(ended.Status, error, signal);
    }

    /// <summary>--demos as config.json records it: planner, llm, a set's id or the instruction file's name.</summary>
    private static string DemosGiven(TrainCall call) => call.DemosFileName ?? call.Demos ?? "planner";
}
