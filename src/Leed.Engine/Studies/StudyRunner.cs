// Runs a study: one demonstration set per agent count (and a corrupted version per level), every cell submitted to the run queue, resumed after a restart.
using System.Diagnostics;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Engine.Studies;

/// <summary>The study could not start: its demonstrations failed, or its plan no longer fits the store. The message says what to do.</summary>
public sealed class StudyException(string message) : Exception(message);

/// <summary>
/// Turns a plan into runs. Cells are ordinary runs in the <see cref="RunRegistry"/> (its queue and
/// concurrency limit), tagged <c>study:ID</c> and carrying <see cref="RunSpec.StudyId"/> and
/// <see cref="RunSpec.Cell"/>; seeds of one configuration and condition share a group, so Runs and
/// Compare show them as any other group. Everything needed to pick the study up again (the
/// demonstration versions, cell -> run) is stored before the cells are queued.
/// </summary>
/// <param name="demonstrations">Makes the study's sets and stores them with their transcripts; the planner's only when null.</param>
public sealed class StudyRunner(ILeedStore store, RunRegistry registry, DemonstrationService? demonstrations = null)
{
    private readonly StudyStore _studies = new(store);

    public StudyStore Studies => _studies;

    /// <summary>The tag every cell of study <paramref name="id"/> carries.</summary>
    public static string Tag(string id) => $"study:{id}";

    /// <summary>Stores a new study for <paramref name="plan"/>: its cells, none submitted yet.</summary>
    public StudyRecord Create(StudyPlan plan, string source, string sourceText, StudyOverrides? overrides = null)
    {
        StudyRecord study = NewStudy(plan, source, sourceText, overrides);
        _studies.Save(study);
        return study;
    }

    /// <summary>A new study's record for <paramref name="plan"/> (not stored): its cells expanded, none submitted.</summary>
    public static StudyRecord NewStudy(StudyPlan plan, string source, string sourceText, StudyOverrides? overrides = null)
    {
        var clock = Stopwatch.StartNew();
        var study = new StudyRecord
        {
            Id = StudyStore.NewId(),
            Name = plan.Name,
            Source = source,
            SourceText = sourceText,
            PlanJson = StudyPlanReader.Write(plan),
            Overrides = [.. overrides?.Describe() ?? []],
            CreatedAt = DateTime.UtcNow,
            Cells = [.. plan.Cells().Select(cell => new StoredStudyCell
            {
                Key = cell.Key, Config = cell.Config, Agents = cell.Agents, Corruption = cell.Corruption.Label, Seed = cell.Seed,
            })],
        };
        study.OverheadSeconds = clock.Elapsed.TotalSeconds;
        return study;
    }

    /// <summary>
    /// Makes the demonstrations the study still lacks and queues every cell not yet submitted;
    /// returns at once after queueing (the registry runs the cells).
    /// </summary>
    /// <exception cref="StudyException">The demonstrations could not be made (the message says why); nothing is queued.</exception>
    public StudyRecord Start(string id, CancellationToken cancellation = default)
    {
        StudyRecord study = Require(id);
        StudyPlan plan = study.Plan();
        var clock = Stopwatch.StartNew();
        try
        {
            PrepareDemonstrations(study, plan, cancellation);
            study.Error = null;
        }
        catch (Exception failure) when (failure is StudyException or CorruptionException or NoValidAgentException or MapNotFoundException or ArgumentException)
        {
            study.Error = failure.Message;
            study.OverheadSeconds += clock.Elapsed.TotalSeconds;
            _studies.Save(study);
            throw failure as StudyException ?? new StudyException(failure.Message);
        }
        var clean = clock.Elapsed;
        foreach (StoredStudyCell cell in study.Cells.Where(cell => cell.RunId is null))
        {
            cancellation.ThrowIfCancellationRequested();
            // The cell's run id is stored before the next cell is queued, so a crash in between loses no run.
            cell.RunId = registry.Submit(Spec(study, plan, cell), ["study", Tag(study.Id)]).Id;
            _studies.Save(study);
        }
        study.OverheadSeconds += clock.Elapsed.TotalSeconds;
        _studies.Save(study);
        Trace.TraceInformation($"Study {study.Id}: demonstrations {clean.TotalSeconds:F1} s, queueing {(clock.Elapsed - clean).TotalSeconds:F1} s.");
        return study;
    }

