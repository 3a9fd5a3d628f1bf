// The throttle between a trainer's metrics and a chart: batches, spacing, coalescing, threads and disposal.
using System.Collections.Concurrent;
using Leed.Components.Charts;
using Leed.Components.Views;
using Microsoft.Extensions.Time.Testing;

namespace Leed.Components.Tests.Charts;

public sealed class ThrottledPushTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly ConcurrentQueue<IReadOnlyList<SeriesDelta>> _batches = new();

    private ThrottledPush Create(Func<IReadOnlyList<SeriesDelta>, Task>? flush = null, Action<Exception>? onError = null) =>
        new(flush ?? (batch => { _batches.Enqueue(batch); return Task.CompletedTask; }),
            interval: Interval, onError: onError, time: _time);

    private static SeriesDelta Delta(string key, params double[] ys) =>
        new(key, ys.Select((y, i) => new SeriesPoint(i, y)).ToArray());

    private async Task WaitForBatches(int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (_batches.Count < count && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        Assert.Equal(count, _batches.Count);
    }

    [Fact]
    public async Task APostAfterAQuietSpell_IsFlushedAtOnce()
    {
        await using var push = Create();

        push.Post(Delta("return", 1));
        _time.Advance(TimeSpan.Zero);

        await WaitForBatches(1);
        Assert.Equal("return", _batches.Single().Single().Key);
    }

    [Fact]
    public async Task PostsWithinTheInterval_WaitAndArriveAsOneDeltaPerSeries_InOrder()
    {
        await using var push = Create();
        push.Post(Delta("a", 0));
        _time.Advance(TimeSpan.Zero);
        await WaitForBatches(1);

        for (var i = 1; i <= 100; i++)
        {
            push.Post(new SeriesDelta(i % 2 == 0 ? "a" : "b", [new SeriesPoint(i, i)]));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }
        await Task.Delay(50);
        Assert.Single(_batches);    // 100 ms in: still waiting

        _time.Advance(Interval);
        await WaitForBatches(2);
        var second = _batches.Last();
        Assert.Equal(["b", "a"], second.Select(d => d.Key));
        Assert.Equal(Enumerable.Range(1, 100).Where(i => i % 2 == 1).Select(i => (double)i), second[0].NewPoints.Select(p => p.Y));
        Assert.Equal(Enumerable.Range(1, 100).Where(i => i % 2 == 0).Select(i => (double)i), second[1].NewPoints.Select(p => p.Y));
        Assert.Equal(2, push.FlushCount);
    }

    [Fact]
    public async Task TwoFlushes_AreAtLeastOneIntervalApart()
    {
        await using var push = Create();
        push.Post(Delta("a", 1));
        _time.Advance(TimeSpan.Zero);
        await WaitForBatches(1);

        push.Post(Delta("a", 2));
        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        Assert.Single(_batches);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await WaitForBatches(2);
    }

    [Fact]
    public async Task AfterDisposal_NothingIsFlushed()
    {
        var push = Create();
        push.Post(Delta("a", 1));
        _time.Advance(TimeSpan.Zero);
        await WaitForBatches(1);
        push.Post(Delta("a", 2));

        await push.DisposeAsync();
        push.Post(Delta("a", 3));
        _time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(50);

        Assert.Single(_batches);
        Assert.Equal(1, push.FlushCount);
    }

    [Fact]
    public async Task AFlushThatThrows_IsReported_AndTheNextBatchStillArrives()
    {
        var errors = new ConcurrentQueue<Exception>();
        var calls = 0;
        await using var push = Create(
            batch =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                    throw new InvalidOperationException("chart gone");
                _batches.Enqueue(batch);
                return Task.CompletedTask;
            },
            errors.Enqueue);

        push.Post(Delta("a", 1));
        _time.Advance(TimeSpan.Zero);
        var deadline = DateTime.UtcNow + Patience;
        while (errors.IsEmpty && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        push.Post(Delta("a", 2));
        _time.Advance(Interval);

        await WaitForBatches(1);
        Assert.Equal("chart gone", Assert.Single(errors).Message);
        Assert.Equal(2.0, _batches.Single().Single().NewPoints.Single().Y);
    }

    [Fact]
    public async Task PostsFromManyThreads_LoseNoPoint_AndKeepEachThreadsOrder()
    {
        const int threads = 4, perThread = 2_000;
        var received = new ConcurrentQueue<SeriesDelta>();
        await using var push = new ThrottledPush(batch =>
        {
            foreach (var delta in batch)
                received.Enqueue(delta);
            return Task.CompletedTask;
        }, interval: TimeSpan.FromMilliseconds(5));

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < perThread; i++)
                push.Post(new SeriesDelta($"thread{t}", [new SeriesPoint(i, i)]));
        })));
        var deadline = DateTime.UtcNow + Patience;
        while (received.Sum(d => d.NewPoints.Count) < threads * perThread && DateTime.UtcNow < deadline)
            await Task.Delay(5);

        for (var t = 0; t < threads; t++)
        {
            var xs = received.Where(d => d.Key == $"thread{t}").SelectMany(d => d.NewPoints).Select(p => p.X);
            Assert.Equal(Enumerable.Range(0, perThread).Select(i => (double)i), xs);
        }
        Assert.True(push.FlushCount < threads * perThread / 10, $"{push.FlushCount} flushes for {threads * perThread} posts");
    }
}
