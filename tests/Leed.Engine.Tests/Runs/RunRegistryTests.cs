// The run registry: queueing under a concurrency limit, persistence while running, pause/resume/stop, pushes.
using Leed.Engine.Runs;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Runs;

public sealed class RunRegistryTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-runs-");
    private readonly GatedWorkloads _workloads = new();

    public void Dispose()
    {
        _workloads.ReleaseAll();
        _data.Dispose();
    }

    /// <summary>A workload whose iterations advance only when the test releases them.</summary>
    private sealed class GatedWorkloads : IRunWorkloadFactory
    {
        public readonly Dictionary<string, SemaphoreSlim> Gates = [];
        public int Started;

        public IRunWorkload Create(RunRecord run)
        {
            Interlocked.Increment(ref Started);
            lock (Gates) Gates.TryAdd(run.Id, new SemaphoreSlim(0));
            return new Workload(this, run.Id);
        }

        public void Release(string id, int iterations)
        {
            lock (Gates) Gates.TryAdd(id, new SemaphoreSlim(0));
            Gates[id].Release(iterations);
        }

        public void ReleaseAll()
        {
            lock (Gates) foreach (SemaphoreSlim gate in Gates.Values) gate.Release(10_000);
        }

        private sealed class Workload(GatedWorkloads owner, string id) : IRunWorkload
        {
            public void Execute(RunContext context)
            {
                for (int iteration = 1; iteration <= context.Spec.Iterations; iteration++)
                {
                    owner.Gates[id].Wait(context.Cancellation);
                    context.WaitWhilePaused();
                    context.ReportIteration(new MetricRecord(iteration, iteration * 100L, iteration * 0.01,
                        new Dictionary<string, double> { ["charts/episodic_return"] = iteration * 10 }));
                }
            }
        }
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting until {what}.");
            Thread.Sleep(10);
        }
    }

    private static RunSpec Spec(int iterations = 3) => new() { Algorithm = "leed", Map = "synthetic-small", Agents = 4, Iterations = iterations };

    [Fact]
    public void Submit_TwoRunsWithOneSlot_SecondWaitsQueuedUntilTheFirstEnds()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), _workloads, maxConcurrent: 1);
        RunRecord first = registry.Submit(Spec());
        RunRecord second = registry.Submit(Spec());

        WaitUntil(() => registry.Get(first.Id)!.Status == RunStatus.Running, "the first run starts");
        Assert.Equal(RunStatus.Queued, registry.Get(second.Id)!.Status);
        Assert.Equal(1, _workloads.Started);

        _workloads.Release(first.Id, 3);
        WaitUntil(() => registry.Get(first.Id)!.Status == RunStatus.Completed, "the first run completes");
        WaitUntil(() => registry.Get(second.Id)!.Status == RunStatus.Running, "the second run starts");
        _workloads.Release(second.Id, 3);
        WaitUntil(() => registry.Get(second.Id)!.Status == RunStatus.Completed, "the second run completes");
    }

    [Fact]
    public void ReportIteration_WhileRunning_MetricsAreAlreadyInTheDatabase()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), _workloads);
        RunRecord run = registry.Submit(Spec(iterations: 5));
        _workloads.Release(run.Id, 2);
        WaitUntil(() => registry.Get(run.Id)!.Iteration == 2, "two iterations are reported");

        // A second reader on the same store sees the rows before the run ends.
        IReadOnlyList<MetricRecord> stored = new RunStore(_data.Store).MetricsOf(run.Id);
        Assert.Equal([1, 2], stored.Select(metric => metric.Iteration));
        Assert.Equal(20, stored[1].Values["charts/episodic_return"]);
        RunRecord record = new RunStore(_data.Store).Find(run.Id)!;
        Assert.Equal((RunStatus.Running, 20.0, 200L), (record.Status, record.BestReturn!.Value, record.GlobalStep));
        registry.Stop(run.Id);
    }

    [Fact]
    public void PauseResumeStop_StatusFollows_AndStoppedRunKeepsItsMetrics()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), _workloads);
        RunRecord run = registry.Submit(Spec(iterations: 100));
        _workloads.Release(run.Id, 1);
        WaitUntil(() => registry.Get(run.Id)!.Iteration == 1, "the first iteration");

        registry.Pause(run.Id);
        _workloads.Release(run.Id, 1);
        WaitUntil(() => registry.Get(run.Id)!.Status == RunStatus.Paused, "the run pauses");
        Thread.Sleep(100);
        Assert.Equal(1, registry.Get(run.Id)!.Iteration); // no progress while paused

        registry.Resume(run.Id);
        WaitUntil(() => registry.Get(run.Id)!.Iteration == 2, "the run resumes");
        Assert.Equal(RunStatus.Running, registry.Get(run.Id)!.Status);

        registry.Stop(run.Id);
        WaitUntil(() => registry.Get(run.Id)!.Status == RunStatus.Stopped, "the run stops");
        Assert.Equal(2, new RunStore(_data.Store).MetricsOf(run.Id).Count);
        Assert.NotNull(registry.Get(run.Id)!.EndedAt);
    }

    [Fact]
    public void NewRegistry_RunsLeftActiveByACrash_AreShownInterruptedWithTheirMetrics()
    {
        var store = new RunStore(_data.Store);
        var crashed = new RunRecord { Id = "crashed", Spec = Spec(), Status = RunStatus.Running, CreatedAt = DateTime.UtcNow, Iteration = 1 };
        store.Save(crashed);
        store.AppendMetric("crashed", new MetricRecord(1, 10, 0.1, new Dictionary<string, double> { ["charts/episodic_return"] = 5 }));

        using var registry = new RunRegistry(store, _workloads);
        RunRecord record = registry.Get("crashed")!;
        Assert.Equal(RunStatus.Interrupted, record.Status);
        Assert.Contains("restart", record.Error);
        Assert.Single(registry.Metrics("crashed"));
    }

    [Fact]
    public void Subscribe_ManyFastIterations_ArriveCoalescedInFewPushes_AndStopAfterDispose()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), _workloads) { PushInterval = TimeSpan.FromMilliseconds(200) };
        RunRecord run = registry.Submit(Spec(iterations: 1000));
        var pushes = new List<RunUpdate>();
        IDisposable subscription = registry.Subscribe(run.Id, update => { lock (pushes) pushes.Add(update); });

        WaitUntil(() => registry.Get(run.Id)!.Status == RunStatus.Running, "the run starts");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _workloads.Release(run.Id, 100);
        WaitUntil(() => { lock (pushes) return pushes.Sum(push => push.NewMetrics.Count) == 100; }, "all 100 iterations are pushed"); // nothing lost
        lock (pushes)
        {
            // Coalesced: at most one push per interval (plus the first), not one per iteration.
            int allowed = (int)(clock.Elapsed.TotalMilliseconds / 200) + 2;
            Assert.InRange(pushes.Count, 1, Math.Min(allowed, 50));
        }

        subscription.Dispose();
        int before;
        lock (pushes) before = pushes.Count;
        _workloads.Release(run.Id, 50);
        WaitUntil(() => registry.Get(run.Id)!.Iteration == 150, "150 iterations");
        Thread.Sleep(450);
        lock (pushes) Assert.Equal(before, pushes.Count);
        registry.Stop(run.Id);
    }

    [Fact]
    public void Delete_FinishedRun_RemovesItsMetricsToo()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), _workloads);
        RunRecord run = registry.Submit(Spec(iterations: 2));
        _workloads.Release(run.Id, 2);
        WaitUntil(() => registry.Get(run.Id)!.Status == RunStatus.Completed, "the run completes");

        Assert.True(registry.Delete(run.Id));
        Assert.Null(registry.Get(run.Id));
        Assert.Empty(new RunStore(_data.Store).MetricsOf(run.Id));
    }
}
