// The executor seam: the registry queues by the executor's capacity and stores what any executor reports.
using Leed.Engine.Runs;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Runs;

public sealed class RunExecutorTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-executor-");

    public void Dispose() => _data.Dispose();

    /// <summary>An executor elsewhere: its capacity comes and goes, and it reports iterations it did not train here.</summary>
    private sealed class ElsewhereExecutor : IRunExecutor
    {
        private int _capacity;
        public int Executed;

        public int Capacity => Volatile.Read(ref _capacity);
        public bool TrainsInThisProcess => false;
        public event Action? CapacityChanged;

        public void SetCapacity(int capacity)
        {
            Volatile.Write(ref _capacity, capacity);
            CapacityChanged?.Invoke();
        }

        public void Execute(RunContext context)
        {
            Interlocked.Increment(ref Executed);
            for (int iteration = 1; iteration <= context.Spec.Iterations; iteration++)
                context.ReportIteration(new MetricRecord(iteration, iteration * 10L, iteration, new Dictionary<string, double> { ["charts/episodic_return"] = -iteration }));
        }
    }

    private sealed class NoWorkloads : IRunWorkloadFactory
    {
        public IRunWorkload Create(RunRecord run) => throw new InvalidOperationException("The executor, not the factory, runs these runs.");
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

    [Fact]
    public void Submit_WhileTheExecutorHasNoCapacity_StaysQueuedAndStartsWhenCapacityAppears()
    {
        var executor = new ElsewhereExecutor();
        using var registry = new RunRegistry(new RunStore(_data.Store), new NoWorkloads(), executor);
        RunRecord run = registry.Submit(new RunSpec { Map = "synthetic-small", Agents = 4, Iterations = 4 });

        Thread.Sleep(100);
        Assert.Equal((RunStatus.Queued, 0), (registry.Get(run.Id)!.Status, executor.Executed));

        executor.SetCapacity(1);
        WaitUntil(() => registry.Get(run.Id)!.Status == RunStatus.Completed, "the run completes once a slot appears");
        Assert.Equal([1, 2, 3, 4], new RunStore(_data.Store).MetricsOf(run.Id).Select(metric => metric.Iteration));
        Assert.Equal(1, executor.Executed);
    }

    [Fact]
    public void SwitchingDemonstrations_OfARunAnExecutorElsewhereTrains_IsRefusedSayingWhatToDoInstead()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new NoWorkloads(), new ElsewhereExecutor());
        RunRecord run = registry.Submit(new RunSpec { Map = "synthetic-small", Agents = 4, Iterations = 4, Demonstrator = "set", DemoSetId = 1 });

        var refused = Assert.Throws<InvalidOperationException>(() => registry.SwitchDemonstrations(run.Id, 2, "tester"));

        Assert.Contains("cluster worker", refused.Message);
        Assert.Contains("new run from this one", refused.Message);
    }

    [Fact]
    public void MaxConcurrent_OfTheInProcessRegistry_IsItsExecutorsFixedCapacity()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new NoWorkloads(), maxConcurrent: 3);
        Assert.Equal(3, registry.MaxConcurrent);
        Assert.Throws<ArgumentException>(() => new InProcessRunExecutor(new NoWorkloads(), 0));
    }
}
