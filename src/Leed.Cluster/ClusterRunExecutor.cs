// The coordinator's executor: each run goes to a worker with a free slot, comes back iteration by iteration, and moves on when its worker dies.
using System.Text.Json;
using Leed.Engine.Runs;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Leed.Cluster;

/// <summary>
/// Executes the registry's runs on cluster workers. A run is packed once (<see cref="PortableRun"/>:
/// settings, map, scenario, demonstration version) and started, with its stored checkpoint, as a
/// <see cref="IRunGrain"/> on the worker with the most free slots; the run's thread here then polls
/// it and hands each iteration, snapshot and checkpoint to the registry, which stores and pushes them
/// as for a local run. When the worker is lost (membership declares it dead, or calls to it fail), the
/// run starts again on another worker from its last stored checkpoint; the worker reports where it
/// continues, and the registry deletes the rows after it first, so each iteration keeps one row.
/// </summary>
public sealed class ClusterRunExecutor(IGrainFactory grains, WorkerDirectory directory, ClusterSettings settings,
    Func<RunRecord, CancellationToken, PortableRun> pack, ILogger<ClusterRunExecutor>? log = null) : IRunExecutor
{
    /// <summary>How often the run's thread asks its worker for news.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Consecutive failed polls after which the worker counts as lost even before membership says so.</summary>
    public int FailedPollsLimit { get; init; } = 3;

    public int Capacity => directory.Capacity;

    // Workers elsewhere have no store to load a switched demonstration set from.
    public bool TrainsInThisProcess => false;

    public event Action? CapacityChanged
    {
        add => directory.CapacityChanged += value;
        remove => directory.CapacityChanged -= value;
    }

    public void Execute(RunContext context)
    {
        string json = (pack(context.Run, context.Cancellation) with { CheckpointEvery = settings.CheckpointEvery }).ToJson();
        for (int attempt = 0; ; attempt++)
        {
            SiloAddress silo = WaitForSlot(context);
            try
            {
                RunOn(silo, attempt, json, context);
                return;
            }
            catch (WorkerLostException lost)
            {
                log?.LogWarning("Run {Run} lost its worker {Worker}: {Reason}; it continues from its last checkpoint elsewhere", context.Run.Id, silo, lost.Message);
                directory.Suspect(silo, TimeSpan.FromSeconds(30));
            }
            finally
            {
                directory.Free(silo);
            }
        }
    }

    // The registry starts a run only when the cluster has capacity, but a worker may vanish meanwhile: wait for another.
    private SiloAddress WaitForSlot(RunContext context)
    {
        while (true)
        {
            if (directory.TryTake() is { } silo) return silo;
            context.Cancellation.WaitHandle.WaitOne(PollInterval);
            context.Cancellation.ThrowIfCancellationRequested();
        }
    }

    private void RunOn(SiloAddress silo, int attempt, string package, RunContext context)
    {
        IRunGrain grain = grains.GetGrain<IRunGrain>(RunGrainKey.For(context.Run.Id, attempt, silo));
        string worker = directory.Workers.FirstOrDefault(view => view.Silo.Equals(silo))?.Status.Name ?? silo.ToString();
        byte[]? checkpoint = null;
        context.TryLoadCheckpoint(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            checkpoint = buffer.ToArray();
        });
        Call(silo, () => grain.Start(new RunStart(package, checkpoint, settings.Version, context.SnapshotStride)));

        int stored = -1, checkpointIteration = 0, failedPolls = 0, snapshotted = -1;
        double wallBase = 0;
        bool prepared = false;
        while (true)
        {
            if (directory.IsLost(silo)) throw new WorkerLostException("membership declared it dead");
            RunProgress progress;
            try
            {
                progress = grain.Poll(new RunPoll(Math.Max(stored, 0), checkpointIteration, context.SnapshotStride, context.PauseRequested,
                    context.Cancellation.IsCancellationRequested, snapshotted)).WaitAsync(settings.ResponseTimeout).GetAwaiter().GetResult();
                failedPolls = 0;
            }
            catch (Exception error) when (IsLoss(error))
            {
                if (error is SiloUnavailableException || ++failedPolls >= FailedPollsLimit) throw new WorkerLostException(error.Message);
                continue;
            }
            if (progress.Phase == RunPhase.Unknown) throw new WorkerLostException("the worker no longer knows the run");
            if (!prepared && progress is { DemonstrationLabel: { } label, ScenarioKey: { } scenarioKey })
            {
                context.SetPrepared(label, progress.Agents, scenarioKey, progress.Summary);
                prepared = true;
            }
            if (stored < 0 && progress.ContinuedFrom >= 0)
            {
                // Where this attempt continues: rows after its checkpoint were trained by a lost worker and go first.
                context.ContinueFrom(progress.ContinuedFrom, progress.ContinuedFromStep);
                stored = progress.ContinuedFrom;
                wallBase = context.Run.WallSeconds;
                checkpointIteration = Math.Max(checkpointIteration, progress.ContinuedFrom);
                context.Run.Workers = [.. context.Run.Workers.Where(span => span.From <= stored)
                    .Select(span => new WorkerSpan { Worker = span.Worker, From = span.From, To = Math.Min(span.To, stored) }),
                    new WorkerSpan { Worker = worker, From = stored + 1, To = stored }];
            }
            if (stored >= 0)
            {
                foreach (MetricRecord metric in JsonSerializer.Deserialize<List<MetricRecord>>(progress.Metrics, WorkerRun.Json) ?? [])
                {
                    if (metric.Iteration <= stored) continue; // a poll answer that was lost and sent again
                    List<WorkerSpan> spans = context.Run.Workers;
                    spans[^1] = new WorkerSpan { Worker = spans[^1].Worker, From = spans[^1].From, To = metric.Iteration };
                    context.Run.Workers = [.. spans];
                    context.ReportIteration(metric with { WallSeconds = wallBase + metric.WallSeconds });
                    stored = metric.Iteration;
                }
                // Stored as a local run stores them (thinned, with their recording time); a resent answer's are stored once.
                foreach (RecordedSnapshot recorded in JsonSerializer.Deserialize<List<RecordedSnapshot>>(progress.Snapshots, WorkerRun.Json) ?? [])
                {
                    if (recorded.Snapshot.Iteration <= snapshotted || recorded.Snapshot.Iteration > stored) continue;
                    context.ReportSnapshot(recorded.Snapshot, TimeSpan.FromSeconds(recorded.RecordingSeconds));
                    snapshotted = recorded.Snapshot.Iteration;
                }
                if (progress.Checkpoint is { } bytes && progress.CheckpointIteration <= stored)
                {
                    context.SaveCheckpoint(progress.CheckpointIteration, stream => stream.Write(bytes));
                    checkpointIteration = progress.CheckpointIteration;
                }
            }
            context.ReportPaused(context.PauseRequested && progress.Phase == RunPhase.Training);
            switch (progress.Phase)
            {
                case RunPhase.Completed when progress.Checkpoint is null:
                    Release(grain);
                    return;
                case RunPhase.Stopped when context.Cancellation.IsCancellationRequested && progress.Checkpoint is null:
                    Release(grain);
                    throw new OperationCanceledException(context.Cancellation);
                case RunPhase.Stopped when !context.Cancellation.IsCancellationRequested:
                    throw new WorkerLostException("the worker stopped the run by itself");
                case RunPhase.Failed:
                    Release(grain);
                    throw new InvalidOperationException(progress.Error ?? "The run failed on its worker.");
            }
            context.Cancellation.WaitHandle.WaitOne(PollInterval);
        }
    }

    private void Call(SiloAddress silo, Func<Task> call)
    {
        try
        {
            call().WaitAsync(settings.ResponseTimeout).GetAwaiter().GetResult();
        }
        catch (Exception error) when (IsLoss(error))
        {
            throw new WorkerLostException(error.Message);
        }
    }

    private void Release(IRunGrain grain)
    {
        try { grain.Release().WaitAsync(settings.ResponseTimeout).GetAwaiter().GetResult(); }
        catch (Exception error) when (IsLoss(error)) { }
    }

    private static bool IsLoss(Exception error) => error is TimeoutException or SiloUnavailableException or OrleansException or Orleans.Runtime.Messaging.ConnectionFailedException;

    private sealed class WorkerLostException(string message) : Exception(message);
}
