// The process-wide owner of runs: queue, concurrency limit, pause/stop, persistence and throttled pushes.
using System.Collections.Concurrent;
using System.Diagnostics;
using Leed.Engine.Learning;

namespace Leed.Engine.Runs;

/// <summary>Does the work of one run on the run's own thread (the trainer behind an adapter).</summary>
public interface IRunWorkload
{
    /// <summary>Trains until done; returns normally when finished, throws OperationCanceledException when stopped.</summary>
    void Execute(RunContext context);
}

/// <summary>Makes the workload for a run (the dashboard plugs the trainer in here).</summary>
public interface IRunWorkloadFactory
{
    IRunWorkload Create(RunRecord run);

    /// <summary>How many agents a run of <paramref name="spec"/> will train, when known before it starts.</summary>
    int? AgentCount(RunSpec spec) => spec.Agents > 0 ? spec.Agents : null;
}

/// <summary>
/// Follows one run as it happens, on the run's own thread and in order, for a client that must see
/// every step without a throttle: the command line's <c>train</c>, which streams each iteration and
/// keeps its own copy of metrics and checkpoints beside the store. Each call comes after the store
/// has what it reports; a callback that throws fails the run.
/// </summary>
public interface IRunObserver
{
    /// <summary>Demonstrations and scenario are ready: <paramref name="summary"/> says how many agents have a valid demonstration.</summary>
    void OnPrepared(RunRecord run, string summary) { }

    /// <summary>Training (re)starts after <paramref name="iteration"/> (0 for a new run): rows after it are gone from the store and come again.</summary>
    void OnContinuing(RunRecord run, int iteration) { }

    void OnIteration(RunRecord run, MetricRecord metrics) { }

    /// <summary>A checkpoint of <paramref name="iteration"/> was stored; <paramref name="checkpoint"/> is its content.</summary>
    void OnCheckpoint(RunRecord run, int iteration, ReadOnlyMemory<byte> checkpoint) { }

    /// <summary>The run ended (completed, stopped or failed) and its final state is stored.</summary>
    void OnFinished(RunRecord run) { }
}

/// <summary>What a push to a subscriber carries: everything new since the last push.</summary>
public sealed record RunUpdate(RunRecord Run, IReadOnlyList<MetricRecord> NewMetrics, EpisodeSnapshot? Snapshot);

/// <summary>The run's side of the registry: report progress, honour pause and stop, keep checkpoints.</summary>
public sealed class RunContext : IRunContext
{
    private readonly RunRegistry _registry;
    private readonly RunRegistry.ActiveRun _active;
    private readonly Stopwatch _activeClock = new();

    internal RunContext(RunRegistry registry, RunRegistry.ActiveRun active)
    {
        _registry = registry;
        _active = active;
    }

    public RunRecord Run => _active.Record;
    public RunSpec Spec => _active.Record.Spec;
    public CancellationToken Cancellation => _active.Stop.Token;

    /// <summary>True while someone asked the run to pause (an executor elsewhere forwards it to its worker).</summary>
    public bool PauseRequested => !_active.Running.IsSet;

    /// <summary>
    /// Whether an episode snapshot after <paramref name="iteration"/> would be kept: it falls on the stride the
    /// run's stored snapshots are thinned to (<see cref="SnapshotThinning"/>); 1 until the run has stored any.
    /// </summary>
    public bool SnapshotDue(int iteration) => iteration % SnapshotStride == 0;

    /// <summary>The stride of <see cref="SnapshotDue"/> (an executor elsewhere forwards it to its worker).</summary>
    public int SnapshotStride => _active.SnapshotStride;

    /// <summary>
    /// Time the run has spent working in this process: from the first <see cref="WaitWhilePaused"/>
    /// on, without the time it was paused, so elapsed time and ETA count training only.
    /// </summary>
    public TimeSpan ActiveTime => _activeClock.Elapsed;

    /// <summary>Blocks while the run is paused; throws when it is stopped. The first call starts <see cref="ActiveTime"/>.</summary>
    public void WaitWhilePaused()
    {
        if (!_active.Running.IsSet)
        {
            _activeClock.Stop();
            _registry.SetStatus(_active, RunStatus.Paused);
            _active.Running.Wait(Cancellation);
            _registry.SetStatus(_active, RunStatus.Running);
        }
        Cancellation.ThrowIfCancellationRequested();
        _activeClock.Start();
    }

