// Runs on an in-process Orleans cluster of two workers: placement by free slots, and a run whose worker stops mid-run.
using Leed.Cluster;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Leed.Dashboard.Tests.Cluster;

// Cluster tests start silos and worker processes (a coordinator, two workers and Redis train at
// once): they run one class at a time and after every other collection, alone, so that on a 2-core
// machine neither they nor the browser tests wait out their timeouts behind each other.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}

[Collection(ClusterCollection.Name)]
public sealed class ClusterExecutorTests : IAsyncLifetime
{
    private static readonly ClusterSettings Settings = new() { Provider = ClusterProvider.Localhost, Slots = 1, Threads = 1, CheckpointEvery = 2 };

    private readonly string _folder = Directory.CreateTempSubdirectory("leed-cluster-").FullName;
    private LiteDbStore _store = null!;
    private InProcessTestCluster _cluster = null!;
    private WorkerDirectory _directory = null!;
    private RunRegistry _registry = null!;
    private double _snapshotBudget = 0.05;

    // Few snapshots kept per run, so that an 8-iteration run thins them (the stride doubles) and the worker must follow the stride.
    private const int SnapshotsKept = 4;

    public async Task InitializeAsync()
    {
        _store = LiteDbStore.Open(_folder);
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) => silo.AddLeedCluster(Settings, isCoordinator: false));
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = Settings.ResponseTimeout));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        // The test process is the coordinator: it owns the store and the registry, the silos only train.
        _directory = new WorkerDirectory(_cluster.Client, Settings, heartbeat: TimeSpan.FromMilliseconds(200));
        var executor = new ClusterRunExecutor(_cluster.Client, _directory, Settings,
            (run, cancellation) => PortableRun.Pack(new RunPreparation(_store), _store, run, Settings.CheckpointEvery, _snapshotBudget, cancellation)) { PollInterval = TimeSpan.FromMilliseconds(50) };
        _registry = new RunRegistry(new RunStore(_store) { SnapshotsKeptAtMost = SnapshotsKept }, new TrainerWorkloadFactory(_store), executor);
        await _directory.RefreshAsync();
    }

    public async Task DisposeAsync()
    {
        _registry.Dispose();
        _directory.Dispose();
        await _cluster.DisposeAsync();
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static RunSpec Tiny(int seed, int iterations) => new()
    {
        Algorithm = "leed", Map = PresetMaps.Small, Agents = 3, ScenarioSeed = 2, Seed = seed, Iterations = iterations,
        Hyperparameters = new() { ["Envs"] = 2, ["Steps"] = 32, ["Minibatches"] = 2, ["UpdateEpochs"] = 1 },
    };

    private IEnumerable<LocalWorker> Workers => _cluster.Silos.Where(silo => silo.IsActive).Select(silo => silo.ServiceProvider.GetRequiredService<LocalWorker>());

    private static void WaitFor(Func<bool> condition, string what, Action? meanwhile = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting until {what}.");
            meanwhile?.Invoke();
            Thread.Sleep(20);
        }
    }

    [Fact]
    public void ThreeRuns_OnTwoWorkersOfOneSlot_NeverShareAWorkerAndUseBoth()
    {
        Assert.Equal(2, _registry.MaxConcurrent);
        RunRecord[] runs = [.. Enumerable.Range(1, 3).Select(seed => _registry.Submit(Tiny(seed, iterations: 4)))];

        int most = 0;
        WaitFor(() => runs.All(run => _registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed), "every run ends",
            meanwhile: () => most = Math.Max(most, Workers.Max(worker => worker.Runs.Count)));

        Assert.All(runs, run => Assert.True(_registry.Get(run.Id)!.Status == RunStatus.Completed, _registry.Get(run.Id)!.Error));
        Assert.Equal(1, most);
        string[] usedWorkers = [.. runs.SelectMany(run => _registry.Get(run.Id)!.Workers.Select(span => span.Worker)).Distinct()];
        Assert.Equal(2, usedWorkers.Length);
        Assert.All(runs, run => Assert.Equal([1, 2, 3, 4], _registry.Store.MetricsOf(run.Id).Select(metric => metric.Iteration)));
    }

    [Fact]
    public async Task Run_WhoseWorkerStopsMidRun_FinishesOnTheOtherWithOneRowPerIteration()
    {
        const int Iterations = 12;
        RunRecord run = _registry.Submit(Tiny(7, Iterations));
        WaitFor(() => _registry.Get(run.Id)!.Iteration >= 5, "the run passes iteration 5");
        string first = _registry.Get(run.Id)!.Workers[^1].Worker;
        InProcessSiloHandle doomed = _cluster.Silos.Single(silo => silo.ServiceProvider.GetRequiredService<LocalWorker>().Name == first);
        await _cluster.StopSiloAsync(doomed);

        WaitFor(() => _registry.Get(run.Id)!.Status is RunStatus.Completed or RunStatus.Failed, "the run ends on the other worker");
        RunRecord done = _registry.Get(run.Id)!;
        Assert.True(done.Status == RunStatus.Completed, done.Error);
        IReadOnlyList<MetricRecord> rows = _registry.Store.MetricsOf(run.Id);
        Assert.Equal(Enumerable.Range(1, Iterations), rows.Select(row => row.Iteration));
        // A continuous curve: steps advance by the same amount every iteration, time never goes back.
        long step = rows[0].GlobalStep;
        Assert.All(rows.Zip(rows.Skip(1)), pair => Assert.Equal(step, pair.Second.GlobalStep - pair.First.GlobalStep));
        Assert.All(rows.Zip(rows.Skip(1)), pair => Assert.True(pair.Second.WallSeconds >= pair.First.WallSeconds));
        // The run's page can say who trained what: the first worker up to a checkpoint, the other to the end.
        Assert.Equal(2, done.Workers.Count);
        Assert.Equal(first, done.Workers[0].Worker);
        Assert.NotEqual(first, done.Workers[1].Worker);
        Assert.Equal((1, done.Workers[0].To + 1, Iterations), (done.Workers[0].From, done.Workers[1].From, done.Workers[1].To));
        Assert.Equal(0, done.Workers[0].To % Settings.CheckpointEvery);
    }

    [Fact]
    public void RemoteRun_StoresTheSameMetricsSnapshotsAndTags_AsTheSameRunTrainedLocally()
    {
        const int Iterations = 8;
        // No time budget for snapshots (every iteration on the stride gets one), so which are kept does not depend on the machine's speed.
        _snapshotBudget = 1000;
        RunSpec Spec() => Tiny(3, Iterations).With(spec =>
        {
            spec.Weight = "decay:1:0.1";
            spec.StudyId = "st-1";
            spec.Cell = "decay";
            spec.Hyperparameters["Threads"] = Settings.Threads;
        });
        string[] tags = ["study:st-1", "cell:decay"];

        string localFolder = Directory.CreateTempSubdirectory("leed-local-").FullName;
        try
        {
            using LiteDbStore localStore = LiteDbStore.Open(localFolder);
            RunRecord local;
            IReadOnlyList<MetricRecord> localRows;
            IReadOnlyList<SnapshotEntry> localSnapshots;
            Dictionary<int, EpisodeSnapshot> localEpisodes;
            using (var localRegistry = new RunRegistry(new RunStore(localStore) { SnapshotsKeptAtMost = SnapshotsKept },
                new TrainerWorkloadFactory(localStore) { SnapshotBudget = _snapshotBudget }))
            {
                string id = localRegistry.Submit(Spec(), tags).Id;
                WaitFor(() => localRegistry.Get(id)!.IsActive is false, "the local run ends");
                local = localRegistry.Get(id)!;
                localRows = localRegistry.Store.MetricsOf(id);
                localSnapshots = localRegistry.Snapshots(id);
                localEpisodes = localSnapshots.ToDictionary(entry => entry.Iteration, entry => localRegistry.Snapshot(id, entry.Iteration)!);
            }
            Assert.True(local.Status == RunStatus.Completed, local.Error);

            string remoteId = _registry.Submit(Spec(), tags).Id;
            WaitFor(() => _registry.Get(remoteId)!.IsActive is false, "the remote run ends");
            RunRecord remote = _registry.Get(remoteId)!;
            Assert.True(remote.Status == RunStatus.Completed, remote.Error);
            Assert.NotEmpty(remote.Workers); // it trained on a worker, not here

            // What the run's record says: its study, cell, schedule and tags, what preparation resolved, and the snapshots' cost.
            Assert.Equal(tags, remote.Tags);
            Assert.Equal(("st-1", "decay", "decay:1:0.1"), (remote.Spec.StudyId, remote.Spec.Cell, remote.Spec.Weight));
            Assert.Equal((local.DemonstrationLabel, local.ResolvedAgents, local.ScenarioKey), (remote.DemonstrationLabel, remote.ResolvedAgents, remote.ScenarioKey));
            Assert.NotNull(remote.ScenarioKey);
            Assert.True(remote.SnapshotSeconds > 0, "the snapshots' recording and storing time is counted");

            // The same curve, row for row: the worker trained the same settings (the decay schedule included) from the same seed.
            IReadOnlyList<MetricRecord> remoteRows = _registry.Store.MetricsOf(remoteId);
            Assert.Equal(Enumerable.Range(1, Iterations), remoteRows.Select(row => row.Iteration));
            Assert.Equal(localRows.Select(row => row.GlobalStep), remoteRows.Select(row => row.GlobalStep));
            foreach ((MetricRecord mine, MetricRecord theirs) in localRows.Zip(remoteRows))
            {
                Assert.Equal(mine.Values.Keys.Order(), theirs.Values.Keys.Order());
                foreach ((string name, double value) in mine.Values.Where(pair => pair.Key != Leed.Engine.Learning.MetricNames.StepsPerSecond))
                    Assert.True(value.Equals(theirs.Values[name]), $"iteration {mine.Iteration}, {name}: {value} here, {theirs.Values[name]} on the worker");
            }
            string weight = Leed.Engine.Learning.MetricNames.AgentWeight(0);
            Assert.True(remoteRows[0].Values[weight] > remoteRows[^1].Values[weight], "the decay schedule lowered the weight");

            // The same replay timeline: thinned to the same iterations, each the same episode on the same scenario.
            IReadOnlyList<SnapshotEntry> remoteSnapshots = _registry.Snapshots(remoteId);
            Assert.True(localSnapshots.Count is > 2 and <= SnapshotsKept, $"{localSnapshots.Count} snapshots kept locally");
            Assert.Equal(localSnapshots.Select(entry => entry.Iteration), remoteSnapshots.Select(entry => entry.Iteration));
            Assert.Contains(Iterations, remoteSnapshots.Select(entry => entry.Iteration));
            foreach (SnapshotEntry entry in remoteSnapshots)
            {
                EpisodeSnapshot theirs = _registry.Snapshot(remoteId, entry.Iteration)!, mine = localEpisodes[entry.Iteration];
                Assert.Equal(mine.Positions, theirs.Positions);
                Assert.Equal(mine.Statuses, theirs.Statuses);
                Assert.Equal(mine.Blocked, theirs.Blocked);
                Assert.Equal(remote.ScenarioKey, theirs.ScenarioKey);
            }
        }
        finally
        {
            Directory.Delete(localFolder, recursive: true);
        }
    }
}
