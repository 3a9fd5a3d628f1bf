// Fewer points for display: largest-triangle-three-buckets for lines, bucket means for heatmap columns. Exports never use these.
namespace Leed.Components.Charts;

/// <summary>
/// A chart a thousand pixels wide cannot show 10,000 points per line, and drawing them makes a long
/// run's page slow. These pick what to draw; the stored series and every export keep all points.
/// </summary>
public static class Downsampling
{
    /// <summary>Points per line the charts draw at most: about one per pixel of a wide chart.</summary>
    public const int DefaultMaxPoints = 1500;

    /// <summary>
    /// Largest-triangle-three-buckets (Steinarsson, 2013): the indices, ascending, of at most
    /// <paramref name="threshold"/> points that keep a line's shape. The first and the last point are
    /// always kept; the points between are split into <c>threshold - 2</c> equal buckets, and from each
    /// bucket the point that forms the largest triangle with the point kept before it and the mean of
    /// the next bucket is kept. With <paramref name="threshold"/> at least the number of points, every
    /// index is returned.
    /// </summary>
    public static int[] LargestTriangleThreeBuckets(IReadOnlyList<double> x, IReadOnlyList<double> y, int threshold)
    {
        if (x.Count != y.Count) throw new ArgumentException($"x has {x.Count} values and y {y.Count}: they must pair up.");
        int count = x.Count;
        if (threshold < 3) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Keep at least 3 points (the first, the last and one between).");
        if (threshold >= count) return [.. Enumerable.Range(0, count)];

        var kept = new int[threshold];
        double every = (double)(count - 2) / (threshold - 2);
        int previous = 0;
        kept[0] = 0;
        for (int bucket = 0; bucket < threshold - 2; bucket++)
        {
            // The mean of the next bucket (the last point, for the last bucket) is the triangle's third corner.
            int nextStart = (int)Math.Floor((bucket + 1) * every) + 1, nextEnd = Math.Min((int)Math.Floor((bucket + 2) * every) + 1, count);
            double meanX = 0, meanY = 0;
            for (int i = nextStart; i < nextEnd; i++)
            {
                meanX += x[i];
                meanY += y[i];
            }
            int nextCount = Math.Max(1, nextEnd - nextStart);
            meanX /= nextCount;
            meanY /= nextCount;

            int start = (int)Math.Floor(bucket * every) + 1, end = (int)Math.Floor((bucket + 1) * every) + 1;
            double ax = x[previous], ay = y[previous], largest = -1;
            int chosen = start;
            for (int i = start; i < end; i++)
            {
                double area = Math.Abs((ax - meanX) * (y[i] - ay) - (ax - x[i]) * (meanY - ay));
                if (area > largest)
                {
                    largest = area;
                    chosen = i;
                }
            }
            kept[bucket + 1] = previous = chosen;
        }
        kept[^1] = count - 1;
        return kept;
    }

    /// <summary>The values at <paramref name="indices"/>, in that order.</summary>
    public static double[] Pick(IReadOnlyList<double> values, int[] indices)
    {
        var picked = new double[indices.Length];
        for (int i = 0; i < indices.Length; i++) picked[i] = values[indices[i]];
        return picked;
    }

    /// <summary>
    /// Splits <paramref name="values"/> into <paramref name="buckets"/> runs of (nearly) equal length, in
    /// order, and returns each run's mean; NaN values are left out, and a run of only NaN gives NaN.
    /// With fewer values than buckets, the values themselves.
    /// </summary>
    public static double[] BucketMeans(IReadOnlyList<double> values, int buckets)
    {
        if (buckets < 1) throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "At least one bucket.");
        int count = values.Count;
        if (count <= buckets) return [.. values];
        var means = new double[buckets];
        for (int bucket = 0; bucket < buckets; bucket++)
        {
            int start = (int)((long)bucket * count / buckets), end = (int)((long)(bucket + 1) * count / buckets);
            double sum = 0;
            int counted = 0;
            for (int i = start; i < end; i++)
            {
                if (double.IsNaN(values[i])) continue;
                sum += values[i];
                counted++;
            }
            means[bucket] = counted == 0 ? double.NaN : sum / counted;
        }
        return means;
    }
}
