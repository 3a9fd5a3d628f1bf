// TensorBoard-style exponential moving average with debiasing, for smoothing noisy learning curves.
namespace Leed.Components.Charts;

/// <summary>
/// The running state of <see cref="Smoothing.Ema(EmaState, double, double)"/>: the biased average
/// and how many finite values it has seen. Start from <c>default</c>.
/// </summary>
public readonly record struct EmaState(double Biased, int Count);

/// <summary>
/// Exponential moving average as TensorBoard draws it: <c>b_t = w * b_{t-1} + (1 - w) * y_t</c>
/// from <c>b_0 = 0</c>, shown as <c>b_t / (1 - w^t)</c>. The division removes the pull towards
/// zero of the first few points, so a constant series stays constant. Non-finite values pass
/// through unchanged and do not move the average.
/// </summary>
public static class Smoothing
{
    /// <summary>The largest weight accepted; at 1 the average would never move.</summary>
    public const double MaxWeight = 0.99;

    /// <summary>Adds one value; returns the new state and the smoothed value to draw.</summary>
    public static (EmaState State, double Smoothed) Ema(EmaState state, double value, double weight)
    {
        CheckWeight(weight);
        if (!double.IsFinite(value))
            return (state, value);

        var biased = state.Biased * weight + (1 - weight) * value;
        var count = state.Count + 1;
        var debias = 1 - Math.Pow(weight, count);
        // With weight 0 the debias factor is 1 and the value passes through unchanged.
        return (new EmaState(biased, count), biased / debias);
    }

    /// <summary>Smooths a whole series from the start.</summary>
    public static double[] Ema(IReadOnlyList<double> values, double weight)
    {
        var smoothed = new double[values.Count];
        Ema(default, values, weight, smoothed);
        return smoothed;
    }

    /// <summary>
    /// Continues smoothing from <paramref name="state"/>, writing one smoothed value per input into
    /// <paramref name="output"/>; returns the state after the last value, for the next append.
    /// </summary>
    public static EmaState Ema(EmaState state, IReadOnlyList<double> values, double weight, Span<double> output)
    {
        if (output.Length < values.Count)
            throw new ArgumentException($"The output has room for {output.Length} values but {values.Count} were given.", nameof(output));
        for (var i = 0; i < values.Count; i++)
            (state, output[i]) = Ema(state, values[i], weight);
        return state;
    }

    private static void CheckWeight(double weight)
    {
        if (!(weight >= 0 && weight <= MaxWeight))
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"The smoothing weight must be between 0 and {MaxWeight}.");
    }
}
