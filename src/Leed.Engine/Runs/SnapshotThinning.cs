// Which of a run's episode snapshots are kept: the first, the last, and evenly spaced ones between, within a count and a byte cap.
namespace Leed.Engine.Runs;

/// <summary>One stored episode snapshot of a run, without its data: what the picker lists and the cap counts.</summary>
public sealed record SnapshotEntry(int Iteration, int Steps, long Bytes);

/// <summary>
/// Snapshots are recorded all through training (see <see cref="TrainerWorkloadFactory.SnapshotBudget"/>), so a
/// long run would pile them up. A run keeps its first and its last snapshot, and between them those whose
/// iteration is a multiple of a stride: the least power of two that keeps at most <see cref="MaxKept"/>
/// snapshots in at most <see cref="MaxBytes"/>. When a new snapshot would break either cap the stride
/// doubles, dropping every other one, so the kept snapshots stay evenly spaced and within the caps however
/// long the run, and the recorder skips iterations off the stride. The stride never shrinks (each stored
/// snapshot records the stride in force), or a thinned run would fill up again densely at its end.
/// </summary>
public static class SnapshotThinning
{
    /// <summary>Snapshots kept per run at most.</summary>
    public const int MaxKept = 200;

    /// <summary>Bytes of stored snapshots per run at most (32 MiB; a 100-agent episode on the large preset takes a few tens of KB).</summary>
    public const long MaxBytes = 32L * 1024 * 1024;

    /// <summary>
    /// The stride for these snapshots (any order): the least power of two, and at least <paramref name="atLeast"/>
    /// (the stride in force so far), with which the first, the last and the multiples of it fit both caps.
    /// When even the largest stride does not fit, first and last alone are kept.
    /// </summary>
    public static int Stride(IReadOnlyCollection<SnapshotEntry> snapshots, int maxKept = MaxKept, long maxBytes = MaxBytes, int atLeast = 1)
    {
        if (maxKept < 2) throw new ArgumentOutOfRangeException(nameof(maxKept), maxKept, "At least the first and the last snapshot are kept.");
        if (atLeast < 1 || (atLeast & (atLeast - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(atLeast), atLeast, "A stride is a power of two.");
        if (snapshots.Count == 0) return atLeast;
        int first = snapshots.Min(s => s.Iteration), last = snapshots.Max(s => s.Iteration);
        for (int stride = atLeast; ; stride *= 2)
        {
            int kept = 0;
            long bytes = 0;
            foreach (SnapshotEntry snapshot in snapshots)
            {
                if (!Keeps(snapshot.Iteration, stride, first, last)) continue;
                kept++;
                bytes += snapshot.Bytes;
            }
            if ((kept <= maxKept && bytes <= maxBytes) || stride > last) return stride;
        }
    }

    /// <summary>Whether a run whose snapshots span <paramref name="first"/> to <paramref name="last"/> keeps the one at <paramref name="iteration"/>.</summary>
    public static bool Keeps(int iteration, int stride, int first, int last) => iteration == first || iteration == last || iteration % stride == 0;

    /// <summary>The snapshots to delete so that the rest fit the caps, with the stride at least <paramref name="atLeast"/>.</summary>
    public static IReadOnlyList<SnapshotEntry> Dropped(IReadOnlyCollection<SnapshotEntry> snapshots, int maxKept = MaxKept, long maxBytes = MaxBytes,
        int atLeast = 1)
    {
        if (snapshots.Count == 0) return [];
        int stride = Stride(snapshots, maxKept, maxBytes, atLeast);
        int first = snapshots.Min(s => s.Iteration), last = snapshots.Max(s => s.Iteration);
        return [.. snapshots.Where(snapshot => !Keeps(snapshot.Iteration, stride, first, last))];
    }
}
