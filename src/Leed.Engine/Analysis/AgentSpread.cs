// How a per-agent metric (such as LEED's w_i) spreads across the agents at one iteration: the mean and the 10% and 90% quantiles.
namespace Leed.Engine.Analysis;

/// <summary>The mean of the agents' values and the band between two quantiles of them.</summary>
public readonly record struct Spread(double Mean, double Lower, double Upper);

/// <summary>
/// At 100 agents a line per agent is unreadable; the mean with the band that holds the middle 80% of
/// the agents shows where the weights are and how far they disagree. Quantiles interpolate linearly
/// between order statistics (Hyndman and Fan's type 7, the default of numpy and R).
/// </summary>
public static class AgentSpread
{
    public const double LowerQuantile = 0.1, UpperQuantile = 0.9;

    /// <summary>The mean and the 10% and 90% quantiles of the finite values; all NaN when there is none.</summary>
    public static Spread Of(IReadOnlyList<double> values)
    {
        double[] finite = [.. values.Where(double.IsFinite)];
        if (finite.Length == 0) return new Spread(double.NaN, double.NaN, double.NaN);
        Array.Sort(finite);
        return new Spread(finite.Average(), Quantile(finite, LowerQuantile), Quantile(finite, UpperQuantile));
    }

    /// <summary>The <paramref name="q"/> quantile of values sorted ascending (type 7: position q (n - 1), interpolated).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) throw new ArgumentException("A quantile needs at least one value.");
        if (q is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(q), q, "A quantile lies between 0 and 1.");
        double position = q * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