    /// <summary>
    /// Picks a study up after a restart: finished cells stay as they are; cells whose run was
    /// interrupted or stopped are queued again (a run that had started continues from its last
    /// checkpoint, one that had not starts afresh); cells never submitted, or whose run was deleted,
    /// are submitted.
    /// </summary>
    public StudyRecord Resume(string id, CancellationToken cancellation = default)
    {
        StudyRecord study = Require(id);
        foreach (StoredStudyCell cell in study.Cells.Where(cell => cell.RunId is not null))
        {
            RunRecord? run = registry.Get(cell.RunId!);
            if (run is null) cell.RunId = null;
            else if (run.Status is RunStatus.Interrupted or RunStatus.Stopped) registry.Restart(run.Id);
        }
        _studies.Save(study);
        return Start(id, cancellation);
    }

    /// <summary>
    /// Waits until no cell of the study is queued or running, calling <paramref name="onFinished"/>
    /// (on the caller's context) once for each cell whose run ends meanwhile.
    /// </summary>
    public async Task WaitAsync(string id, Action<StoredStudyCell, RunRecord> onFinished, CancellationToken cancellation = default)
    {
        StudyRecord study = Require(id);
        using var changed = new SemaphoreSlim(0);
        using IDisposable subscription = registry.SubscribeList(() =>
        {
            if (changed.CurrentCount == 0) changed.Release();
        });
        var reported = new HashSet<string>(study.Cells.Where(cell => cell.RunId is not null && registry.Get(cell.RunId) is { IsActive: false }).Select(cell => cell.Key));
        while (true)
        {
            bool active = false;
            foreach (StoredStudyCell cell in study.Cells)
            {
                RunRecord? run = cell.RunId is null ? null : registry.Get(cell.RunId);
                if (run is null) continue;
                if (run.IsActive) active = true;
                else if (reported.Add(cell.Key)) onFinished(cell, run);
            }
            if (!active) return;
            // A change notification wakes the loop; the timeout is a safety net, not the clock.
            await changed.WaitAsync(TimeSpan.FromSeconds(5), cancellation);
        }
    }

    /// <summary>Each cell with its run (null while it is not submitted), as the registry has it now.</summary>
    public IReadOnlyList<(StoredStudyCell Cell, RunRecord? Run)> CellRuns(StudyRecord study) =>
        [.. study.Cells.Select(cell => (cell, cell.RunId is null ? null : registry.Get(cell.RunId)))];

    /// <summary>
    /// Each cell with its run and the metric rows the statistics read (<see cref="Analysis.StudyResults.Metrics"/>),
    /// for completed runs only (the others do not count yet), through <see cref="StudySeriesStore"/>;
    /// <paramref name="find"/> reads the run (the registry's live record, or the store's).
    /// </summary>
    public static IReadOnlyList<(StoredStudyCell Cell, Analysis.ComparedRun? Run)> Runs(StudyRecord study, Func<string, RunRecord?> find, ILeedStore store)
    {
        var series = new StudySeriesStore(store);
        return [.. study.Cells.Select(cell => (cell, cell.RunId is { } id && find(id) is { } run
            ? new Analysis.ComparedRun(run, run.Status == RunStatus.Completed ? series.MetricsOf(id, completed: true) : [])
            : null))];
    }

    public (Analysis.StudySummary Summary, IReadOnlyList<Analysis.StudyCurve> Curves) Results(StudyRecord study) =>
        Analysis.StudyResults.Compute(study.Id, study.Plan(), Runs(study, registry.Get, store));

    public StudyProgress Progress(StudyRecord study) => StudyProgress.Of(CellRuns(study).Select(pair => StudyProgress.StateOf(pair.Run)));

    private StudyRecord Require(string id) =>
        _studies.Find(id) ?? throw new KeyNotFoundException($"No study with id {id}. `study list` shows the stored studies.");

