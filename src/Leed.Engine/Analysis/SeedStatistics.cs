// Statistics across the seeds of a run group: mean, standard deviation, Student-t confidence intervals, a common x grid, linear interpolation, threshold crossings.
namespace Leed.Engine.Analysis;

/// <summary>A mean with the bounds of its confidence interval.</summary>
public readonly record struct Interval(double Mean, double Lower, double Upper)
{
    public double HalfWidth => Upper - Mean;
}

/// <summary>What a set of values (one per seed) shows: how many, their mean and sample standard deviation, and the 95% interval of the mean.</summary>
/// <param name="StandardDeviation">The sample standard deviation (divisor n - 1); 0 for a single value, whose spread cannot be measured.</param>
public readonly record struct SeedSummary(int Count, double Mean, double StandardDeviation, Interval Interval95);

/// <summary>
/// A group's mean curve and its 95% confidence band, one value per <see cref="X"/>, from
/// <see cref="Seeds"/> seeds (those with at least one value).
/// </summary>
public sealed record SeedBand(double[] X, double[] Mean, double[] Lower, double[] Upper, int Seeds)
{
    public static readonly SeedBand Empty = new([], [], [], [], 0);
}

/// <summary>
/// How a group of seeds becomes one curve. The band is the two-sided 95% Student-t confidence
/// interval of the mean, <c>mean ± t(0.975, n-1) · s / √n</c> with the sample standard deviation
/// <c>s</c>: with the 3 to 10 seeds RL runs usually have, the normal approximation (1.96) would
/// claim far more certainty than the data holds. One seed gives no spread, so its band collapses
/// to the mean.
/// </summary>
public static class SeedStatistics
{
    // t(0.975, df) for df = 1..30; above 30 the expansion below is within 1e-5 of these tables.
    private static readonly double[] T975 =
    [
        12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
        2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
        2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
    ];

    private const double Z975 = 1.959963984540054;

