// What each agent's own critic says of its own demonstration's actions: the evidence the Q-filter and the DAPG-style weight read.
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// The critic's one-step advantages of every agent's usable demonstration steps, which the
/// critic-driven schedules (<see cref="QFilterWeight"/>, <see cref="DapgWeight"/>) read; the
/// Q-filter's passing steps go to <see cref="PreparedDemonstrations.StepIndex"/>. Every tensor is
/// <c>[N, ...]</c> and row i only ever meets agent i's own networks and data.
/// </summary>
internal static class ExpertBatches
{
    /// <summary>
    /// <c>[N, K]</c> per usable demonstration step, agent i's own critic's advantage of the
    /// demonstrated action: <c>r * rewardScale + gamma * continues * V_i(o') - V_i(o)</c>; 0 on padding.
    /// No gradient (it decides weights, it is not trained).
    /// </summary>
    public static Tensor Advantages(AgentNetworks networks, PreparedDemonstrations demos, double gamma, double rewardScale)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor values = networks.Values(demos.Observations);                                                           // [N, K]
        Tensor next = networks.Values(demos.NextObservations);                                                          // [N, K]
        Tensor advantages = demos.Rewards.mul(rewardScale).add(next.mul(demos.Continues).mul(gamma)).sub(values).mul(demos.StepMask);
        return advantages.MoveToOuterDisposeScope();
    }

    /// <summary><c>[N, K]</c> 1 on the usable steps whose advantage is at least 0 (the Q-filter's passing steps).</summary>
    public static Tensor Passing(Tensor advantages, PreparedDemonstrations demos) =>
        advantages.ge(0).to(ScalarType.Float32).mul(demos.StepMask);

    /// <summary>Per agent, the summary the schedules read; null for agents without a usable demonstration.</summary>
    public static DemoJudgement?[] Judge(Tensor advantages, PreparedDemonstrations demos)
    {
        float[] values = advantages.contiguous().data<float>().ToArray();
        int steps = (int)advantages.shape[1];
        var judged = new DemoJudgement?[demos.Agents];
        for (int i = 0; i < demos.Agents; i++)
        {
            if (!demos.Usable[i]) continue;
            int count = demos.StepCounts[i];
            double sum = 0, absolute = 0;
            int passed = 0;
            for (int k = 0; k < count; k++)
            {
                float a = values[i * steps + k];
                sum += a;
                absolute += Math.Abs(a);
                if (a >= 0) passed++;
            }
            judged[i] = new DemoJudgement(sum / count, absolute / count, (double)passed / count);
        }
        return judged;
    }
}