    /// <summary>The demonstration set a switch asks for (and who asked), taken once; null when none is pending.</summary>
    public (int SetId, string Who)? TakeDemonstrationSwitch() => Interlocked.Exchange(ref _active.PendingSwitch, null) is { } request
        ? (request.SetId, request.Who)
        : null;

    /// <summary>Records <paramref name="happened"/> with the run, persists it and tells the watchers.</summary>
    public void RecordEvent(RunEvent happened)
    {
        // A new list, not an added item: pages read the events while the run trains.
        _active.Record.Events = [.. _active.Record.Events, happened];
        _registry.SetStatus(_active, _active.Record.Status);
    }

    public void ReportIteration(MetricRecord metrics) => _registry.OnIteration(_active, metrics);

    /// <summary>The run's wall time as the loop ends; stored with the run when it finishes.</summary>
    public void ReportTrainedSeconds(double wallSeconds) => _registry.OnTrained(_active, wallSeconds);

    /// <summary>Shows the run as paused or running without blocking (an executor whose run pauses on another machine).</summary>
    public void ReportPaused(bool paused)
    {
        RunStatus status = paused ? RunStatus.Paused : RunStatus.Running;
        if (_active.Record.Status != status) _registry.SetStatus(_active, status);
    }

    /// <summary>Keeps an episode snapshot that took <paramref name="recording"/> to record; storing it adds to <see cref="RunRecord.SnapshotSeconds"/> too.</summary>
    public void ReportSnapshot(EpisodeSnapshot snapshot, TimeSpan recording) => _registry.OnSnapshot(_active, snapshot, recording);

    /// <summary>Records what preparation resolved: the demonstrations' label, the real number of agents and the scenario's key (and says so to the run's observer).</summary>
    public void SetPrepared(string demonstrationLabel, Env.Scenario scenario, string? summary = null) =>
        SetPrepared(demonstrationLabel, scenario.AgentCount, ScenarioKeys.Of(scenario), summary);

    /// <summary>The same, as a worker elsewhere reports it (the scenario stays there; its agents and key travel).</summary>
    public void SetPrepared(string demonstrationLabel, int agents, string scenarioKey, string? summary = null)
    {
        _active.Record.DemonstrationLabel = demonstrationLabel;
        _active.Record.ResolvedAgents = agents;
        _active.Record.ScenarioKey = scenarioKey;
        _registry.Persist(_active);
        _active.Observer?.OnPrepared(Run, summary ?? demonstrationLabel);
    }

    /// <summary>
    /// Training continues after <paramref name="iteration"/> (its checkpoint's, or 0): stored metric
    /// rows after it are deleted, so every iteration keeps exactly one row, and the run's progress
    /// and returns are those of the rows kept.
    /// </summary>
    public void ContinueFrom(int iteration, long globalStep) => _registry.ContinueFrom(_active, iteration, globalStep);

