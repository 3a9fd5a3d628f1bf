// The run loop: pause holds it between iterations, resume continues, cancel stops it, traces come on request.
using Leed.Engine.Learning;

namespace Leed.Engine.Tests.Learning;

[Collection(TorchCollection.Name)]
public sealed class TrainingRunTests
{
    [Fact]
    public async Task Pause_HoldsTheRunBetweenIterations_ResumeContinues_CancelStops()
    {
        using var trainer = new Trainer(LearningFixtures.Small, null, Algorithm.Ippo, null, LearningFixtures.Tiny with { Iterations = 1000 }, 1);
        using var run = new TrainingRun(trainer, iterations: 1000);
        var firstTwo = new TaskCompletionSource();
        int completed = 0;
        run.IterationCompleted += metrics =>
        {
            if (Interlocked.Increment(ref completed) == 2)
            {
                run.Pause();
                firstTwo.SetResult();
            }
        };
        using var cancel = new CancellationTokenSource();
        Task task = run.RunAsync(cancel.Token);

        await firstTwo.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(500);
        Assert.True(run.IsPaused);
        Assert.Equal(2, trainer.Iteration);

        run.Resume();
        SpinWait.SpinUntil(() => Volatile.Read(ref completed) >= 3, TimeSpan.FromSeconds(60));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.InRange(trainer.Iteration, 3, 1000);
        Assert.True(trainer.Iteration < 1000);
    }

    [Fact]
    public async Task RequestTrace_DeliversOneEpisodeAfterTheCurrentIteration()
    {
        using var trainer = new Trainer(LearningFixtures.Small, LearningFixtures.SmallDemos, Algorithm.Demo, null, LearningFixtures.Tiny, 1);
        using var run = new TrainingRun(trainer, iterations: 2);
        var traces = new List<EpisodeTrace>();
        run.TraceRecorded += traces.Add;
        run.IterationCompleted += metrics => { if (metrics.Iteration == 1) run.RequestTrace(greedy: true); };

        await run.RunAsync();

        EpisodeTrace trace = Assert.Single(traces);
        Assert.Equal(1, trace.Iteration);
        Assert.Equal(2, trainer.Iteration);
    }
}