    /// <summary>
    /// One clean set per agent count, from the plan's demonstrator on the plan's scenario, and one
    /// corrupted version of it per corruption level: every cell of a condition trains on the same
    /// stored version. Each is recorded as soon as it exists, so a restart reuses it.
    /// </summary>
    private void PrepareDemonstrations(StudyRecord study, StudyPlan plan, CancellationToken cancellation)
    {
        if (!plan.Configs.Any(config => config.Algorithm.NeedsDemonstrations)) return;
        var catalog = MapCatalog.For(store);
        var demos = new DemonstrationStore(store);
        CityMap map = catalog.Require(plan.Map);
        foreach (int agents in plan.Agents)
        {
            StoredStudyDemoSet? clean = study.DemoSets.FirstOrDefault(set => set.Agents == agents && set.Corruption == CorruptionLevel.None.Label);
            if (clean is null)
            {
                cancellation.ThrowIfCancellationRequested();
                Scenario scenario = ScenarioResolver.Build(catalog, map, ScenarioSource.Generated(agents, plan.ScenarioSeed));
                StoredDemonstrationSet stored = Generate(scenario, plan, cancellation);
                clean = new StoredStudyDemoSet { Agents = agents, Corruption = CorruptionLevel.None.Label, SetId = stored.Id, Version = stored.Version, Label = stored.Label };
                study.DemoSets.Add(clean);
                _studies.Save(study);
            }
            foreach (CorruptionLevel level in plan.Corruption.Where(level => !level.IsNone))
            {
                if (study.DemoSets.Any(set => set.Agents == agents && set.Corruption == level.Label)) continue;
                cancellation.ThrowIfCancellationRequested();
                (StoredDemonstrationSet version, CorruptionOutcome outcome) =
                    demos.SaveCorrupted(clean.SetId, level.Kind!.Value, level.Fraction, plan.CorruptionSeed, catalog);
                study.DemoSets.Add(new StoredStudyDemoSet
                {
                    Agents = agents, Corruption = level.Label, SetId = version.Id, Version = version.Version, Label = version.Label,
                    ChangedAgents = [.. outcome.Changed.Select(agent => agent.Agent)],
                });
                _studies.Save(study);
            }
        }
    }

    private StoredDemonstrationSet Generate(Scenario scenario, StudyPlan plan, CancellationToken cancellation)
    {
        if (plan.Demonstrations == "llm" && demonstrations?.Settings.IsConfigured != true)
            throw new StudyException("The study asks for LLM demonstrations but no LLM is configured: set Leed:Llm:Endpoint and Leed:Llm:Model (or the Settings page), or write \"demonstrations\": \"planner\".");
        DemonstrationService service = demonstrations ?? new DemonstrationService(store);
        (SavedDemonstrations? saved, DemonstrationSet set) = service.GenerateAndSaveAsync(scenario,
            plan.Demonstrations == "llm" ? DemonstratorChoice.ConfiguredLlm : DemonstratorChoice.Planner, cancellation).GetAwaiter().GetResult();
        return saved?.Stored
            ?? throw new StudyException($"The {set.Label} wrote no valid demonstration for the {scenario.AgentCount} agents on {scenario.Map.Name}: the study cannot train on them. Nothing was queued.");
    }

    /// <summary>The run a cell is: an ordinary run spec, named and grouped after the study and the cell.</summary>
    public static RunSpec Spec(StudyRecord study, StudyPlan plan, StoredStudyCell cell)
    {
        StudyConfig config = plan.Config(cell.Config) ?? throw new StudyException($"Study {study.Id} has a cell of configuration '{cell.Config}', which its plan lacks.");
        StoredStudyDemoSet? demos = config.Algorithm.NeedsDemonstrations
            ? study.DemoSets.FirstOrDefault(set => set.Agents == cell.Agents && set.Corruption == cell.Corruption)
              ?? throw new StudyException($"Study {study.Id}: no demonstration set for {cell.Agents} agents at corruption {cell.Corruption}.")
            : null;
        var spec = new RunSpec
        {
            Name = $"{plan.Name} {cell.Key}",
            Algorithm = config.Algorithm.Name,
            Map = plan.Map,
            Agents = cell.Agents,
            ScenarioSeed = plan.ScenarioSeed,
            Demonstrator = demos is null ? "planner" : "set",
            DemoSetId = demos?.SetId,
            Seed = cell.Seed,
            Iterations = plan.Iterations,
            Group = GroupName(study.Id, cell),
            Hyperparameters = plan.HyperparametersOf(config),
            StudyId = study.Id,
            Cell = cell.Key,
        };
        if (config.Weight is not null) spec.Weight = config.Weight;
        return spec;
    }

    /// <summary>The run group of a cell's seeds: unique to the study, readable in Runs and Compare.</summary>
    public static string GroupName(string studyId, StoredStudyCell cell) => $"study {studyId} {cell.Config}/n{cell.Agents}/{cell.Corruption}";
}