    /// <summary>Stores a checkpoint of <paramref name="iteration"/> (replacing the last one) and hands it to the run's observer.</summary>
    public void SaveCheckpoint(int iteration, Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        buffer.Position = 0;
        _registry.Store.SaveCheckpoint(Run.Id, buffer);
        _active.Record.CheckpointId = RunStore.CheckpointId(Run.Id);
        _active.Observer?.OnCheckpoint(Run, iteration, buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    /// <summary>Reads the run's stored checkpoint into <paramref name="read"/>; false when it has none.</summary>
    public bool TryLoadCheckpoint(Action<Stream> read)
    {
        using var buffer = new MemoryStream();
        if (!_registry.Store.LoadCheckpoint(Run.Id, buffer)) return false;
        buffer.Position = 0;
        read(buffer);
        return true;
    }
}

/// <summary>
/// Owns every run of the process. Runs are queued and started on their own threads up to
/// <see cref="MaxConcurrent"/> at once; each iteration's metrics are persisted as they come and
/// kept in a bounded ring in memory; subscribers get coalesced updates at most every
/// <see cref="PushInterval"/>. Runs outlive the views that watch them.
/// </summary>
public sealed class RunRegistry : IDisposable
{
    public const int RecentCapacity = 4096;

    private readonly IRunWorkloadFactory _factory;
    private readonly IRunExecutor _executor;
    private readonly ConcurrentDictionary<string, ActiveRun> _active = new();
    private readonly LinkedList<string> _queue = new();
    private readonly object _gate = new();
    private readonly List<Action> _listWatchers = [];
    private int _running;
    private bool _disposed;

    /// <summary>A registry whose runs train in this process, <paramref name="maxConcurrent"/> at once.</summary>
    public RunRegistry(RunStore store, IRunWorkloadFactory factory, int maxConcurrent = 1)
        : this(store, factory, new InProcessRunExecutor(factory, maxConcurrent))
    {
    }

    /// <summary>A registry whose runs train wherever <paramref name="executor"/> puts them.</summary>
    public RunRegistry(RunStore store, IRunWorkloadFactory factory, IRunExecutor executor)
    {
        Store = store;
        _factory = factory;
        _executor = executor;
        _executor.CapacityChanged += Dispatch;
        MarkInterrupted();
    }

    public RunStore Store { get; }

    /// <summary>How many runs may train at once now (the executor's capacity).</summary>
    public int MaxConcurrent => _executor.Capacity;
    public TimeSpan PushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Queues a run; it starts when a slot is free.</summary>
    /// <param name="tags">Tags it carries from the start (a study's cells are tagged with their study).</param>
    /// <param name="observer">Follows the run from its first step (see <see cref="IRunObserver"/>).</param>
    public RunRecord Submit(RunSpec spec, IReadOnlyList<string>? tags = null, IRunObserver? observer = null)
    {
        var record = new RunRecord
        {
            Id = NewId(),
            Spec = spec,
            Status = RunStatus.Queued,
            CreatedAt = DateTime.UtcNow,
            Tags = tags is null ? [] : [.. tags],
            ResolvedAgents = _factory.AgentCount(spec) ?? 0,
        };
        if (string.IsNullOrWhiteSpace(spec.Name)) spec.Name = $"{spec.Algorithm} {spec.Map} {AgentsLabel(record.ResolvedAgents)} s{spec.Seed}";
        var active = new ActiveRun(record) { Observer = observer };
        _active[record.Id] = active;
        Store.Save(record);
        lock (_gate) _queue.AddLast(record.Id);
        NotifyList();
        Dispatch();
        return record;
    }

    /// <summary>Queues one run per seed; they share a group named after the configuration.</summary>
    public IReadOnlyList<RunRecord> SubmitGroup(RunSpec spec, IReadOnlyList<int> seeds)
    {
        string group = spec.Group ?? $"{spec.Algorithm}-{spec.Map}-{AgentsLabel(_factory.AgentCount(spec) ?? 0)}-{DateTime.UtcNow:MMddHHmmss}";
        return [.. seeds.Select(seed => Submit(spec.With(copy =>
        {
            copy.Seed = seed;
            copy.Group = seeds.Count > 1 || spec.Group is not null ? group : null;
            copy.Name = string.IsNullOrWhiteSpace(spec.Name) ? "" : seeds.Count > 1 ? $"{spec.Name} s{seed}" : spec.Name;
        })))];
    }

    /// <summary>
    /// Requeues an interrupted or stopped run (or a completed one whose stored plan was extended); it
    /// continues from its last checkpoint when it has one, followed by <paramref name="observer"/> when given.
    /// </summary>
    public RunRecord Restart(string id, IRunObserver? observer = null)
    {
        RunRecord record = Store.Find(id) ?? throw new KeyNotFoundException($"No run with id {id}.");
        if (_active.ContainsKey(id)) throw new InvalidOperationException($"Run {id} is already {record.Status.ToString().ToLowerInvariant()}.");
        record.Status = RunStatus.Queued;
        record.Error = null;
        record.EndedAt = null;
        _active[id] = new ActiveRun(record) { Observer = observer };
        Store.Save(record);
        lock (_gate) _queue.AddLast(id);
        NotifyList();
        Dispatch();
        return record;
    }

    public void Pause(string id)
    {
        ActiveRun run = Require(id);
        run.Running.Reset();
        if (run.Record.Status == RunStatus.Queued) SetStatus(run, RunStatus.Paused);
    }

    public void Resume(string id)
    {
        ActiveRun run = Require(id);
        run.Running.Set();
        if (run.Record.Status == RunStatus.Paused && run.Thread is null) SetStatus(run, RunStatus.Queued);
    }

    /// <summary>
    /// Asks an active run to train on stored demonstration set <paramref name="setId"/> from its next
    /// iteration on (the run checks the set then and records the switch as a <see cref="RunEvent"/>).
    /// </summary>
    public void SwitchDemonstrations(string id, int setId, string who)
    {
        ActiveRun run = Require(id);
        if (run.Record.Spec.Demonstrator != "set")
            throw new InvalidOperationException($"Run {id} does not train on a stored demonstration set ({run.Record.Demonstrations}); only such runs can switch sets.");
        // A worker elsewhere has no store to load the new set from: refused rather than left pending for ever.
        if (!_executor.TrainsInThisProcess)
            throw new InvalidOperationException($"Run {id} trains on a cluster worker, where demonstration sets cannot be switched yet; pause it, then start a new run from this one on the new version.");
        Interlocked.Exchange(ref run.PendingSwitch, new DemonstrationSwitchRequest(setId, who));
    }

    /// <summary>Stops a run (a queued one never starts); its metrics so far stay stored.</summary>
    public void Stop(string id)
    {
        ActiveRun run = Require(id);
        run.Stop.Cancel();
        bool wasQueued;
        lock (_gate) wasQueued = _queue.Remove(id);
        if (wasQueued) Finish(run, RunStatus.Stopped, null);
    }

    /// <summary>Deletes a finished run with everything stored for it.</summary>
    public bool Delete(string id)
    {
        // A run that has just finished may still be leaving the active set; only a live one is refused.
        if (_active.TryGetValue(id, out ActiveRun? run) && run.Record.IsActive)
            throw new InvalidOperationException($"Run {id} is still active: stop it first.");
        bool deleted = Store.Delete(id);
        NotifyList();
        return deleted;
    }

    public RunRecord? Get(string id) => _active.TryGetValue(id, out ActiveRun? run) ? run.Record : Store.Find(id);

    /// <summary>Every run, newest first, with live status for active ones.</summary>
    public IReadOnlyList<RunRecord> List() =>
        [.. Store.List().Select(stored => _active.TryGetValue(stored.Id, out ActiveRun? run) ? run.Record : stored)];

    /// <summary>The in-memory recent metrics of an active run, or the stored series of a finished one.</summary>
    public IReadOnlyList<MetricRecord> Metrics(string id)
    {
        if (!_active.TryGetValue(id, out ActiveRun? run)) return Store.Find(id) is { } stored ? Store.StoppedMetricsOf(stored) : Store.MetricsOf(id);
        lock (run.Recent) return run.Recent.Count < run.Record.Iteration ? Store.MetricsOf(id) : [.. run.Recent];
    }

    /// <summary>The run's latest episode snapshot: in memory while it trains, else the stored one (also after a restart).</summary>
    public EpisodeSnapshot? LatestSnapshot(string id) =>
        (_active.TryGetValue(id, out ActiveRun? run) ? run.Snapshot : null) ?? Store.LatestSnapshot(id);

    /// <summary>The run's stored episode snapshots, oldest first, without their data (every snapshot is stored as it is recorded).</summary>
    public IReadOnlyList<SnapshotEntry> Snapshots(string id) => Store.SnapshotsOf(id);

    /// <summary>The run's episode snapshot after <paramref name="iteration"/>, or null when none is kept.</summary>
    public EpisodeSnapshot? Snapshot(string id, int iteration) =>
        (_active.TryGetValue(id, out ActiveRun? run) && run.Snapshot?.Iteration == iteration ? run.Snapshot : null) ?? Store.Snapshot(id, iteration);

    /// <summary>
    /// Calls <paramref name="onUpdate"/> (on a timer thread) with what changed, at most once per
    /// <see cref="PushInterval"/>. Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(string id, Action<RunUpdate> onUpdate)
    {
        ActiveRun? run = _active.GetValueOrDefault(id);
        var subscription = new Subscription(this, run, onUpdate, PushInterval);
        if (run is not null)
            lock (run.Subscribers) run.Subscribers.Add(subscription);
        return subscription;
    }

    /// <summary>Called (throttled by the caller) whenever runs are added, removed or change status.</summary>
    public IDisposable SubscribeList(Action onChanged)
    {
        lock (_listWatchers) _listWatchers.Add(onChanged);
        return new Unsubscriber(() => { lock (_listWatchers) _listWatchers.Remove(onChanged); });
    }

    internal void OnIteration(ActiveRun run, MetricRecord metrics)
    {
        RunRecord record = run.Record;
        record.Iteration = metrics.Iteration;
        record.GlobalStep = metrics.GlobalStep;
        record.WallSeconds = metrics.WallSeconds;
        if (metrics.Values.TryGetValue(MetricNames.EpisodicReturn, out double value) && double.IsFinite(value))
        {
            record.LastReturn = value;
            record.BestReturn = record.BestReturn is null ? value : Math.Max(record.BestReturn.Value, value);
        }
        Store.AppendMetric(record.Id, metrics);
        Store.Save(record);
        lock (run.Recent)
        {
            if (run.Recent.Count == RecentCapacity) run.Recent.RemoveAt(0);
            run.Recent.Add(metrics);
        }
        lock (run.Subscribers) foreach (Subscription subscription in run.Subscribers) subscription.Enqueue(metrics);
        run.Observer?.OnIteration(record, metrics);
    }

    internal void OnTrained(ActiveRun run, double wallSeconds)
    {
        // Never back: a clock read after the last row's is later than it.
        run.Record.WallSeconds = Math.Max(run.Record.WallSeconds, wallSeconds);
    }

    internal void ContinueFrom(ActiveRun run, int iteration, long globalStep)
    {
        RunRecord record = run.Record;
        Store.DeleteMetricsAfter(record.Id, iteration);
        IReadOnlyList<MetricRecord> kept = Store.MetricsOf(record.Id);
        double[] returns = [.. kept.Select(metric => metric.Values.GetValueOrDefault(MetricNames.EpisodicReturn, double.NaN)).Where(double.IsFinite)];
        record.Iteration = iteration;
        record.GlobalStep = globalStep;
        record.WallSeconds = kept.Count > 0 ? kept[^1].WallSeconds : 0;
        record.LastReturn = returns.Length > 0 ? returns[^1] : null;
        record.BestReturn = returns.Length > 0 ? returns.Max() : null;
        lock (run.Recent) run.Recent.Clear();
        Persist(run);
        run.Observer?.OnContinuing(record, iteration);
    }

    internal void OnSnapshot(ActiveRun run, EpisodeSnapshot snapshot, TimeSpan recording)
    {
        long start = Stopwatch.GetTimestamp();
        run.SnapshotStride = Store.SaveSnapshot(run.Record.Id, snapshot);
        run.Record.SnapshotSeconds += (recording + Stopwatch.GetElapsedTime(start)).TotalSeconds;
        run.Snapshot = snapshot;
        lock (run.Subscribers) foreach (Subscription subscription in run.Subscribers) subscription.MarkSnapshot(snapshot);
    }

    internal void SetStatus(ActiveRun run, RunStatus status)
    {
        run.Record.Status = status;
        Persist(run);
        lock (run.Subscribers) foreach (Subscription subscription in run.Subscribers) subscription.MarkDirty();
        NotifyList();
    }

    internal void Persist(ActiveRun run) => Store.Save(run.Record);

    private void Dispatch()
    {
        while (true)
        {
            ActiveRun? next = null;
            lock (_gate)
            {
                if (_disposed || _running >= _executor.Capacity) return;
                for (LinkedListNode<string>? node = _queue.First; node is not null; node = node.Next)
                {
                    ActiveRun candidate = _active[node.Value];
                    if (!candidate.Running.IsSet) continue; // paused while queued: skip until resumed
                    _queue.Remove(node);
                    next = candidate;
                    _running++;
                    break;
                }
            }
            if (next is null) return;
            Start(next);
        }
    }

    private void Start(ActiveRun run)
    {
        run.Record.StartedAt ??= DateTime.UtcNow;
        SetStatus(run, RunStatus.Running);
        run.Thread = new Thread(() => Execute(run)) { IsBackground = true, Name = $"run {run.Record.Id}" };
        run.Thread.Start();
    }

    private void Execute(ActiveRun run)
    {
        RunStatus outcome;
        string? error = null;
        try
        {
            _executor.Execute(new RunContext(this, run));
            outcome = run.Stop.IsCancellationRequested ? RunStatus.Stopped : RunStatus.Completed;
        }
        catch (OperationCanceledException) when (run.Stop.IsCancellationRequested)
        {
            outcome = RunStatus.Stopped;
        }
        catch (Exception failure)
        {
            outcome = RunStatus.Failed;
            error = failure.Message;
            Trace.TraceError($"Run {run.Record.Id} failed: {failure}");
        }
        lock (_gate) _running--;
        Finish(run, outcome, error);
        Dispatch();
    }

    private void Finish(ActiveRun run, RunStatus status, string? error)
    {
        // Store the final state before leaving the active set, so a reader never sees a finished run as active.
        run.Record.EndedAt = DateTime.UtcNow;
        run.Record.Error = error;
        run.Record.Status = status;
        Persist(run);
        _active.TryRemove(run.Record.Id, out _);
        lock (run.Subscribers)
            foreach (Subscription subscription in run.Subscribers)
            {
                subscription.MarkDirty();
                subscription.Flush();
            }
        NotifyList();
        WarmSeries(run.Record);
        run.Observer?.OnFinished(run.Record);
    }

    /// <summary>Stores a stopped run's metrics as columns now, so that the first Compare of it reads one document, not one per iteration.</summary>
    private void WarmSeries(RunRecord record)
    {
        try
        {
            if (record.Iteration > 0) Store.StoppedMetricsOf(record);
        }
        catch (Exception failure) when (failure is LiteDB.LiteException or IOException)
        {
            Trace.TraceWarning($"Run {record.Id}: its metrics stay readable row by row; storing them as columns failed: {failure.Message}");
        }
    }

    private void MarkInterrupted()
    {
        foreach (RunRecord run in Store.List().Where(run => run.IsActive))
        {
            run.Status = RunStatus.Interrupted;
            run.Error = "The server stopped while this run was active. Its metrics up to then are kept; restart it to continue from its last checkpoint.";
            Store.Save(run);
        }
    }

    private ActiveRun Require(string id) =>
        _active.TryGetValue(id, out ActiveRun? run) ? run : throw new InvalidOperationException($"Run {id} is not active.");

    private void NotifyList()
    {
        Action[] watchers;
        lock (_listWatchers) watchers = [.. _listWatchers];
        foreach (Action watcher in watchers) watcher();
    }

    // "n8"; a spec of 0 agents whose count is unknown means the map's own agents.
    private static string AgentsLabel(int agents) => agents > 0 ? $"n{agents}" : "own-agents";

    /// <summary>A new run id: UTC time and 6 random hex digits, e.g. <c>20260131-120000-a1b2c3</c> (sorts by creation).</summary>
    public static string NewId() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    public void Dispose()
    {
        lock (_gate) _disposed = true;
        _executor.CapacityChanged -= Dispatch;
        foreach (ActiveRun run in _active.Values) run.Stop.Cancel();
        foreach (ActiveRun run in _active.Values) run.Thread?.Join(TimeSpan.FromSeconds(10));
    }

    internal sealed class ActiveRun(RunRecord record)
    {
        public RunRecord Record { get; } = record;
        public CancellationTokenSource Stop { get; } = new();
        public ManualResetEventSlim Running { get; } = new(initialState: true);
        public List<MetricRecord> Recent { get; } = [];
        public List<Subscription> Subscribers { get; } = [];
        public EpisodeSnapshot? Snapshot { get; set; }
        /// <summary>The stride the run's stored snapshots are thinned to, as the last save left it.</summary>
        public int SnapshotStride { get; set; } = 1;
        public Thread? Thread { get; set; }
        public IRunObserver? Observer { get; init; }
        public DemonstrationSwitchRequest? PendingSwitch;
    }

    internal sealed record DemonstrationSwitchRequest(int SetId, string Who);

    internal sealed class Subscription : IDisposable
    {
        private readonly RunRegistry _registry;
        private readonly ActiveRun? _run;
        private readonly Action<RunUpdate> _onUpdate;
        private readonly Timer _timer;
        private readonly object _lock = new();
        private List<MetricRecord> _pending = [];
        private EpisodeSnapshot? _snapshot;
        private bool _dirty, _disposed;

        public Subscription(RunRegistry registry, ActiveRun? run, Action<RunUpdate> onUpdate, TimeSpan interval)
        {
            (_registry, _run, _onUpdate) = (registry, run, onUpdate);
            _timer = new Timer(_ => Flush(), null, interval, interval);
        }

        public void Enqueue(MetricRecord metric)
        {
            lock (_lock) { _pending.Add(metric); _dirty = true; }
        }

        public void MarkSnapshot(EpisodeSnapshot snapshot)
        {
            lock (_lock) { _snapshot = snapshot; _dirty = true; }
        }

        public void MarkDirty()
        {
            lock (_lock) _dirty = true;
        }

        public void Flush()
        {
            RunUpdate update;
            lock (_lock)
            {
                if (_disposed || !_dirty || _run is null) return;
                update = new RunUpdate(_run.Record, _pending, _snapshot);
                _pending = [];
                _snapshot = null;
                _dirty = false;
            }
            _onUpdate(update);
        }

        public void Dispose()
        {
            lock (_lock)
            {
                if (_disposed) return;
                _disposed = true;
            }
            _timer.Dispose();
            if (_run is null) return;
            lock (_run.Subscribers) _run.Subscribers.Remove(this);
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
