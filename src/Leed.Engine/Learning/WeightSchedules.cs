// Per-agent weights of LEED's expert loss: fixed, decaying over training, or dynamic from similarity and return.
using System.Globalization;

namespace Leed.Engine.Learning;

/// <summary>What one agent's finished episodes of the last rollout showed, compared with its demonstration.</summary>
/// <param name="Dtw">Normalised DTW distance (cells) between the agent's path and its demonstration's path.</param>
/// <param name="Return">The agent's episode return (unscaled environment reward).</param>
/// <param name="ExpertReturn">The demonstration's return for this agent.</param>
public readonly record struct AgentEvidence(double Dtw, double Return, double ExpertReturn);

/// <summary>
/// Decides <c>w_i</c> in <c>L_PPO,i + w_i * L_E,i</c> for every agent after each rollout. The
/// trainer owns the weights array (it is saved in checkpoints) and zeroes agents without a valid
/// demonstration after every update.
/// </summary>
public interface IWeightSchedule
{
    /// <summary>The canonical text of this schedule; <see cref="WeightSchedules.Parse"/> reads it back.</summary>
    string Spec { get; }

    /// <summary>Every agent's weight before the first rollout.</summary>
    float Initial { get; }

    /// <param name="progress">Share of the planned iterations completed, in [0, 1].</param>
    /// <param name="evidence">Per agent; null when the agent finished no episode in this rollout or has no demonstration.</param>
    /// <param name="weights">Per agent: the current weights in, the new weights out.</param>
    void Update(double progress, ReadOnlySpan<AgentEvidence?> evidence, Span<float> weights);
}

/// <summary><c>w_i = w</c> for every agent, always.</summary>
public sealed record FixedWeight(float Weight) : IWeightSchedule
{
    public string Spec => FormattableString.Invariant($"fixed:{Weight}");
    public float Initial => Weight;
    public void Update(double progress, ReadOnlySpan<AgentEvidence?> evidence, Span<float> weights) => weights.Fill(Weight);
}

/// <summary>
/// <c>w(p) = floor + (start - floor) * (1 - p)</c>: a linear decay from <c>start</c> at the first
/// iteration to <c>floor</c> at the last planned one, the same for every agent.
/// </summary>
public sealed record DecayWeight(float Start = 1f, float Floor = 0.05f) : IWeightSchedule
{
    public string Spec => FormattableString.Invariant($"decay:{Start}:{Floor}");
    public float Initial => Start;

    public static float At(double progress, float start, float floor) =>
        (float)(floor + (start - floor) * (1 - Math.Clamp(progress, 0, 1)));

    public void Update(double progress, ReadOnlySpan<AgentEvidence?> evidence, Span<float> weights) =>
        weights.Fill(At(progress, Start, Floor));
}

