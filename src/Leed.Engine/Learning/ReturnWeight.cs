// An expert weight driven only by the agent's return against its own demonstration's return.
namespace Leed.Engine.Learning;

/// <summary>
/// The dynamic weight without its distance factor: hold an agent to its demonstration while it
/// earns less than the demonstration did, free it once it earns more.
/// <code>
/// target_i = floor + (max - floor) * sigmoid(k * (R_E,i - R_i) / max(|R_E,i|, S))
/// w_i     &lt;- w_i + beta * (target_i - w_i)        (only after a rollout in which agent i finished an episode)
/// </code>
/// Why: the DTW factor of <see cref="DynamicWeight"/> releases an agent as soon as it drives the
/// demonstrated route, even if the demonstration is a detour or a wait; then a bad demonstration is
/// imitated to the end. The return alone says whether the demonstration is still worth imitating:
/// an agent with a bad demonstration (a detour, a long wait) soon earns more than it and is
/// freed; one with a good demonstration stays below or at it and is held (0.5 of the range at
/// equal returns). Same symbols and defaults as the dynamic weight; agents start at <c>max</c>.
/// </summary>
public sealed record ReturnWeight(float Max = 1f, float Floor = 0.05f, double Sharpness = 5.0, double Smoothing = 0.3, double ReturnScaleFloor = 10.0)
    : IWeightSchedule
{
    public string Spec => FormattableString.Invariant($"return:{Max}:{Floor}:{Sharpness}:{Smoothing}:{ReturnScaleFloor}");
    public float Initial => Max;

    /// <summary>The unsmoothed weight for one agent's evidence.</summary>
    public static double Target(AgentEvidence evidence, float max, float floor, double sharpness, double returnScaleFloor) =>
        floor + (max - floor) * DynamicWeight.WorseThanExpert(evidence, sharpness, returnScaleFloor);

    public void Update(WeightInputs inputs, Span<float> weights)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            if (inputs.Evidence[i] is not { } seen) continue;
            weights[i] = DynamicWeight.Smooth(weights[i], Target(seen, Max, Floor, Sharpness, ReturnScaleFloor), Smoothing);
        }
    }
}
