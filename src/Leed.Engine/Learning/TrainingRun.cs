// Runs a trainer's iterations on its own thread, with pause, resume, cancellation and on-demand episode traces.
namespace Leed.Engine.Learning;

/// <summary>
/// The loop around a <see cref="Trainer"/>: iterations run one after another on a dedicated
/// thread (TorchSharp's dispose scopes are per thread), and between two iterations the run honours
/// pause, cancellation and trace requests. Callbacks run on the training thread and should return
/// quickly (hand the data to a throttled registry, do not render).
/// </summary>
public sealed class TrainingRun(Trainer trainer, int iterations) : IDisposable
{
    private readonly ManualResetEventSlim _running = new(initialState: true);
    private int _traceRequest; // 0 none, 1 sampled, 2 greedy (read and written with Interlocked)

    public Trainer Trainer { get; } = trainer;

    /// <summary>The run stops once the trainer has completed this many iterations (a resumed trainer counts those it had).</summary>
    public int Iterations { get; } = iterations;

    public bool IsPaused => !_running.IsSet;

    /// <summary>Raised after every iteration with its metrics.</summary>
    public event Action<IterationMetrics>? IterationCompleted;

    /// <summary>Raised with the episode recorded after a <see cref="RequestTrace"/>.</summary>
    public event Action<EpisodeTrace>? TraceRecorded;

    /// <summary>The run waits after the current iteration until <see cref="Resume"/>.</summary>
    public void Pause() => _running.Reset();

    public void Resume() => _running.Set();

    /// <summary>After the current iteration, plays one episode with the current policy (greedy or sampled) and raises <see cref="TraceRecorded"/>.</summary>
    public void RequestTrace(bool greedy = true) => Interlocked.Exchange(ref _traceRequest, greedy ? 2 : 1);

    /// <summary>
    /// Runs the remaining iterations on a dedicated thread. Cancellation is honoured between
    /// iterations (and while paused) and ends the task as cancelled; the trainer stays usable, so
    /// a checkpoint can be saved afterwards.
    /// </summary>
    public Task RunAsync(CancellationToken cancellation = default) =>
        Task.Factory.StartNew(() => Loop(cancellation), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Loop(CancellationToken cancellation)
    {
        while (Trainer.Iteration < Iterations)
        {
            _running.Wait(cancellation);
            cancellation.ThrowIfCancellationRequested();
            IterationMetrics metrics = Trainer.RunIteration();
            IterationCompleted?.Invoke(metrics);
            int trace = Interlocked.Exchange(ref _traceRequest, 0);
            if (trace != 0) TraceRecorded?.Invoke(Trainer.RecordEpisode(greedy: trace == 2));
        }
        int last = Interlocked.Exchange(ref _traceRequest, 0);
        if (last != 0) TraceRecorded?.Invoke(Trainer.RecordEpisode(greedy: last == 2));
    }

    public void Dispose() => _running.Dispose();
}
