// The coordinator's view of its workers: who is in the cluster, their slots and heartbeats, and which has a free slot.
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Leed.Cluster;

/// <summary>One worker as the coordinator sees it.</summary>
/// <param name="InUse">Slots the coordinator has given out on it (its own count, ahead of the worker's next heartbeat).</param>
/// <param name="Refused">Why it gets no runs (another version of LEED Studio), or null.</param>
public sealed record WorkerView(SiloAddress Silo, WorkerStatus Status, int InUse, DateTime LastHeartbeat, string? Refused)
{
    public int Free => Refused is null ? Math.Max(0, Status.Slots - InUse) : 0;
}

/// <summary>
/// Polls every active silo's <see cref="IWorkerGrain"/> about once a second (the heartbeat the
/// Workers page shows), drops silos that membership declared dead, refuses workers of another
/// version, and hands out slots: <see cref="TryTake"/> picks the worker with the most free slots.
/// </summary>
public sealed class WorkerDirectory : IDisposable
{
    private readonly IGrainFactory _grains;
    private readonly ClusterSettings _settings;
    private readonly ILogger? _log;
    private readonly object _gate = new();
    private readonly Dictionary<SiloAddress, WorkerView> _workers = [];
    private readonly Dictionary<SiloAddress, int> _inUse = [];
    private readonly HashSet<SiloAddress> _lost = [];
    private readonly Dictionary<SiloAddress, DateTime> _suspects = [];
    private readonly List<string> _refusals = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _capacity;

    public WorkerDirectory(IGrainFactory grains, ClusterSettings settings, ILogger<WorkerDirectory>? log = null, TimeSpan? heartbeat = null)
    {
        (_grains, _settings, _log) = (grains, settings, log);
        Heartbeat = heartbeat ?? TimeSpan.FromSeconds(1);
        _loop = Task.Run(LoopAsync);
    }

    public TimeSpan Heartbeat { get; }

    /// <summary>Slots of every worker that may get runs.</summary>
    public int Capacity => Volatile.Read(ref _capacity);

    public event Action? CapacityChanged;

    /// <summary>Raised after each heartbeat round (the Workers page refreshes on it).</summary>
    public event Action? Changed;

    public IReadOnlyList<WorkerView> Workers
    {
        get { lock (_gate) return [.. _workers.Values.OrderBy(worker => worker.Status.Name, StringComparer.Ordinal)]; }
    }

    /// <summary>Messages of peers that were refused (another version, another cluster id), newest last.</summary>
    public IReadOnlyList<string> Refusals
    {
        get { lock (_gate) return [.. _refusals]; }
    }

    /// <summary>Takes a slot on the worker with the most free ones; null when none is free.</summary>
    public SiloAddress? TryTake()
    {
        lock (_gate)
        {
            DateTime now = DateTime.UtcNow;
            WorkerView? best = _workers.Values.Where(worker => worker.Free > 0 && !(_suspects.TryGetValue(worker.Silo, out DateTime until) && until > now))
                .OrderByDescending(worker => worker.Free).ThenBy(worker => worker.Status.Name, StringComparer.Ordinal).FirstOrDefault();
            if (best is null) return null;
            _inUse[best.Silo] = _inUse.GetValueOrDefault(best.Silo) + 1;
            _workers[best.Silo] = best with { InUse = _inUse[best.Silo] };
            return best.Silo;
        }
    }

    public void Free(SiloAddress silo)
    {
        lock (_gate)
        {
            if (_inUse.TryGetValue(silo, out int count)) _inUse[silo] = Math.Max(0, count - 1);
            if (_workers.TryGetValue(silo, out WorkerView? worker)) _workers[silo] = worker with { InUse = _inUse[silo] };
        }
    }

    /// <summary>
    /// A run lost its worker before membership said so (calls failed): give that worker no runs for a
    /// while, or the run would be sent straight back to it.
    /// </summary>
    public void Suspect(SiloAddress silo, TimeSpan forHowLong)
    {
        lock (_gate) _suspects[silo] = DateTime.UtcNow + forHowLong;
    }

    /// <summary>True once membership no longer lists the silo as active (it died or left).</summary>
    public bool IsLost(SiloAddress silo)
    {
        lock (_gate) return _lost.Contains(silo);
    }

    public void AddRefusal(string message)
    {
        lock (_gate)
        {
            if (_refusals.Contains(message)) return;
            _refusals.Add(message);
            if (_refusals.Count > 20) _refusals.RemoveAt(0);
        }
        _log?.LogWarning("{Refusal}", message);
    }

    /// <summary>Runs one heartbeat round now (tests and the first start do not wait for the timer).</summary>
    public async Task RefreshAsync()
    {
        Dictionary<SiloAddress, SiloStatus> hosts = await _grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
        var active = hosts.Where(host => host.Value == SiloStatus.Active).Select(host => host.Key).ToList();
        var answers = await Task.WhenAll(active.Select(async silo =>
        {
            try
            {
                return (silo, status: (WorkerStatus?)await _grains.GetGrain<IWorkerGrain>(silo.ToParsableString()).Status().WaitAsync(TimeSpan.FromSeconds(3)));
            }
            catch (Exception error) when (error is TimeoutException or SiloUnavailableException or OrleansException)
            {
                return (silo, status: null);
            }
        }));
        var refuse = new List<(SiloAddress Silo, string Reason)>();
        lock (_gate)
        {
            foreach (SiloAddress silo in _workers.Keys.ToList())
            {
                if (active.Contains(silo)) continue;
                _workers.Remove(silo);
                _lost.Add(silo);
            }
            foreach (SiloAddress silo in hosts.Where(host => host.Value is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping).Select(host => host.Key))
                _lost.Add(silo);
            foreach ((SiloAddress silo, WorkerStatus? status) in answers)
            {
                if (status is null) continue; // no answer this round: keep the last heartbeat, which ages on the page
                string? refused = status.Version == _settings.Version ? null
                    : $"Refused worker {status.Name} at {silo}: it runs LEED Studio {status.Version}, this coordinator {_settings.Version}.";
                if (refused is not null && (!_workers.TryGetValue(silo, out WorkerView? known) || known.Refused is null)) refuse.Add((silo, refused));
                _workers[silo] = new WorkerView(silo, status, _inUse.GetValueOrDefault(silo), DateTime.UtcNow, refused);
            }
        }
        foreach ((SiloAddress silo, string reason) in refuse)
        {
            AddRefusal(reason);
            try { await _grains.GetGrain<IWorkerGrain>(silo.ToParsableString()).Refuse(reason).WaitAsync(TimeSpan.FromSeconds(3)); }
            catch (Exception error) when (error is TimeoutException or SiloUnavailableException or OrleansException) { }
        }
        int capacity;
        lock (_gate) capacity = _workers.Values.Where(worker => worker.Refused is null).Sum(worker => worker.Status.Slots);
        if (Interlocked.Exchange(ref _capacity, capacity) != capacity) CapacityChanged?.Invoke();
        Changed?.Invoke();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync();
            }
            catch (Exception error) when (!_stop.IsCancellationRequested)
            {
                // The cluster may still be starting, or briefly unreachable: the next round tries again.
                _log?.LogDebug(error, "Worker heartbeat round failed");
                Trace.TraceInformation($"Worker heartbeat round failed: {error.Message}");
            }
            try { await Task.Delay(Heartbeat, _stop.Token); }
            catch (OperationCanceledException) { }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { }
    }
}