    /// <summary>The 97.5% quantile of Student's t with <paramref name="degreesOfFreedom"/> degrees of freedom.</summary>
    public static double TCritical95(int degreesOfFreedom)
    {
        if (degreesOfFreedom < 1)
            throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "A t quantile needs at least one degree of freedom.");
        if (degreesOfFreedom <= T975.Length) return T975[degreesOfFreedom - 1];
        // Cornish-Fisher expansion of the t quantile around the normal one (Abramowitz & Stegun 26.7.5).
        double z = Z975, v = degreesOfFreedom, z2 = z * z;
        double g1 = (z2 + 1) * z / 4;
        double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
        double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
        double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
        return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
    }

    /// <summary>The arithmetic mean; at least one value.</summary>
    public static double Mean(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("A mean needs at least one value.", nameof(values));
        double sum = 0;
        foreach (double value in values) sum += value;
        return sum / values.Count;
    }

    /// <summary>The sample variance <c>sum (x - mean)^2 / (n - 1)</c>; 0 for one value.</summary>
    public static double Variance(IReadOnlyList<double> values)
    {
        double mean = Mean(values);
        if (values.Count == 1) return 0;
        double squares = 0;
        foreach (double value in values) squares += (value - mean) * (value - mean);
        return squares / (values.Count - 1);
    }

    /// <summary>The sample standard deviation, the square root of <see cref="Variance"/>; 0 for one value.</summary>
    public static double StandardDeviation(IReadOnlyList<double> values) => Math.Sqrt(Variance(values));

    /// <summary>The mean of <paramref name="values"/> with its 95% Student-t confidence interval.</summary>
    public static Interval MeanInterval(IReadOnlyList<double> values)
    {
        double mean = Mean(values);
        int n = values.Count;
        if (n == 1) return new Interval(mean, mean, mean);
        double half = TCritical95(n - 1) * StandardDeviation(values) / Math.Sqrt(n);
        return new Interval(mean, mean - half, mean + half);
    }

    /// <summary>Count, mean, standard deviation and 95% interval in one go.</summary>
    public static SeedSummary Summarize(IReadOnlyList<double> values) =>
        new(values.Count, Mean(values), StandardDeviation(values), MeanInterval(values));

    /// <summary>
    /// Every x of every series, sorted and without repeats, kept only where all series have data
    /// (from the latest first x to the earliest last x): beyond that a mean would silently be over
    /// fewer seeds, and the band would jump. Empty when some series is empty or they do not overlap.
    /// </summary>
    public static double[] CommonGrid(IReadOnlyList<double[]> xs)
    {
        if (xs.Count == 0 || xs.Any(x => x.Length == 0)) return [];
        double from = xs.Max(x => x[0]), to = xs.Min(x => x[^1]);
        if (from > to) return [];
        return [.. xs.SelectMany(x => x).Where(x => x >= from && x <= to).Distinct().Order()];
    }

    /// <summary>
    /// The piecewise-linear curve through (<paramref name="x"/>, <paramref name="y"/>) read at each
    /// grid point; <paramref name="x"/> must not decrease. Where x repeats, the later point counts.
    /// Outside the series' range the result is NaN: nothing is extrapolated.
    /// </summary>
    public static double[] Interpolate(double[] x, double[] y, IReadOnlyList<double> grid)
    {
        if (x.Length != y.Length) throw new ArgumentException($"The series has {x.Length} x values but {y.Length} y values.");
        var result = new double[grid.Count];
        for (int i = 0; i < grid.Count; i++)
        {
            double g = grid[i];
            int after = UpperBound(x, g); // first index with x > g
            int at = after - 1;           // last index with x <= g
            if (at < 0 || (after == x.Length && x[at] < g)) result[i] = double.NaN;
            else if (x[at] == g) result[i] = y[at];
            else result[i] = y[at] + (y[after] - y[at]) * (g - x[at]) / (x[after] - x[at]);
        }
        return result;
    }

    /// <summary>
    /// The mean and 95% band across <paramref name="seeds"/> on their common grid. Seeds with no
    /// value at all (a run that has not reported yet) are left out rather than emptying the band.
    /// </summary>
    public static SeedBand Band(IReadOnlyList<MetricSeries> seeds)
    {
        MetricSeries[] withData = [.. seeds.Where(seed => seed.Count > 0)];
        if (withData.Length == 1 && OneSeedBand(withData[0]) is { } alone) return alone;
        double[] grid = CommonGrid([.. withData.Select(seed => seed.X)]);
        if (grid.Length == 0) return SeedBand.Empty with { Seeds = withData.Length };
        double[][] values = [.. withData.Select(seed => Interpolate(seed.X, seed.Y, grid))];
        var mean = new double[grid.Length];
        var lower = new double[grid.Length];
        var upper = new double[grid.Length];
        var atPoint = new double[withData.Length];
        for (int i = 0; i < grid.Length; i++)
        {
            for (int s = 0; s < withData.Length; s++) atPoint[s] = values[s][i];
            (mean[i], lower[i], upper[i]) = MeanInterval(atPoint);
        }
        return new SeedBand(grid, mean, lower, upper, withData.Length);
    }

    /// <summary>
    /// <see cref="Band"/> of one seed whose x never decreases (every run's series), in one pass: its
    /// grid is its own x without repeats, read where x repeats at the later point, and a mean of one
    /// value is its own band. The general path sorts and searches, which a Compare of 20 single runs
    /// of 10,000 iterations paid for 20 lines it draws as they are. Null when x decreases somewhere.
    /// </summary>
    private static SeedBand? OneSeedBand(MetricSeries seed)
    {
        double[] x = seed.X, y = seed.Y;
        if (x.Length != y.Length) throw new ArgumentException($"The series has {x.Length} x values but {y.Length} y values.");
        int distinct = 1;
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i] < x[i - 1]) return null;
            if (x[i] != x[i - 1]) distinct++;
        }
        var grid = new double[distinct];
        var mean = new double[distinct];
        int at = -1;
        for (int i = 0; i < x.Length; i++)
        {
            if (at < 0 || x[i] != grid[at]) grid[++at] = x[i];
            mean[at] = y[i];
        }
        return new SeedBand(grid, mean, (double[])mean.Clone(), (double[])mean.Clone(), 1);
    }

    /// <summary>Iterations in the trailing mean that smooths a seed's curve before steps to threshold are read (studies and the learning benchmark).</summary>
    public const int ThresholdWindow = 5;

    /// <summary>
    /// Each value replaced by the mean of it and the up to <paramref name="window"/> - 1 values before
    /// it (fewer at the start): a smoothing that never looks ahead, so a curve cannot "reach" a
    /// threshold earlier than its own data did.
    /// </summary>
    public static double[] TrailingMean(IReadOnlyList<double> values, int window = ThresholdWindow)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "A trailing mean needs a window of at least 1.");
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }

    /// <summary>The first x at which <paramref name="y"/> reaches <paramref name="threshold"/>, or null if it never does.</summary>
    public static double? FirstCrossing(IReadOnlyList<double> x, IReadOnlyList<double> y, double threshold)
    {
        for (int i = 0; i < x.Count; i++)
            if (y[i] >= threshold) return x[i];
        return null;
    }

    private static int UpperBound(double[] x, double value)
    {
        int lo = 0, hi = x.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (x[mid] <= value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
