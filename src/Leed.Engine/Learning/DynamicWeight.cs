// LEED's dynamic expert weight: per agent, from its DTW distance to its demonstration and its return against the demonstration's.
namespace Leed.Engine.Learning;

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
    /// <summary><c>dynamic:MAX:FLOOR:D:K:BETA</c>, with <c>:A:S</c> only when they differ from 1 and 10 (so older specs read back unchanged).</summary>
    public string Spec => Exponent == 1.0 && ReturnScaleFloor == 10.0
        ? FormattableString.Invariant($"dynamic:{Max}:{Floor}:{DtwScale}:{Sharpness}:{Smoothing}")
        : FormattableString.Invariant($"dynamic:{Max}:{Floor}:{DtwScale}:{Sharpness}:{Smoothing}:{Exponent}:{ReturnScaleFloor}");
    public float Initial => Max;

    /// <summary>The unsmoothed weight for one agent's evidence (the formula above without the EMA).</summary>
    public static double Target(AgentEvidence evidence, float max, float floor, double dtwScale, double exponent, double sharpness, double returnScaleFloor)
    {
        double distance = double.IsNaN(evidence.Dtw) ? 1 : Math.Clamp(evidence.Dtw / dtwScale, 0, 1);
        return floor + (max - floor) * Math.Pow(distance, exponent) * WorseThanExpert(evidence, sharpness, returnScaleFloor);
    }

    /// <summary><c>sigmoid(k * (R_E - R) / max(|R_E|, S))</c>: near 1 well below the demonstration's return, 0.5 at it, near 0 well above it.</summary>
    public static double WorseThanExpert(AgentEvidence evidence, double sharpness, double returnScaleFloor)
    {
        double scale = Math.Max(Math.Abs(evidence.ExpertReturn), returnScaleFloor);
        return Sigmoid(sharpness * (evidence.ExpertReturn - evidence.Return) / scale);
    }

    /// <summary>One EMA step from <paramref name="previous"/> towards <paramref name="target"/>.</summary>
    public static float Smooth(float previous, double target, double rate) => (float)(previous + rate * (target - previous));

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public void Update(WeightInputs inputs, Span<float> weights)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            if (inputs.Evidence[i] is not { } seen) continue;
            weights[i] = Smooth(weights[i], Target(seen, Max, Floor, DtwScale, Exponent, Sharpness, ReturnScaleFloor), Smoothing);
        }
    }
}
