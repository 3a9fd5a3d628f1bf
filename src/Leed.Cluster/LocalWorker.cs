// This process's side of the cluster: its slots, the runs training in them, its CPU, and a refusal that ends it.
using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Leed.Cluster;

/// <summary>
/// One per silo. Hands out this process's slots to run grains and says what it is doing to the
/// coordinator's <see cref="WorkerDirectory"/> (through <see cref="WorkerGrain"/>).
/// </summary>
public sealed class LocalWorker(ClusterSettings settings, bool isCoordinator, string name, IHostApplicationLifetime? lifetime = null)
{
    private readonly HashSet<string> _runs = [];
    private readonly object _gate = new();
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _lastCpuAt = Stopwatch.GetTimestamp();
    private double _cpuPercent;

    public ClusterSettings Settings => settings;
    public bool IsCoordinator => isCoordinator;
    /// <summary>Host and silo port, e.g. <c>node-3:41234</c>: what the Workers page and a run's worker spans show.</summary>
    public string Name => name;

    /// <summary>Why the coordinator refused this worker, once it did (the worker then exits 2).</summary>
    public string? Refusal { get; private set; }

    /// <summary>Takes a slot for <paramref name="runId"/>; false when every slot is taken.</summary>
    public bool TryTake(string runId)
    {
        lock (_gate)
        {
            if (_runs.Contains(runId)) return true;
            if (_runs.Count >= settings.Slots) return false;
            _runs.Add(runId);
        }
        RunStarted?.Invoke(runId);
        return true;
    }

    public void Free(string runId)
    {
        bool freed;
        lock (_gate) freed = _runs.Remove(runId);
        if (freed) RunEnded?.Invoke(runId);
    }

    /// <summary>A run took a slot (the worker verb prints it).</summary>
    public event Action<string>? RunStarted;

    /// <summary>A run stopped training here and freed its slot.</summary>
    public event Action<string>? RunEnded;

    /// <summary>A run made a checkpoint (the coordinator collects it with its next poll).</summary>
    public event Action<string, int>? Checkpointed;

    internal void OnCheckpoint(string runId, int iteration) => Checkpointed?.Invoke(runId, iteration);

    public IReadOnlyList<string> Runs
    {
        get { lock (_gate) return [.. _runs]; }
    }

    /// <summary>Share of the machine's cores this process used since the last call (0-100).</summary>
    public double CpuPercent()
    {
        lock (_gate)
        {
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
            double wall = Stopwatch.GetElapsedTime(_lastCpuAt).TotalSeconds;
            if (wall >= 0.5)
            {
                _cpuPercent = Math.Clamp(100 * (cpu - _lastCpu).TotalSeconds / (wall * Environment.ProcessorCount), 0, 100);
                (_lastCpu, _lastCpuAt) = (cpu, Stopwatch.GetTimestamp());
            }
            return _cpuPercent;
        }
    }

    public WorkerStatus Status(string address) => new(Name, address, settings.Slots, settings.Threads, Runs, CpuPercent(),
        settings.Version, settings.ClusterId, isCoordinator);

    /// <summary>The coordinator refused this worker: say why on stderr and stop the process (it exits 2).</summary>
    public void Refuse(string reason)
    {
        if (Refusal is not null || isCoordinator) return;
        Refusal = reason;
        Console.Error.WriteLine($"error: {reason}");
        lifetime?.StopApplication();
    }
}
