// Expert weights from the agent's own critic: the Q-filter and a DAPG-style decaying, advantage-scaled weight.
namespace Leed.Engine.Learning;

/// <summary>
/// Advantage-filtered imitation (the Q-filter of demonstration-augmented RL, with a state-value
/// critic): agent i imitates a demonstration step only where its own critic rates the
/// demonstrated action at least as good as its policy,
/// <code>
/// A_t  = r_t + gamma * V_i(o_t+1) - V_i(o_t)     (Q_i(o_t, a_E,t) - V_i(o_t): the expert's action now, the policy after)
/// L_E,i = -mean log pi_i(a_E | o_E)  over a batch drawn only from the steps with A_t &gt;= 0
/// w_i   = W * share of agent i's demonstration steps with A_t &gt;= 0
/// </code>
/// Drawing from the passing steps and scaling by their share equals, in expectation, the
/// Q-filter's indicator-weighted loss <c>-mean 1[A_t &gt;= 0] log pi</c> over all steps, with less
/// noise. Why: a detour's or a wait's steps have negative advantage once the critic knows the way
/// (they lead away from the destination or lose time), so only the bad part of a bad
/// demonstration stops being imitated, from the first iteration the critic can tell, while the
/// good steps are kept. The logged <c>agents/weight</c> is the effective <c>w_i</c>.
/// </summary>
public sealed record QFilterWeight(float Weight = 1f) : IWeightSchedule
{
    public string Spec => FormattableString.Invariant($"qfilter:{Weight}");
    public float Initial => Weight;
    public bool ReadsCritic => true;
    public bool FiltersDemoSteps => true;

    public void Update(WeightInputs inputs, Span<float> weights)
    {
        for (int i = 0; i < weights.Length; i++)
            weights[i] = inputs.Critic[i] is { } judged ? (float)(Weight * judged.PassShare) : 0f;
    }
}

/// <summary>
/// A DAPG-style weight (demo augmented policy gradient): geometric decay per iteration, scaled per
/// agent by how good its own critic finds the demonstrated actions,
/// <code>
/// w_i,k = W0 * DECAY^(k-1) * clip( max(0, mean_t A_t) / mean_t |A_t| , 0, CAP)      (k: iteration from 1; 0 when mean |A_t| = 0)
/// </code>
/// with <c>A_t</c> the one-step advantage of the demonstrated action as in <see cref="QFilterWeight"/>.
/// Why: DAPG weighs the demonstration term by <c>lambda0 * lambda1^k</c> times an advantage so that
/// it fades as the policy improves and stays commensurate with the policy gradient. Our PPO
/// normalises each agent's advantages, so the commensurate scale is a factor in [0, 1]: the net
/// share of the advantage mass of the demonstrated actions that is positive (1 when every
/// demonstrated action beats the policy, 0 when on balance they do not). A demonstration the
/// critic finds no better than the policy is let go at once; a good one fades geometrically.
/// </summary>
public sealed record DapgWeight(float Start = 1f, double Decay = 0.97, double Cap = 1) : IWeightSchedule
{
    public string Spec => FormattableString.Invariant($"dapg:{Start}:{Decay}:{Cap}");
    public float Initial => Start;
    public bool ReadsCritic => true;

    public static double Scale(DemoJudgement judged, double cap) =>
        judged.MeanAbsoluteAdvantage > 0 ? Math.Clamp(Math.Max(0, judged.MeanAdvantage) / judged.MeanAbsoluteAdvantage, 0, cap) : 0;

    public static double At(int iteration, float start, double decay) => start * Math.Pow(decay, Math.Max(0, iteration - 1));

    public void Update(WeightInputs inputs, Span<float> weights)
    {
        double decayed = At(inputs.Iteration, Start, Decay);
        for (int i = 0; i < weights.Length; i++)
            weights[i] = inputs.Critic[i] is { } judged ? (float)(decayed * Scale(judged, Cap)) : 0f;
    }
}
