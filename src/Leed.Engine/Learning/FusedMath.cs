// The optimiser's elementwise passes written on the flat buffers' memory, vectorised: one pass where libtorch took several.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Leed.Engine.Learning;

/// <summary>
/// Why these are not libtorch calls: Adam and the per-member clip are memory-bound (a few
/// operations per element over buffers of the whole model), and libtorch runs them as one call
/// per operation, each a full pass over the buffers. Here each is one pass. Results equal
/// libtorch's up to the order of floating-point sums (the norm) and fused rounding.
/// </summary>
internal static class FusedMath
{
    /// <summary>The sum of the squares of <paramref name="values"/>, accumulated in float lanes and added up in double.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> values)
    {
        var lanes = Vector<float>.Zero;
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        foreach (Vector<float> vector in vectors) lanes += vector * vector;
        double sum = 0;
        for (int lane = 0; lane < Vector<float>.Count; lane++) sum += lanes[lane];
        for (int k = vectors.Length * Vector<float>.Count; k < values.Length; k++) sum += values[k] * values[k];
        return sum;
    }

    /// <summary><c>values *= factor</c>.</summary>
    public static void Scale(Span<float> values, float factor)
    {
        Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        for (int k = 0; k < vectors.Length; k++) vectors[k] *= factor;
        for (int k = vectors.Length * Vector<float>.Count; k < values.Length; k++) values[k] *= factor;
    }

    /// <summary>
    /// Adam's update as PyTorch's non-fused CPU Adam computes it, operation for operation:
    /// <c>m = b1 m + (1 - b1) g</c>; <c>v = b2 v + (1 - b2) g g</c>;
    /// <c>p += stepSize * m / (sqrt(v) * inverseRootCorrection2 + eps)</c>, with
    /// <c>stepSize = -lr / (1 - b1^t)</c> and <c>inverseRootCorrection2 = 1 / sqrt(1 - b2^t)</c>.
    /// </summary>
    public static void AdamStep(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> first, Span<float> second,
        float beta1, float beta2, float stepSize, float inverseRootCorrection2, float epsilon)
    {
        int length = parameters.Length;
        if (gradients.Length != length || first.Length != length || second.Length != length)
            throw new ArgumentException("Adam's buffers differ in length.");
        float oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2;
        Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(parameters), m = MemoryMarshal.Cast<float, Vector<float>>(first),
            v = MemoryMarshal.Cast<float, Vector<float>>(second);
        ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
        var b1 = new Vector<float>(beta1);
        var c1 = new Vector<float>(oneMinusBeta1);
        var b2 = new Vector<float>(beta2);
        var c2 = new Vector<float>(oneMinusBeta2);
        var step = new Vector<float>(stepSize);
        var root = new Vector<float>(inverseRootCorrection2);
        var eps = new Vector<float>(epsilon);
        for (int k = 0; k < p.Length; k++)
        {
            Vector<float> gradient = g[k];
            Vector<float> moment = m[k] * b1 + gradient * c1;
            Vector<float> square = v[k] * b2 + gradient * gradient * c2;
            m[k] = moment;
            v[k] = square;
            p[k] += step * (moment / (Vector.SquareRoot(square) * root + eps));
        }
        for (int k = p.Length * Vector<float>.Count; k < length; k++)
        {
            float gradient = gradients[k];
            float moment = first[k] * beta1 + gradient * oneMinusBeta1;
            float square = second[k] * beta2 + gradient * gradient * oneMinusBeta2;
            first[k] = moment;
            second[k] = square;
            parameters[k] += stepSize * (moment / (MathF.Sqrt(square) * inverseRootCorrection2 + epsilon));
        }
    }
}
