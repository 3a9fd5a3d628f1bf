// Runs on an in-process Orleans cluster of two workers: placement by free slots, and a run whose worker stops mid-run.
using Leed.Cluster;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Leed.Dashboard.Tests.Cluster;

// Cluster tests start silos and worker processes: they run one class at a time, not beside each other.
[CollectionDefinition(Name)]
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
            (run, cancellation) => PortableRun.Pack(new RunPreparation(_store), _store, run, Settings.CheckpointEvery, 0.05, cancellation)) { PollInterval = TimeSpan.FromMilliseconds(50) };
        _registry = new RunRegistry(new RunStore(_store), new TrainerWorkloadFactory(_store), executor);
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
}
