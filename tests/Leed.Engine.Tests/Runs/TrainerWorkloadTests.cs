// The registry running the real trainer: metrics, snapshots through training, checkpoints, demonstration provenance.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Leed.Engine.Tests.Maps.Import;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Runs;

public sealed class TrainerWorkloadTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-train-run-");

    public void Dispose() => _data.Dispose();

    private static RunSpec Tiny(string algorithm, int iterations = 3) => new()
    {
        Algorithm = algorithm, Map = PresetMaps.Small, Agents = 3, ScenarioSeed = 2, Seed = 5, Iterations = iterations, Weight = "dynamic",
        Hyperparameters = new() { ["Envs"] = 2, ["Steps"] = 32, ["Minibatches"] = 2, ["UpdateEpochs"] = 1 },
    };

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the run did not get there in 60 s");
            Thread.Sleep(20);
        }
    }

    [Fact]
    public void LeedRun_WithPlannerDemonstrations_CompletesWithMetricsSnapshotAndCheckpoint()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));
        RunRecord run = registry.Submit(Tiny("leed"));
        var snapshots = new List<EpisodeSnapshot>();
        using IDisposable watch = registry.Subscribe(run.Id, update => { if (update.Snapshot is not null) lock (snapshots) snapshots.Add(update.Snapshot); });

        WaitFor(() => registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed);
        RunRecord done = registry.Get(run.Id)!;
        Assert.True(done.Status == RunStatus.Completed, done.Error);
        Assert.Equal("planner, no LLM", done.DemonstrationLabel);
        IReadOnlyList<MetricRecord> metrics = new RunStore(_data.Store).MetricsOf(run.Id);
        Assert.Equal([1, 2, 3], metrics.Select(metric => metric.Iteration));
        Assert.Contains("losses/expert_loss", metrics[^1].Values.Keys);
        Assert.Contains("agents/weight/Agent_2", metrics[^1].Values.Keys);
        Assert.True(metrics[^1].GlobalStep > metrics[0].GlobalStep);
        Assert.True(new RunStore(_data.Store).LoadCheckpoint(run.Id, new MemoryStream()), "a checkpoint is stored");
        lock (snapshots)
        {
            EpisodeSnapshot snapshot = Assert.IsType<EpisodeSnapshot>(snapshots.LastOrDefault());
            Assert.Equal(3, snapshot.Positions[0].Length);
            Assert.True(snapshot.Positions.Count > 1);
        }
    }

    [Theory]
    [InlineData(0.0, new[] { 1, 5 })]          // no budget: the first and the last only
    [InlineData(1e6, new[] { 1, 2, 3, 4, 5 })] // no limit to speak of: one after every iteration
    public void UnwatchedRun_RecordsSnapshotsThroughTraining_WithinTheBudget(double budget, int[] iterations)
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store) { SnapshotBudget = budget });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        RunRecord run = registry.Submit(Tiny("ippo", iterations: 5));

        WaitFor(() => registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed);
        double elapsed = clock.Elapsed.TotalSeconds;

        Assert.True(registry.Get(run.Id)!.Status == RunStatus.Completed, registry.Get(run.Id)!.Error);
        Assert.Equal(iterations, registry.Snapshots(run.Id).Select(entry => entry.Iteration));
        EpisodeSnapshot first = registry.Snapshot(run.Id, 1)!;
        Assert.Equal(registry.Get(run.Id)!.ScenarioKey, first.ScenarioKey);
        Assert.StartsWith($"{PresetMaps.Small} ", first.ScenarioKey);
        Assert.Equal(first.Positions.Count, first.Blocked.Count);
        Assert.Equal(first.Positions.Count, registry.Snapshots(run.Id)[0].Steps);
        // The time they took is counted. Not bounded by WallSeconds: that is read at the last iteration, before
        // the last snapshot is recorded, and on a loaded machine that one snapshot can outlast five tiny iterations.
        RunRecord done = registry.Get(run.Id)!;
        Assert.InRange(done.SnapshotSeconds, 1e-6, elapsed);
    }

    [Fact]
    public void TwoRunsOnOneScenario_ShareAScenarioKey_AnotherScenarioSeedDoesNot()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));
        RunRecord a = registry.Submit(Tiny("ippo", iterations: 1));
        RunRecord b = registry.Submit(Tiny("random", iterations: 1).With(spec => spec.Seed = 9));
        RunRecord c = registry.Submit(Tiny("ippo", iterations: 1).With(spec => spec.ScenarioSeed = 3));

        WaitFor(() => new[] { a, b, c }.All(run => !registry.Get(run.Id)!.IsActive));

        Assert.NotNull(registry.Get(a.Id)!.ScenarioKey);
        Assert.Equal(registry.Get(a.Id)!.ScenarioKey, registry.Get(b.Id)!.ScenarioKey);
        Assert.NotEqual(registry.Get(a.Id)!.ScenarioKey, registry.Get(c.Id)!.ScenarioKey);
    }

    [Fact]
    public void FinishedRun_KeepsItsLastEpisodeSnapshot_AfterTheProcessRestarts()
    {
        RunRecord run;
        using (var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store)))
        {
            run = registry.Submit(Tiny("ippo", iterations: 2)); // nobody watches: the last iteration is still recorded
            WaitFor(() => registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed);
            Assert.True(registry.Get(run.Id)!.Status == RunStatus.Completed, registry.Get(run.Id)!.Error);
            Assert.Equal(2, registry.LatestSnapshot(run.Id)?.Iteration);
        }
        LiteDbStore reopened = _data.Reopen();
        using var restarted = new RunRegistry(new RunStore(reopened), new TrainerWorkloadFactory(reopened));

        EpisodeSnapshot snapshot = restarted.LatestSnapshot(run.Id) ?? throw new Xunit.Sdk.XunitException("no snapshot after the restart");
        Assert.Equal(2, snapshot.Iteration);
        Assert.Equal(3, snapshot.Destinations.Length);
        Assert.Contains(snapshot.Statuses.SelectMany(step => step), status => status == 1); // agents drove
    }

    [Fact]
    public void Prepare_AStoredSetWithNoValidAgent_SaysSoNamingTheSet()
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 2, seed: 9);
        // Stored before the episode bound existed: flagged valid, but every list waits far past the episode.
        DemonstrationSet planned = new PlannerDemonstrator().Generate(scenario);
        DemonstrationSet stale = planned with
        {
            Agents = [.. planned.Agents.Select(agent => agent with { Instructions = [.. agent.Instructions, new Wait(agent.Agent, 99_999)] })],
        };
        StoredDemonstrationSet set = new DemonstrationStore(_data.Store).SaveNew(scenario, 9, stale);
        RunSpec spec = Tiny("leed", iterations: 1);
        spec.Demonstrator = "set";
        spec.DemoSetId = set.Id;

        NoValidAgentException error = Assert.Throws<NoValidAgentException>(() => new TrainerWorkloadFactory(_data.Store).Prepare(spec));

        Assert.StartsWith($"set {set.Family} v1 has no valid agent", error.Message, StringComparison.Ordinal);
        Assert.Contains($"demos show {set.Id}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeedRun_FromAStoredSet_UsesTheSetsScenarioAndMarksTheSetUsed()
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 2, seed: 9);
        var demos = new DemonstrationStore(_data.Store);
        StoredDemonstrationSet set = demos.SaveNew(scenario, 9, new PlannerDemonstrator().Generate(scenario));
        RunSpec spec = Tiny("leed", iterations: 1);
        spec.Demonstrator = "set";
        spec.DemoSetId = set.Id;

        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));
        RunRecord run = registry.Submit(spec);
        WaitFor(() => registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed);

        RunRecord done = registry.Get(run.Id)!;
        Assert.True(done.Status == RunStatus.Completed, done.Error);
        Assert.Contains($"set {set.Family} v1", done.DemonstrationLabel);
        Assert.Equal([run.Id], demos.Find(set.Id)!.UsedByRuns);
        Assert.Contains("agents/weight/Agent_1", new RunStore(_data.Store).MetricsOf(run.Id)[0].Values.Keys);
        Assert.DoesNotContain("agents/weight/Agent_2", new RunStore(_data.Store).MetricsOf(run.Id)[0].Values.Keys); // the set's 2 agents, not the spec's 3
    }

    [Fact]
    public void RunOnAMapsOwnAgents_RecordsTheRealAgentCount_AndNamesItsRunAndGroupByIt()
    {
        MapImportResult imported = MapImporter.Import(new MapImportRequest(Fixtures.Sample("sample-town.map")) { ScenarioPath = Fixtures.Sample("sample-town.scen") });
        new MapRepository(_data.Store).Save(imported.Map, imported.Scenario);
        int agents = imported.Scenario!.AgentCount;
        RunSpec spec = Tiny("leed", iterations: 1);
        spec.Map = imported.Map.Name;
        spec.Agents = 0; // the map's own agents

        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));
        IReadOnlyList<RunRecord> runs = registry.SubmitGroup(spec, [1, 2]);

        Assert.All(runs, run => Assert.Equal(agents, run.Agents));
        Assert.All(runs, run => Assert.Contains($"-n{agents}-", run.Spec.Group));
        Assert.Equal(0, runs[0].Spec.Agents); // the spec still says "the map's own", so a restart resolves it again
        RunRecord single = registry.Submit(spec.With(copy => copy.Name = ""));
        Assert.Equal($"leed sample-town n{agents} s5", single.Spec.Name);
        foreach (RunRecord run in runs.Append(single))
            WaitFor(() => registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed);
        RunRecord done = new RunStore(_data.Store).Find(single.Id)!;
        Assert.True(done.Status == RunStatus.Completed, done.Error);
        Assert.Equal(agents, done.ResolvedAgents);
        Assert.Contains(MetricNames.AgentWeight(agents - 1), new RunStore(_data.Store).MetricsOf(single.Id)[0].Values.Keys);
    }

    [Fact]
    public void FinishedRun_WallSeconds_CoverItsLastSnapshotAndCheckpoint_NotJustItsLastRow()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));
        // One iteration: its row's clock is read first, then its episode is recorded and stored, then the checkpoint.
        RunRecord run = registry.Submit(Tiny("ippo", iterations: 1));
        WaitFor(() => registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed);

        RunRecord done = registry.Get(run.Id)!;
        Assert.True(done.Status == RunStatus.Completed, done.Error);
        MetricRecord last = Assert.Single(new RunStore(_data.Store).MetricsOf(run.Id));
        Assert.True(done.SnapshotSeconds > 0, "the last iteration's episode is recorded");
        Assert.True(done.WallSeconds >= last.WallSeconds + done.SnapshotSeconds,
            $"wall {done.WallSeconds:0.000} s, last row at {last.WallSeconds:0.000} s, then {done.SnapshotSeconds:0.000} s of snapshot");
        // So the share of training time spent on snapshots is a share, at most all of it.
        Assert.True(done.SnapshotSeconds <= done.WallSeconds);
        Assert.Equal(done.WallSeconds, new RunStore(_data.Store).Find(run.Id)!.WallSeconds);
    }

    [Fact]
    public void PausedRun_ReportsWallSecondsWithoutTheTimeItWasPaused()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));
        var total = System.Diagnostics.Stopwatch.StartNew();
        RunRecord run = registry.Submit(Tiny("ippo", iterations: 8));
        WaitFor(() => registry.Get(run.Id)!.Iteration >= 2 || !registry.Get(run.Id)!.IsActive);
        registry.Pause(run.Id);
        WaitFor(() => registry.Get(run.Id)!.Status != RunStatus.Running);
        Assert.Equal(RunStatus.Paused, registry.Get(run.Id)!.Status);
        var paused = System.Diagnostics.Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(3));
        registry.Resume(run.Id);
        paused.Stop();
        WaitFor(() => registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed);
        total.Stop();

        RunRecord done = registry.Get(run.Id)!;
        Assert.True(done.Status == RunStatus.Completed, done.Error);
        IReadOnlyList<MetricRecord> metrics = new RunStore(_data.Store).MetricsOf(run.Id);
        double longestStep = metrics.Zip(metrics.Skip(1), (a, b) => b.WallSeconds - a.WallSeconds).Max();
        Assert.True(longestStep < paused.Elapsed.TotalSeconds,
            $"an iteration's wall time ({longestStep:0.00} s) includes the {paused.Elapsed.TotalSeconds:0.00} s pause");
        Assert.True(done.WallSeconds <= total.Elapsed.TotalSeconds - paused.Elapsed.TotalSeconds + 0.2,
            $"wall {done.WallSeconds:0.00} s of {total.Elapsed.TotalSeconds:0.00} s, paused {paused.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public void Run_WithAnUnknownHyperparameter_FailsWithAMessageNamingIt()
    {
        RunSpec spec = Tiny("ippo");
        spec.Hyperparameters["Learningrate"] = 0.1;
        RunRecord done = RunToTheEnd(spec);
        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains("Unknown hyperparameter 'Learningrate'", done.Error);
    }

    [Theory]
    [InlineData("nowhere", null, "No map named 'nowhere'. `maps list` or the Maps page shows the map names")]
    [InlineData(PresetMaps.Small, 3, "Envs x Steps (2 x 3 = 6) must be divisible by the 4 minibatches")]
    public void Run_WithAnUnknownMapOrAnUnevenBatch_FailsWithTheRulesOneMessage(string map, int? steps, string message)
    {
        RunSpec spec = Tiny("ippo");
        spec.Map = map;
        if (steps is int value)
        {
            spec.Hyperparameters["Steps"] = value;
            spec.Hyperparameters["Minibatches"] = 4;
        }
        RunRecord done = RunToTheEnd(spec);
        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains(message, done.Error);
    }

    private RunRecord RunToTheEnd(RunSpec spec)
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));
        RunRecord run = registry.Submit(spec);
        WaitFor(() => registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed);
        return registry.Get(run.Id)!;
    }
}
