// Generalised advantage estimation per agent, with steps where the agent was not alive left out, and how well the values explained its returns.
namespace Leed.Engine.Learning;

/// <summary>
/// GAE (Schulman et al. 2016) over a rollout of <c>T</c> steps and <c>L</c> independent lanes (one
/// lane per environment x agent). Arrays are <c>[T, L]</c>, row-major by step. A lane's step with
/// <c>done = 1</c> ended that agent's trajectory (it arrived or its episode ended), so nothing is
/// bootstrapped across it. A step where the agent was not alive (it had already arrived and waits
/// for the others) carries no advantage and cuts the recursion, so dead steps never leak into live ones.
/// </summary>
public static class Gae
{
    /// <param name="rewards"><c>[T, L]</c></param>
    /// <param name="values"><c>[T, L]</c> value estimates of the observations the actions were taken in.</param>
    /// <param name="dones"><c>[T, L]</c> 1 where the step ended the lane's trajectory.</param>
    /// <param name="alive"><c>[T, L]</c> 1 where the agent was alive (waiting or driving) when the step began.</param>
    /// <param name="nextValues"><c>[L]</c> value of the observation after the last step (used when it did not end the trajectory).</param>
    /// <param name="advantages"><c>[T, L]</c> written.</param>
    /// <param name="returns"><c>[T, L]</c> written: advantages + values (the value targets); 0 on dead steps.</param>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<byte> dones, ReadOnlySpan<byte> alive,
        ReadOnlySpan<float> nextValues, float gamma, float lambda, Span<float> advantages, Span<float> returns)
    {
        int lanes = nextValues.Length;
        if (lanes == 0) return;
        int steps = rewards.Length / lanes;
        if (rewards.Length != steps * lanes || values.Length != rewards.Length || dones.Length != rewards.Length
            || alive.Length != rewards.Length || advantages.Length != rewards.Length || returns.Length != rewards.Length)
            throw new ArgumentException($"GAE arrays must all be [T, L] with L = {lanes}.");

        for (int lane = 0; lane < lanes; lane++)
        {
            float last = 0f;
            for (int t = steps - 1; t >= 0; t--)
            {
                int k = t * lanes + lane;
                if (alive[k] == 0)
                {
                    advantages[k] = 0f;
                    returns[k] = 0f;
                    last = 0f;
                    continue;
                }
                bool lastStep = t == steps - 1;
                // An alive, unfinished trajectory continues into the next step (the environment guarantees
                // the agent is alive there); the alive check only guards against inconsistent input.
                float nonTerminal = dones[k] != 0 || (!lastStep && alive[k + lanes] == 0) ? 0f : 1f;
                float nextValue = lastStep ? nextValues[lane] : values[k + lanes];
                float delta = rewards[k] + gamma * nextValue * nonTerminal - values[k];
                last = delta + gamma * lambda * nonTerminal * last;
                advantages[k] = last;
                returns[k] = last + values[k];
            }
        }
    }

    /// <summary>
    /// <c>1 - Var(returns - values) / Var(returns)</c> over the live steps (CleanRL's
    /// <c>losses/explained_variance</c>): 1 when the critic predicted the GAE returns exactly, 0 when
    /// it did no better than their mean. NaN with fewer than two live steps or returns without spread.
    /// </summary>
    public static double ExplainedVariance(ReadOnlySpan<float> returns, ReadOnlySpan<float> values, ReadOnlySpan<byte> alive)
    {
        double sum = 0, sumSquares = 0, residualSum = 0, residualSquares = 0;
        long count = 0;
        for (int k = 0; k < alive.Length; k++)
        {
            if (alive[k] == 0) continue;
            double target = returns[k], residual = target - values[k];
            sum += target; sumSquares += target * target;
            residualSum += residual; residualSquares += residual * residual;
            count++;
        }
        if (count < 2) return double.NaN;
        double variance = sumSquares / count - Math.Pow(sum / count, 2);
        double residualVariance = residualSquares / count - Math.Pow(residualSum / count, 2);
        return variance <= 0 ? double.NaN : 1 - residualVariance / variance;
    }
}
