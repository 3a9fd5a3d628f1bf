// Evaluating a stored run's checkpoint (on its training scenario or another seed of its map), and the results kept with the run.
using System.Diagnostics;
using LiteDB;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;

namespace Leed.Engine.Runs;

/// <summary>
/// One evaluation of a run, as `evaluate` prints it and the run's page lists it. The measures are
/// those of the training charts (<see cref="MetricNames"/>), over greedy episodes.
/// </summary>
public sealed class RunEvaluation
{
    [BsonId, System.Text.Json.Serialization.JsonIgnore] public ObjectId Id { get; set; } = ObjectId.NewObjectId();
    public string RunId { get; set; } = "";
    /// <summary>The checkpoint's iteration: the policy evaluated.</summary>
    public int Iteration { get; set; }
    public string Algorithm { get; set; } = "";
    /// <summary>Always "greedy": each agent takes its policy's most likely valid action.</summary>
    public string Policy { get; set; } = "greedy";
    public int Episodes { get; set; }
    /// <summary>The generated scenario's seed when one was asked for; null for the run's own training scenario.</summary>
    public int? ScenarioSeed { get; set; }
    /// <summary>True when the episodes ran on the very scenario the checkpoint was trained on.</summary>
    public bool TrainingScenario { get; set; }
    public string Scenario { get; set; } = "";
    public int Agents { get; set; }
    public EvaluationStat Return { get; set; } = new();
    public EvaluationStat ArrivalRate { get; set; } = new();
    /// <summary>Null when no agent arrived in any episode.</summary>
    public EvaluationStat? TravelTime { get; set; }
    public EvaluationStat Congestion { get; set; } = new();
    public double MeanSteps { get; set; }
    public DateTime EvaluatedAt { get; set; }
    public double Seconds { get; set; }
}

/// <summary>
/// Evaluates runs from their stored checkpoints and keeps the results with them. Safe to call
/// while the run trains: it reads the last saved checkpoint and touches nothing of the training.
/// </summary>
public sealed class RunEvaluator(ILeedStore store)
{
    public const string Collection = "evaluations";

    private ILiteCollection<RunEvaluation> Evaluations
    {
        get
        {
            ILiteCollection<RunEvaluation> collection = store.Collection<RunEvaluation>(Collection);
            collection.EnsureIndex(evaluation => evaluation.RunId);
            return collection;
        }
    }

    /// <summary>
    /// Plays <paramref name="episodes"/> greedy episodes of the run's last checkpoint on its
    /// training scenario, or on the map's generated scenario of <paramref name="scenarioSeed"/>
    /// with the same number of agents, stores the result with the run and returns it.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No run has that id, or its map is gone.</exception>
    /// <exception cref="ArgumentException">The run has no checkpoint, its policy is a reference policy, or the options are out of range.</exception>
    public RunEvaluation Evaluate(string runId, int episodes, int? scenarioSeed = null)
    {
        var runs = new RunStore(store);
        RunRecord run = runs.Find(runId) ?? throw new KeyNotFoundException(RunRecord.NotFound(runId));
        if (episodes is < 1 or > Evaluation.MaxEpisodes) throw new ArgumentException($"--episodes must be from 1 to {Evaluation.MaxEpisodes}, got {episodes}.");
        if (scenarioSeed is < 0) throw new ArgumentException($"--scenario-seed must be 0 or more, got {scenarioSeed}.");
        using var checkpoint = new MemoryStream();
        if (!runs.LoadCheckpoint(runId, checkpoint))
            throw new ArgumentException($"Run {runId} has no checkpoint yet: one is saved every few iterations and at the end of training. " +
                "Evaluate it once it has one.");
        checkpoint.Position = 0;
        CheckpointHeader header = ReadHeader(runId, checkpoint);
        Scenario scenario = ScenarioFor(run, header, scenarioSeed);

        long start = Stopwatch.GetTimestamp();
        PolicyEvaluation result;
        try
        {
            result = Learning.Evaluation.Run(checkpoint, scenario, episodes);
        }
        catch (InvalidDataException unreadable)
        {
            throw new ArgumentException($"Run {runId}'s checkpoint cannot be evaluated: {unreadable.Message}");
        }
        var evaluation = new RunEvaluation
        {
            RunId = runId,
            Iteration = result.Iteration,
            Algorithm = header.Algorithm,
            Episodes = result.Episodes,
            ScenarioSeed = scenarioSeed,
            TrainingScenario = scenario.Description == header.Scenario,
            Scenario = scenario.Description,
            Agents = scenario.AgentCount,
            Return = result.Return,
            ArrivalRate = result.ArrivalRate,
            TravelTime = result.TravelTime,
            Congestion = result.Congestion,
            MeanSteps = result.MeanSteps,
            EvaluatedAt = DateTime.UtcNow,
            Seconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
        };
        Evaluations.Insert(evaluation);
        return evaluation;
    }

    /// <summary><see cref="Evaluate"/> on its own thread: a page or a request waits for it without holding a pool thread for seconds of tensor work.</summary>
    public Task<RunEvaluation> EvaluateAsync(string runId, int episodes, int? scenarioSeed = null, CancellationToken cancellation = default) =>
        Task.Factory.StartNew(() => Evaluate(runId, episodes, scenarioSeed), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>The run's evaluations, newest first.</summary>
    public IReadOnlyList<RunEvaluation> Of(string runId) =>
        [.. Evaluations.Find(evaluation => evaluation.RunId == runId).Select(Utc).OrderByDescending(evaluation => evaluation.EvaluatedAt)];

    /// <summary>Deletes every evaluation of a run (with the run itself).</summary>
    internal void DeleteOf(string runId) => Evaluations.DeleteMany(evaluation => evaluation.RunId == runId);

    private static CheckpointHeader ReadHeader(string runId, MemoryStream checkpoint)
    {
        try
        {
            CheckpointHeader header = Checkpoint.ReadHeader(checkpoint);
            checkpoint.Position = 0;
            return header;
        }
        catch (InvalidDataException unreadable)
        {
            throw new ArgumentException($"Run {runId}'s checkpoint cannot be read: {unreadable.Message}");
        }
    }

    /// <summary>The training scenario (resolved as the run resolved it), or the map's generated scenario of that seed with the checkpoint's agents.</summary>
    private Scenario ScenarioFor(RunRecord run, CheckpointHeader header, int? scenarioSeed)
    {
        var catalog = MapCatalog.For(store);
        CityMap map = catalog.Require(run.Spec.Map);
        if (scenarioSeed is int seed) return ScenarioGenerator.Generate(map, header.Agents, seed);
        return new RunPreparation(store).Plan(run.Spec).Scenario;
    }

    // LiteDB hands dates back in local time; scripts get UTC.
    private static RunEvaluation Utc(RunEvaluation evaluation)
    {
        evaluation.EvaluatedAt = RunSummary.Utc(evaluation.EvaluatedAt);
        return evaluation;
    }
}
