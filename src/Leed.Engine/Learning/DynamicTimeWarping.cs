// Dynamic time warping between two cell paths, the similarity behind LEED's dynamic expert weight.
namespace Leed.Engine.Learning;

/// <summary>
/// Classic DTW (Sakoe and Chiba 1978) between two sequences of grid cells, with the Manhattan
/// distance between cells as the local cost. It aligns the sequences monotonically, allowing either
/// to dwell (a vehicle that waits or is blocked repeats its cell), so two trips along the same
/// streets at different speeds are at distance 0.
/// </summary>
public static class DynamicTimeWarping
{
    /// <summary>
    /// The minimum, over monotone alignments that pair both first and both last cells, of the summed
    /// Manhattan distances of the aligned pairs. 0 when both paths are empty; +infinity when exactly one is.
    /// </summary>
    public static double Distance(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int width)
    {
        if (width < 1) throw new ArgumentException($"Width must be positive, got {width}.");
        if (a.Length == 0 || b.Length == 0) return a.Length == b.Length ? 0 : double.PositiveInfinity;
        // Two rows of the cumulative-cost table: O(|b|) memory.
        double[] previous = new double[b.Length], current = new double[b.Length];
        for (int i = 0; i < a.Length; i++)
        {
            int ax = a[i] % width, ay = a[i] / width;
            for (int j = 0; j < b.Length; j++)
            {
                double cost = Math.Abs(ax - b[j] % width) + Math.Abs(ay - b[j] / width);
                double best;
                if (i == 0 && j == 0) best = 0;
                else if (i == 0) best = current[j - 1];
                else if (j == 0) best = previous[j];
                else best = Math.Min(previous[j - 1], Math.Min(previous[j], current[j - 1]));
                current[j] = cost + best;
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length - 1];
    }

    /// <summary>
    /// <see cref="Distance"/> divided by <c>|a| + |b|</c>: a length-independent mismatch in cells
    /// (roughly the mean distance between aligned cells; an alignment has between max(|a|,|b|) and
    /// |a| + |b| - 1 pairs). 0 for the same route; about a quarter of the trip length for a vehicle
    /// that never leaves its origin.
    /// </summary>
    public static double Normalised(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int width)
    {
        double distance = Distance(a, b, width);
        return distance == 0 ? 0 : distance / (a.Length + b.Length);
    }
}
