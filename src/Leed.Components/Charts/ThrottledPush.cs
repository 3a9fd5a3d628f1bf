// Collects chart deltas from any thread and hands them on in batches, at most once per interval.
using Leed.Components.Views;

namespace Leed.Components.Charts;

/// <summary>
/// A rate limiter between a producer (a trainer's metrics, on any thread) and a chart (on the
/// renderer's synchronisation context). <see cref="Post(SeriesDelta)"/> only queues; a timer
/// flushes the queue at most once per interval, with the points of each series joined in order
/// into one delta. A post after a quiet spell is flushed at once; posts that follow within the
/// interval wait for the next flush. After disposal nothing more is flushed.
/// </summary>
public sealed class ThrottledPush : IAsyncDisposable
{
    /// <summary>The interval the dashboard uses unless told otherwise.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);

    private readonly Func<IReadOnlyList<SeriesDelta>, Task> _flush;
    private readonly Func<Func<Task>, Task> _dispatch;
    private readonly Action<Exception>? _onError;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    private readonly Lock _gate = new();
    private readonly List<string> _order = [];
    private readonly Dictionary<string, List<SeriesPoint>> _pending = [];
    private long? _lastFlushStarted;
    private bool _armed;
    private bool _flushing;
    private bool _disposed;
    private int _flushCount;
    private Task _inFlight = Task.CompletedTask;

    /// <param name="flush">Receives each batch; called through <paramref name="dispatch"/>.</param>
    /// <param name="dispatch">
    /// Runs the flush where it must run, for a component <c>InvokeAsync</c>; when null the flush
    /// runs on the timer's thread.
    /// </param>
    /// <param name="interval">The least time between two flushes; <see cref="DefaultInterval"/> when null.</param>
    /// <param name="onError">Told about a flush that threw; the next batch is still delivered.</param>
    /// <param name="time">The clock and timers; the system's when null.</param>
    public ThrottledPush(
        Func<IReadOnlyList<SeriesDelta>, Task> flush,
        Func<Func<Task>, Task>? dispatch = null,
        TimeSpan? interval = null,
        Action<Exception>? onError = null,
        TimeProvider? time = null)
    {
        _flush = flush;
        _dispatch = dispatch ?? (work => work());
        _interval = interval ?? DefaultInterval;
        if (_interval < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(interval), _interval, "The interval cannot be negative.");
        _onError = onError;
        _time = time ?? TimeProvider.System;
        _timer = _time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many batches have been handed to the flush so far.</summary>
    public int FlushCount => Volatile.Read(ref _flushCount);

    /// <summary>Queues points for one series; safe from any thread.</summary>
    public void Post(SeriesDelta delta) => Post([delta]);

    /// <summary>Queues points for several series; safe from any thread.</summary>
    public void Post(IEnumerable<SeriesDelta> deltas)
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            foreach (var delta in deltas)
            {
                if (!_pending.TryGetValue(delta.Key, out var points))
                {
                    _pending[delta.Key] = points = [];
                    _order.Add(delta.Key);
                }
                points.AddRange(delta.NewPoints);
            }
            ArmLocked();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task inFlight;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _pending.Clear();
            _order.Clear();
            inFlight = _inFlight;
        }
        await _timer.DisposeAsync();
        // A batch already on its way sees the flag and is dropped; wait so none lands after this returns.
        try
        {
            await inFlight;
        }
        catch (Exception)
        {
            // Reported through onError already.
        }
    }

    private void ArmLocked()
    {
        if (_armed || _flushing || _order.Count == 0)
            return;
        var sinceLast = _lastFlushStarted is { } started ? _time.GetElapsedTime(started) : TimeSpan.MaxValue;
        var due = sinceLast >= _interval ? TimeSpan.Zero : _interval - sinceLast;
        _armed = true;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        List<SeriesDelta> batch;
        lock (_gate)
        {
            _armed = false;
            if (_disposed || _flushing || _order.Count == 0)
                return;
            batch = new List<SeriesDelta>(_order.Count);
            foreach (var key in _order)
                batch.Add(new SeriesDelta(key, _pending[key]));
            _order.Clear();
            _pending.Clear();
            _flushing = true;
            _lastFlushStarted = _time.GetTimestamp();
            _flushCount++;
            _inFlight = FlushAsync(batch);
        }
    }

    private async Task FlushAsync(IReadOnlyList<SeriesDelta> batch)
    {
        // Leave the lock and the timer's thread before doing any work.
        await Task.Yield();
        try
        {
            await _dispatch(() => Volatile.Read(ref _disposed) ? Task.CompletedTask : _flush(batch));
        }
        catch (Exception ex)
        {
            _onError?.Invoke(ex);
        }
        finally
        {
            lock (_gate)
            {
                _flushing = false;
                if (!_disposed)
                    ArmLocked();
            }
        }
    }
}
