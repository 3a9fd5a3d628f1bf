// Welch's unequal-variance t-test of two groups of seeds, and the Student t distribution it reads its p-value from.
namespace Leed.Engine.Analysis;

/// <summary>Welch's t-test of group A's mean against group B's.</summary>
/// <param name="Difference">Mean of A minus mean of B.</param>
/// <param name="StandardError"><c>sqrt(s_A^2 / n_A + s_B^2 / n_B)</c>.</param>
/// <param name="T"><see cref="Difference"/> over <see cref="StandardError"/>.</param>
/// <param name="DegreesOfFreedom">Welch-Satterthwaite: <c>(v_A + v_B)^2 / (v_A^2 / (n_A - 1) + v_B^2 / (n_B - 1))</c> with <c>v = s^2 / n</c>.</param>
/// <param name="PValue">Two-sided: the chance of a |T| at least this large if the means were equal.</param>
public readonly record struct WelchResult(int CountA, int CountB, double MeanA, double MeanB, double Difference, double StandardError,
    double T, double DegreesOfFreedom, double PValue);

/// <summary>
/// Welch's t-test: unlike Student's, it does not assume the groups have the same variance, which
/// configurations of an RL method rarely do (a reference policy barely varies, PPO varies a lot).
/// </summary>
public static class WelchTest
{
    /// <summary>
    /// Tests A against B; each needs at least two values. Without any spread in either group the
    /// statistic is undefined: then T is 0 with p = 1 when the means are equal, and +-infinity
    /// with p = 0 when they differ, with <c>n_A + n_B - 2</c> degrees of freedom.
    /// </summary>
    public static WelchResult Compare(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count < 2 || b.Count < 2)
            throw new ArgumentException($"Welch's t-test needs at least two values in each group (got {a.Count} and {b.Count}): a single seed has no spread to test against.");
        double meanA = SeedStatistics.Mean(a), meanB = SeedStatistics.Mean(b), difference = meanA - meanB;
        double varianceA = SeedStatistics.Variance(a) / a.Count, varianceB = SeedStatistics.Variance(b) / b.Count;
        double squaredError = varianceA + varianceB;
        if (squaredError == 0)
        {
            double degenerate = difference == 0 ? 0 : difference > 0 ? double.PositiveInfinity : double.NegativeInfinity;
            return new WelchResult(a.Count, b.Count, meanA, meanB, difference, 0, degenerate, a.Count + b.Count - 2, difference == 0 ? 1 : 0);
        }
        double standardError = Math.Sqrt(squaredError), t = difference / standardError;
        double degreesOfFreedom = squaredError * squaredError
            / (varianceA * varianceA / (a.Count - 1) + varianceB * varianceB / (b.Count - 1));
        return new WelchResult(a.Count, b.Count, meanA, meanB, difference, standardError, t, degreesOfFreedom,
            StudentT.TwoSidedPValue(t, degreesOfFreedom));
    }
}

/// <summary>Student's t distribution with real degrees of freedom (Welch's are rarely whole).</summary>
public static class StudentT
{
    /// <summary><c>P(|T| &gt;= |t|)</c> = <c>I_x(df / 2, 1 / 2)</c> with <c>x = df / (df + t^2)</c>, the regularized incomplete beta function.</summary>
    public static double TwoSidedPValue(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0)) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "Degrees of freedom must be positive.");
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsInfinity(t)) return 0;
        return RegularizedIncompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
    }

    /// <summary><c>P(T &lt;= t)</c>.</summary>
    public static double Cdf(double t, double degreesOfFreedom)
    {
        double tail = TwoSidedPValue(t, degreesOfFreedom) / 2;
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>
    /// <c>I_x(a, b)</c> for a, b &gt; 0 and x in [0, 1], from its continued fraction (evaluated by
    /// Lentz's method), which converges fast for <c>x &lt; (a + 1) / (a + b + 2)</c>; above that the
    /// symmetry <c>I_x(a, b) = 1 - I_(1-x)(b, a)</c> is used. Accurate to about 1e-14.
    /// </summary>
    internal static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        if (x > (a + 1) / (a + b + 2)) return 1 - RegularizedIncompleteBeta(1 - x, b, a);
        double logFront = a * Math.Log(x) + b * Math.Log(1 - x) - (LogGamma(a) + LogGamma(b) - LogGamma(a + b));
        return Math.Exp(logFront) * BetaContinuedFraction(x, a, b) / a;
    }

    private static double BetaContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300, Epsilon = 1e-15;
        static double Guard(double value) => Math.Abs(value) < Tiny ? Tiny : value;
        double c = 1, d = 1 / Guard(1 - (a + b) * x / (a + 1)), fraction = d;
        for (int m = 1; m <= 10_000; m++)
        {
            // Even term m (b - m) x / ((a + 2m - 1)(a + 2m)), then odd term -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
            double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            d = 1 / Guard(1 + even * d);
            c = Guard(1 + even / c);
            fraction *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 / Guard(1 + odd * d);
            c = Guard(1 + odd / c);
            double step = d * c;
            fraction *= step;
            if (Math.Abs(step - 1) < Epsilon) return fraction;
        }
        return fraction; // about sqrt(max(a, b)) terms are needed: 10,000 covers a billion degrees of freedom
    }

    // Lanczos approximation (g = 7, nine terms), accurate to about 1e-15 for x > 0.
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary><c>ln Gamma(x)</c> for x &gt; 0.</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x); // reflection
        x -= 1;
        double sum = Lanczos[0], t = x + 7.5;
        for (int k = 1; k < Lanczos.Length; k++) sum += Lanczos[k] / (x + k);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
