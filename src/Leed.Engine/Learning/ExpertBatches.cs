// LEED's expert loss per agent: batches of the agent's own demonstration steps, and what its own critic says of them.
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// The expert term <c>L_E,i = -mean log pi_i(a_e | o_e)</c> over a batch of agent i's own
/// demonstration steps, and the critic's one-step advantages of those steps that the
/// critic-driven schedules (<see cref="QFilterWeight"/>, <see cref="DapgWeight"/>) read. Every
/// tensor is <c>[N, ...]</c> and row i only ever meets agent i's own networks and data.
/// </summary>
internal static class ExpertBatches
{
    /// <summary>
    /// <c>[N, rows]</c> step indices per agent: uniform over its usable steps, or, with
    /// <paramref name="passing"/> (<c>[N, K]</c>, 1 on the steps that may be drawn), uniform over
    /// those (agents with none draw step 0; their weight is 0).
    /// </summary>
    public static Tensor Indices(PreparedDemonstrations demos, int rows, Generator generator, Tensor? passing)
    {
        if (passing is null)
            return rand(demos.Agents, rows, generator: generator).mul(demos.SamplingCounts).floor().to(ScalarType.Int64);
        using var scope = NewDisposeScope();
        Tensor none = passing.sum(1, keepdim: true).eq(0).to(ScalarType.Float32);                          // [N, 1]
        Tensor probabilities = passing.clone();
        probabilities.narrow(1, 0, 1).add_(none);
        return multinomial(probabilities, rows, true, generator).MoveToOuterDisposeScope();
    }

    /// <summary><c>[N]</c>: each agent's <c>-mean log pi_i(a_e | o_e)</c> over its steps at <paramref name="index"/> (<c>[N, rows]</c>).</summary>
    public static Tensor Loss(AgentNetworks networks, PreparedDemonstrations demos, Tensor index)
    {
        long agents = index.shape[0], rows = index.shape[1], size = demos.Observations.shape[2];
        Tensor observations = demos.Observations.gather(1, index.unsqueeze(-1).expand(agents, rows, size));            // [N, Be, O]
        Tensor actions = demos.Actions.gather(1, index);                                                               // [N, Be]
        Tensor logProbs = networks.Logits(observations).log_softmax(-1);                                                // [N, Be, A]
        return logProbs.gather(-1, actions.unsqueeze(-1)).squeeze(-1).mean([1]).neg();                                 // [N]
    }

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