/// <summary>
/// The dynamic weight: lean on the expert while the agent is far from its demonstration and worse
/// than it; let go as it matches or surpasses it.
/// <code>
/// target_i = floor + (max - floor) * clip(d_i / D, 0, 1)^a * sigmoid(k * (R_E,i - R_i) / max(|R_E,i|, S))
/// w_i     &lt;- w_i + beta * (target_i - w_i)        (only after a rollout in which agent i finished an episode)
/// </code>
/// <c>d_i</c>: normalised DTW (cells) between the agent's last path and its demonstration's path;
/// <c>D</c>: the mismatch that counts as fully off-route; <c>R_i</c>, <c>R_E,i</c>: the agent's and
/// the demonstration's episode returns; <c>S</c>: a floor on the return scale so a demonstration
/// with a return near 0 does not turn the sigmoid into a step; <c>beta</c>: EMA rate that smooths
/// the noise of single episodes. Both factors must be high for a high weight: an agent on the
/// expert's route (d = 0) or beating its return is left to PPO, whatever the other factor says.
/// Agents start at <c>max</c> (before any episode they are as far from the expert as can be).
/// </summary>
public sealed record DynamicWeight(
    float Max = 1f, float Floor = 0.05f, double DtwScale = 2.0, double Exponent = 1.0,
    double Sharpness = 5.0, double ReturnScaleFloor = 10.0, double Smoothing = 0.3) : IWeightSchedule
{
    public string Spec => FormattableString.Invariant($"dynamic:{Max}:{Floor}:{DtwScale}:{Sharpness}:{Smoothing}");
    public float Initial => Max;

    /// <summary>The unsmoothed weight for one agent's evidence (the formula above without the EMA).</summary>
    public static double Target(AgentEvidence evidence, float max, float floor, double dtwScale, double exponent, double sharpness, double returnScaleFloor)
    {
        double distance = double.IsNaN(evidence.Dtw) ? 1 : Math.Clamp(evidence.Dtw / dtwScale, 0, 1);
        double scale = Math.Max(Math.Abs(evidence.ExpertReturn), returnScaleFloor);
        double worse = Sigmoid(sharpness * (evidence.ExpertReturn - evidence.Return) / scale);
        return floor + (max - floor) * Math.Pow(distance, exponent) * worse;
    }

    /// <summary>One EMA step from <paramref name="previous"/> towards <paramref name="target"/>.</summary>
    public static float Smooth(float previous, double target, double rate) => (float)(previous + rate * (target - previous));

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public void Update(double progress, ReadOnlySpan<AgentEvidence?> evidence, Span<float> weights)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            if (evidence[i] is not { } seen) continue;
            weights[i] = Smooth(weights[i], Target(seen, Max, Floor, DtwScale, Exponent, Sharpness, ReturnScaleFloor), Smoothing);
        }
    }
}

/// <summary>Reads weight schedules from text: <c>fixed:W</c>, <c>decay[:START[:FLOOR]]</c>, <c>dynamic[:MAX[:FLOOR[:D[:K[:BETA]]]]]</c>.</summary>
public static class WeightSchedules
{
    public const string Help = "fixed:W | decay[:START[:FLOOR]] (default decay:1:0.05) | dynamic[:MAX[:FLOOR[:D[:K[:BETA]]]]] (default dynamic:1:0.05:2:5:0.3)";

    /// <summary>The schedule LEED uses when none is given.</summary>
    public static IWeightSchedule Default => new DynamicWeight();

    public static IWeightSchedule Parse(string spec)
    {
        string[] parts = spec.Trim().Split(':');
        double[] numbers = new double[parts.Length - 1];
        for (int k = 1; k < parts.Length; k++)
        {
            if (!double.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[k - 1]) || !double.IsFinite(numbers[k - 1]) || numbers[k - 1] < 0)
                throw new FormatException($"Weight schedule '{spec}': '{parts[k]}' is not a non-negative number. Expected {Help}.");
        }
        double Arg(int index, double fallback) => index < numbers.Length ? numbers[index] : fallback;
        IWeightSchedule schedule = parts[0].ToLowerInvariant() switch
        {
            "fixed" when numbers.Length == 1 => new FixedWeight((float)numbers[0]),
            "fixed" => throw new FormatException($"Weight schedule '{spec}': fixed needs exactly one weight, e.g. fixed:0.5."),
            "decay" when numbers.Length <= 2 => new DecayWeight((float)Arg(0, 1), (float)Arg(1, 0.05)),
            "dynamic" when numbers.Length <= 5 => new DynamicWeight((float)Arg(0, 1), (float)Arg(1, 0.05), Arg(2, 2), Sharpness: Arg(3, 5), Smoothing: Arg(4, 0.3)),
            _ => throw new FormatException($"Unknown weight schedule '{spec}'. Expected {Help}."),
        };
        if (schedule is DecayWeight decay && decay.Floor > decay.Start)
            throw new FormatException($"Weight schedule '{spec}': the floor ({decay.Floor}) is above the start ({decay.Start}).");
        if (schedule is DynamicWeight dynamic && (dynamic.Floor > dynamic.Max || dynamic.DtwScale <= 0 || dynamic.Smoothing is <= 0 or > 1))
            throw new FormatException($"Weight schedule '{spec}': needs FLOOR <= MAX, D > 0 and 0 < BETA <= 1.");
        return schedule;
    }
}
