// The PPO loss's gradients written out by hand equal libtorch's autograd over the same loss written as tensor calls.
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using TorchSharp;
using static TorchSharp.torch;

namespace Leed.Engine.Tests.Learning;

/// <summary>
/// The reference is the loss as CleanRL writes it (and as the trainer computed it before
/// <see cref="PpoLoss"/>): masked means per agent over live rows, per-agent advantage
/// normalisation, the clipped surrogate, the clipped value loss and the entropy bonus, with
/// autograd taking the gradient with respect to the logits and values. The minibatch has dead
/// rows, masked actions, ratios inside and outside the clip range (and on its bounds) and value
/// changes inside and outside the value clip.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PpoLossTests
{
    private const int Agents = 3, Rows = 40, Actions = Directions.ActionCount;

    /// <summary>The options on and off; 37 rows is no whole number of vectors, so the last rows are padded.</summary>
    public static TheoryData<bool, bool, int> Options => new()
    {
        { true, true, Rows }, { true, false, Rows }, { false, true, Rows }, { false, false, Rows }, { true, true, 37 },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void Gradients_EqualAutogradOverTheLossAsTensorCalls(bool normalizeAdvantages, bool clipValueLoss, int rows)
    {
        using var scope = NewDisposeScope();
        var hp = new Hyperparameters { NormalizeAdvantages = normalizeAdvantages, ClipValueLoss = clipValueLoss };
        (Tensor logits, Tensor values, Minibatch mb) = Sample(seed: 5, rows);

        var sums = new double[PpoLoss.Sum.Count];
        (Tensor logitGradient, Tensor valueGradient) = new PpoLoss(hp).Gradients(logits, values, mb, sums);

        Tensor referenceLogits = logits.detach().clone().requires_grad_(true), referenceValues = values.detach().clone().requires_grad_(true);
        (Tensor loss, double[] expected) = Reference(hp, referenceLogits, referenceValues, mb);
        loss.sum().backward();

        AssertClose(referenceLogits.grad!, logitGradient, "dL/dlogits");
        AssertClose(referenceValues.grad!, valueGradient, "dL/dvalues");
        for (int k = 0; k < PpoLoss.Sum.Count; k++)
        {
            // The row put on the clip's bound counts as clipped or not by the last bit of exp: one row either way.
            double allowed = k == PpoLoss.Sum.Clipped ? 1 : 1e-4 * Math.Abs(expected[k]) + 1e-5;
            Assert.True(Math.Abs(sums[k] - expected[k]) <= allowed, $"sum {k}: {sums[k]} where autograd's loss gives {expected[k]}");
        }
        // The case is not degenerate: some rows are clipped, some are dead, and the gradients are not zero.
        Assert.InRange(sums[PpoLoss.Sum.Clipped], 1, sums[PpoLoss.Sum.LiveRows] - 1);
        Assert.InRange(sums[PpoLoss.Sum.LiveRows], 1, Agents * rows - 1);
        Assert.True(logitGradient.abs().max().item<float>() > 1e-4f);
    }

    [Fact]
    public void DeadRowsAndMaskedActions_GetExactlyZeroGradient()
    {
        using var scope = NewDisposeScope();
        (Tensor logits, Tensor values, Minibatch mb) = Sample(seed: 9);

        (Tensor logitGradient, Tensor valueGradient) = new PpoLoss(new Hyperparameters()).Gradients(logits, values, mb, new double[PpoLoss.Sum.Count]);

        Tensor dead = mb.Scalars[RolloutBatch.Alive].eq(0);                                            // [n, mb]
        Assert.True(dead.any().item<bool>());
        Assert.Equal(0f, logitGradient.abs().mul(dead.unsqueeze(-1)).sum().item<float>());
        Assert.Equal(0f, valueGradient.abs().mul(dead).sum().item<float>());
        Tensor masked = logits.detach().eq(AgentNetworks.MaskedLogit);
        Assert.True(masked.any().item<bool>());
        Assert.Equal(0f, logitGradient.abs().mul(masked).sum().item<float>());
    }

    [Fact]
    public void AnAgentsLoss_ReadsOnlyItsOwnRows()
    {
        using var scope = NewDisposeScope();
        (Tensor logits, Tensor values, Minibatch mb) = Sample(seed: 3);
        var loss = new PpoLoss(new Hyperparameters());
        (Tensor before, _) = loss.Gradients(logits, values, mb, new double[PpoLoss.Sum.Count]);

        // Another agent's rows change completely: agent 0's gradients must not move.
        Tensor changed = logits.detach().clone();
        changed[1].add_(randn(Rows, Actions, generator: new Generator(4)).mul(3)).masked_fill_(logits.detach()[1].eq(AgentNetworks.MaskedLogit), AgentNetworks.MaskedLogit);
        (Tensor after, _) = loss.Gradients(changed, values, mb, new double[PpoLoss.Sum.Count]);

        Assert.True(before[0].eq(after[0]).all().item<bool>());
        Assert.False(before[1].eq(after[1]).all().item<bool>());
    }

    /// <summary>Logits with masked actions, values, and a minibatch whose old log-probabilities put ratios on both sides of the clip.</summary>
    private static (Tensor Logits, Tensor Values, Minibatch Mb) Sample(ulong seed, int rows = Rows)
    {
        using var generator = new Generator(seed);
        Tensor raw = randn(Agents, rows, Actions, generator: generator);
        Tensor masked = rand(Agents, rows, Actions, generator: generator).lt(0.2);
        masked[.., .., 0] = false;                                                                     // action 0 (wait) is always valid
        Tensor logits = raw.masked_fill(masked, AgentNetworks.MaskedLogit);
        Tensor actions = zeros(Agents, rows, dtype: ScalarType.Int64);
        Tensor probs = logits.softmax(-1);
        for (int i = 0; i < Agents; i++) actions[i] = probs[i].multinomial(1, generator: generator).squeeze(-1);
        Tensor newLogprob = logits.log_softmax(-1).gather(-1, actions.unsqueeze(-1)).squeeze(-1);
        // Old log-probabilities a little off the new ones: ratios from about 0.6 to 1.6, and a few exactly on a bound.
        Tensor oldLogprob = newLogprob.sub(randn(Agents, rows, generator: generator).mul(0.25));
        oldLogprob[0, 0] = newLogprob[0, 0].sub(MathF.Log(1.2f));
        Tensor values = randn(Agents, rows, generator: generator);
        Tensor oldValues = values.add(randn(Agents, rows, generator: generator).mul(0.3));
        Tensor advantages = randn(Agents, rows, generator: generator).mul(2).add(0.5);
        Tensor returns = values.add(randn(Agents, rows, generator: generator));
        Tensor alive = rand(Agents, rows, generator: generator).gt(0.15).to(ScalarType.Float32);
        Tensor scalars = stack([oldLogprob, oldValues, advantages, returns, alive]);                   // [5, n, mb]
        return (logits, values, new Minibatch(zeros(Agents, rows, 1), null, actions, scalars));
    }

    /// <summary>The loss per agent <c>[n]</c> as tensor calls, and its metric sums in <see cref="PpoLoss.Sum"/>'s order.</summary>
    private static (Tensor Loss, double[] Sums) Reference(Hyperparameters hp, Tensor logits, Tensor newValue, Minibatch mb)
    {
        Tensor oldLogprob = mb.Scalars[RolloutBatch.Logprob], oldValue = mb.Scalars[RolloutBatch.Value];
        Tensor advantages = mb.Scalars[RolloutBatch.Advantage], returns = mb.Scalars[RolloutBatch.Return], alive = mb.Scalars[RolloutBatch.Alive];
        Tensor liveRows = alive.sum(1).clamp_min(1);
        Tensor MaskedMean(Tensor x) => x.mul(alive).sum(1).div(liveRows);

        Tensor logProbs = logits.log_softmax(-1);
        Tensor newLogprob = logProbs.gather(-1, mb.Actions.unsqueeze(-1)).squeeze(-1);
        Tensor entropy = logProbs.exp().mul(logProbs).sum(-1).neg();
        Tensor logRatio = newLogprob.sub(oldLogprob), ratio = logRatio.exp();
        if (hp.NormalizeAdvantages)
        {
            Tensor centred = advantages.sub(MaskedMean(advantages).unsqueeze(1));
            Tensor variance = centred.mul(centred).mul(alive).sum(1).div(liveRows.sub(1).clamp_min(1));
            advantages = centred.div(variance.sqrt().unsqueeze(1).add(1e-8));
        }
        double clip = hp.ClipCoefficient;
        Tensor policyLoss = MaskedMean(torch.maximum(advantages.neg().mul(ratio), advantages.neg().mul(ratio.clamp(1 - clip, 1 + clip))));
        Tensor squaredError = newValue.sub(returns).square();
        if (hp.ClipValueLoss)
            squaredError = torch.maximum(squaredError, oldValue.add(newValue.sub(oldValue).clamp(-clip, clip)).sub(returns).square());
        Tensor valueLoss = MaskedMean(squaredError).mul(0.5);
        Tensor entropyLoss = MaskedMean(entropy);
        Tensor loss = policyLoss.sub(entropyLoss.mul(hp.EntropyCoefficient)).add(valueLoss.mul(hp.ValueCoefficient));
        using var noGrad = no_grad();
        double[] sums =
        [
            policyLoss.sum().item<float>(), valueLoss.sum().item<float>(), entropyLoss.sum().item<float>(),
            ratio.sub(1).sub(logRatio).mul(alive).sum().item<float>(), ratio.sub(1).abs().gt(clip).to(ScalarType.Float32).mul(alive).sum().item<float>(),
            alive.sum().item<float>(),
        ];
        return (loss, sums);
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        float scale = expected.abs().max().item<float>();
        float difference = expected.sub(actual).abs().max().item<float>();
        Assert.True(difference <= 1e-5f * Math.Max(scale, 1f), $"{what}: largest difference {difference} (largest value {scale})");
    }
}
