// GAE against hand-computed recursions, including arrivals and the steps after them.
using Leed.Engine.Learning;

namespace Leed.Engine.Tests.Learning;

public sealed class GaeTests
{
    private static (float[] Advantages, float[] Returns) Run(float[] rewards, float[] values, byte[] dones, byte[] alive, float[] next, float gamma, float lambda)
    {
        var advantages = new float[rewards.Length];
        var returns = new float[rewards.Length];
        Gae.Compute(rewards, values, dones, alive, next, gamma, lambda, advantages, returns);
        return (advantages, returns);
    }

    [Fact]
    public void Gae_WithoutDones_BootstrapsFromTheNextValue()
    {
        // gamma = lambda = 0.5, r = 1, V = 0.5 everywhere: delta = 1 + 0.25 - 0.5 = 0.75 at every step,
        // A2 = 0.75, A1 = 0.75 + 0.25 * 0.75 = 0.9375, A0 = 0.75 + 0.25 * 0.9375 = 0.984375.
        (float[] advantages, float[] returns) = Run([1, 1, 1], [0.5f, 0.5f, 0.5f], [0, 0, 0], [1, 1, 1], [0.5f], 0.5f, 0.5f);

        Assert.Equal([0.984375f, 0.9375f, 0.75f], advantages);
        Assert.Equal([1.484375f, 1.4375f, 1.25f], returns);
    }

    [Fact]
    public void Gae_DoneStep_DoesNotBootstrapAcrossIt()
    {
        // Done at t = 1: delta1 = 1 - 0.5 = 0.5 and A1 = 0.5; A0 = 0.75 + 0.25 * 0.5 = 0.875; t = 2 starts afresh.
        (float[] advantages, _) = Run([1, 1, 1], [0.5f, 0.5f, 0.5f], [0, 1, 0], [1, 1, 1], [0.5f], 0.5f, 0.5f);

        Assert.Equal([0.875f, 0.5f, 0.75f], advantages);
    }

    [Fact]
    public void Gae_StepsAfterArrival_CarryNoAdvantageAndNoReturn()
    {
        // The agent arrives at t = 1 and is not alive at t = 2 (its reward and value there are ignored).
        (float[] advantages, float[] returns) = Run([1, 1, 5], [0.5f, 0.5f, 9f], [0, 1, 0], [1, 1, 0], [7f], 0.5f, 0.5f);

        Assert.Equal([0.875f, 0.5f, 0f], advantages);
        Assert.Equal([1.375f, 1f, 0f], returns);
    }

    [Fact]
    public void Gae_WithGammaAndLambdaOne_GivesReturnsToGoMinusValues()
    {
        (float[] advantages, float[] returns) = Run([1, 2, 3], [1, 1, 1], [0, 0, 1], [1, 1, 1], [100f], 1f, 1f);

        Assert.Equal([5f, 4f, 2f], advantages);
        Assert.Equal([6f, 5f, 3f], returns);
    }

    [Fact]
    public void Gae_Lanes_AreComputedIndependently()
    {
        // Two lanes interleaved [T, L]: lane 0 is the first case above, lane 1 has reward 0 and V = 0.
        (float[] advantages, _) = Run([1, 0, 1, 0, 1, 0], [0.5f, 0, 0.5f, 0, 0.5f, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1], [0.5f, 0f], 0.5f, 0.5f);

        Assert.Equal([0.984375f, 0f, 0.9375f, 0f, 0.75f, 0f], advantages);
    }

    [Fact]
    public void Gae_MismatchedArrays_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => Run([1, 1, 1], [0.5f, 0.5f], [0, 0, 0], [1, 1, 1], [0f], 0.9f, 0.9f));
    }

    [Fact]
    public void ExplainedVariance_IsOneForPerfectValues_ZeroForTheMean_AndIgnoresDeadSteps()
    {
        byte[] alive = [1, 1, 1, 1, 0];
        float[] returns = [1, 2, 3, 4, 100]; // the dead step's 100 must not count

        Assert.Equal(1, Gae.ExplainedVariance(returns, [1, 2, 3, 4, 0], alive), 12);
        Assert.Equal(0, Gae.ExplainedVariance(returns, [2.5f, 2.5f, 2.5f, 2.5f, 0], alive), 12);
        // Residuals 1, 0, 0, -1: variance 0.5 against the returns' 1.25, so 1 - 0.5 / 1.25 = 0.6.
        Assert.Equal(0.6, Gae.ExplainedVariance(returns, [0, 2, 3, 5, 0], alive), 12);
        Assert.True(double.IsNaN(Gae.ExplainedVariance([1, 1], [0, 0], [1, 1])), "returns without spread explain nothing");
        Assert.True(double.IsNaN(Gae.ExplainedVariance([1, 2], [0, 0], [1, 0])), "one live step has no variance");
    }
}
