// Where the trainer's time went, by phase, for the training benchmark and the speed work.
namespace Leed.Engine.Learning;

/// <summary>Where the time went, cumulative since the trainer was created (seconds).</summary>
public sealed class TrainerTimings
{
    /// <summary>Stepping the environments, writing observations and global states, and the per-step bookkeeping.</summary>
    public double Environment { get; internal set; }
    /// <summary>Network forward passes and sampling during rollouts (no gradient).</summary>
    public double RolloutForward { get; internal set; }
    /// <summary>Forward passes and loss terms during updates.</summary>
    public double UpdateForward { get; internal set; }
    public double Backward { get; internal set; }
    /// <summary>Per-agent gradient clipping, Adam's step and zeroing gradients.</summary>
    public double Optimizer { get; internal set; }
    /// <summary>Everything else (GAE, flattening, metrics, DTW).</summary>
    public double Other { get; internal set; }
    public double Total => Environment + RolloutForward + UpdateForward + Backward + Optimizer + Other;

    /// <summary>Seconds between two <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> readings.</summary>
    internal static double Seconds(long from, long to) => (to - from) / (double)System.Diagnostics.Stopwatch.Frequency;
}
