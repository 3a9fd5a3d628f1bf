// PPO's clipped loss for one minibatch and its gradient at the networks' outputs, in one pass over the rows.
using System.Runtime.InteropServices;
using Leed.Engine.Maps;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// CleanRL's PPO loss per agent over its live rows of a minibatch,
/// <c>L_i = L_clip,i - c_H H_i + c_V L_V,i</c> (advantages normalised per agent and minibatch, the
/// value loss clipped as CleanRL clips it), written out with its derivative with respect to the
/// networks' outputs (the masked logits and the values). The update then runs the networks'
/// backward from those gradients. Why not libtorch's autograd over the loss: the loss is some 45
/// element-wise calls on tensors of a few thousand elements, and their backward as many again;
/// each call cost more than its arithmetic, and together they took 37 ms of a 500 ms iteration
/// (20 agents, bench train). Here they are one pass in C# after one <c>log_softmax</c> and one
/// <c>exp</c>.
/// <para>
/// The derivative follows libtorch's own rules where the loss is not smooth, so the gradients
/// equal autograd's up to float rounding (PpoLossTests checks them against autograd over the
/// loss written as tensor calls): <c>maximum</c> gives a tie half to each side, and <c>clamp</c>
/// passes the gradient at its bounds. Each agent's terms read only its own rows, so agent i's loss
/// still has no path to agent j's parameters.
/// </para>
/// </summary>
internal sealed class PpoLoss(Hyperparameters hp)
{
    private readonly float _clip = (float)hp.ClipCoefficient;
    private readonly float _ratioLow = (float)(1 - hp.ClipCoefficient), _ratioHigh = (float)(1 + hp.ClipCoefficient);
    private readonly float _entropyCoefficient = (float)hp.EntropyCoefficient, _valueCoefficient = (float)hp.ValueCoefficient;
    private readonly bool _normalizeAdvantages = hp.NormalizeAdvantages, _clipValueLoss = hp.ClipValueLoss;

    /// <summary>What <see cref="Gradients"/> adds to the minibatch's metric sums, by index.</summary>
    public static class Sum
    {
        public const int Policy = 0, Value = 1, Entropy = 2, ApproxKl = 3, Clipped = 4, LiveRows = 5, Count = 6;
    }

    /// <summary>
    /// <c>dL/dlogits</c> <c>[n, mb, A]</c> and <c>dL/dvalues</c> <c>[n, mb]</c> of <c>L = sum_i L_i</c> for the
    /// networks' outputs on <paramref name="mb"/>; adds the terms' sums over agents (and the
    /// approximate KL, clipped rows and live rows over rows) to <paramref name="sums"/> (<see cref="Sum"/>).
    /// </summary>
    public (Tensor Logits, Tensor Values) Gradients(Tensor logits, Tensor values, Minibatch mb, Span<double> sums)
    {
        using var noGrad = no_grad();
        int agents = (int)logits.shape[0], rows = (int)logits.shape[1];
        if (logits.shape[2] != Actions) throw new ArgumentException($"Expected {Actions} logits per row, got {logits.shape[2]}.");
        Tensor logProbs = logits.detach().log_softmax(-1);                                        // [n, mb, A]
        Tensor probs = logProbs.exp();
        Tensor valueTensor = values.detach().contiguous(), actionTensor = mb.Actions.contiguous(); // [n, mb]
        Tensor gradLogits = empty_like(logProbs), gradValues = empty_like(valueTensor);
        var terms = new Terms(Floats(logProbs), Floats(probs), Floats(valueTensor), Floats(mb.Scalars),
            MemoryMarshal.Cast<byte, long>(actionTensor.bytes), Floats(gradLogits), Floats(gradValues), agents * rows);
        for (int agent = 0; agent < agents; agent++) Agent(terms, agent * rows, rows, sums);
        return (gradLogits, gradValues);
    }

    private const int Actions = Directions.ActionCount;

    /// <summary>The spans one minibatch reads and writes; <see cref="Field"/> is the length of one of the five scalar fields.</summary>
    private readonly ref struct Terms(ReadOnlySpan<float> logProb, ReadOnlySpan<float> prob, ReadOnlySpan<float> value, ReadOnlySpan<float> scalars,
        ReadOnlySpan<long> actions, Span<float> gradLogit, Span<float> gradValue, int field)
    {
        public readonly ReadOnlySpan<float> LogProb = logProb, Prob = prob, Value = value, Scalars = scalars;
        public readonly ReadOnlySpan<long> Actions = actions;
        public readonly Span<float> GradLogit = gradLogit, GradValue = gradValue;
        public readonly int Field = field;
    }

    /// <summary>One agent's rows <paramref name="first"/>.. of the minibatch: its gradients, and its terms added to <paramref name="sums"/>.</summary>
    private void Agent(in Terms terms, int first, int rows, Span<double> sums)
    {
        ReadOnlySpan<float> oldLogProb = terms.Scalars.Slice(RolloutBatch.Logprob * terms.Field + first, rows);
        ReadOnlySpan<float> oldValue = terms.Scalars.Slice(RolloutBatch.Value * terms.Field + first, rows);
        ReadOnlySpan<float> advantage = terms.Scalars.Slice(RolloutBatch.Advantage * terms.Field + first, rows);
        ReadOnlySpan<float> returns = terms.Scalars.Slice(RolloutBatch.Return * terms.Field + first, rows);
        ReadOnlySpan<float> alive = terms.Scalars.Slice(RolloutBatch.Alive * terms.Field + first, rows);
        ReadOnlySpan<float> logProb = terms.LogProb.Slice(first * Actions, rows * Actions), prob = terms.Prob.Slice(first * Actions, rows * Actions);
        ReadOnlySpan<float> value = terms.Value.Slice(first, rows);
        ReadOnlySpan<long> actions = terms.Actions.Slice(first, rows);
        Span<float> gradLogit = terms.GradLogit.Slice(first * Actions, rows * Actions), gradValue = terms.GradValue.Slice(first, rows);

        float live = 0;
        for (int row = 0; row < rows; row++) live += alive[row];
        float count = Math.Max(live, 1f), weight = 1f / count;
        (float mean, float scale) = _normalizeAdvantages ? Normalisation(advantage, alive, count) : (0f, 1f);
        float byEntropy = _entropyCoefficient * weight, byValueError = _valueCoefficient * 0.5f * weight;

        double policy = 0, valueSum = 0, entropySum = 0, approxKl = 0, clipped = 0;
        for (int row = 0, at = 0; row < rows; row++, at += Actions)
        {
            if (alive[row] == 0f)
            {
                gradLogit.Slice(at, Actions).Clear();
                gradValue[row] = 0f;
                continue;
            }
            float entropy = 0;
            for (int a = 0; a < Actions; a++) entropy -= prob[at + a] * logProb[at + a];
            int action = (int)actions[row];
            float logRatio = logProb[at + action] - oldLogProb[row], ratio = MathF.Exp(logRatio);

            // Clipped surrogate: max(-A r, -A clamp(r)), and its derivative in r.
            float normalised = _normalizeAdvantages ? (advantage[row] - mean) / scale : advantage[row];
            float unclipped = -normalised * ratio, clippedTerm = -normalised * Math.Clamp(ratio, _ratioLow, _ratioHigh);
            bool inRange = ratio >= _ratioLow && ratio <= _ratioHigh;
            float byLogProb = weight * MaximumGradient(unclipped, clippedTerm, -normalised, inRange ? -normalised : 0f) * ratio;
            for (int a = 0; a < Actions; a++)
                gradLogit[at + a] = prob[at + a] * (byEntropy * (logProb[at + a] + entropy) - byLogProb);
            gradLogit[at + action] += byLogProb;

            // Value loss: 0.5 max((v - R)^2, (v_old + clamp(v - v_old) - R)^2), or 0.5 (v - R)^2.
            float error = value[row] - returns[row], squared = error * error, valueTerm = squared, byValue = 2f * error;
            if (_clipValueLoss)
            {
                float delta = value[row] - oldValue[row];
                float clippedError = oldValue[row] + Math.Clamp(delta, -_clip, _clip) - returns[row], clippedSquared = clippedError * clippedError;
                valueTerm = Math.Max(squared, clippedSquared);
                byValue = MaximumGradient(squared, clippedSquared, 2f * error, delta >= -_clip && delta <= _clip ? 2f * clippedError : 0f);
            }
            gradValue[row] = byValueError * byValue;

            policy += Math.Max(unclipped, clippedTerm);
            valueSum += valueTerm;
            entropySum += entropy;
            approxKl += ratio - 1f - logRatio;
            if (MathF.Abs(ratio - 1f) > _clip) clipped++;
        }
        sums[Sum.Policy] += policy / count;
        sums[Sum.Value] += 0.5 * valueSum / count;
        sums[Sum.Entropy] += entropySum / count;
        sums[Sum.ApproxKl] += approxKl;
        sums[Sum.Clipped] += clipped;
        sums[Sum.LiveRows] += live;
    }

    /// <summary>The mean and <c>std + 1e-8</c> of one agent's advantages over its live rows (the variance with n - 1, at least 1).</summary>
    private static (float Mean, float Scale) Normalisation(ReadOnlySpan<float> advantage, ReadOnlySpan<float> alive, float count)
    {
        double sum = 0;
        for (int row = 0; row < advantage.Length; row++) sum += advantage[row] * alive[row];
        float mean = (float)(sum / count);
        double squares = 0;
        for (int row = 0; row < advantage.Length; row++)
        {
            float centred = advantage[row] - mean;
            squares += centred * centred * alive[row];
        }
        return (mean, MathF.Sqrt((float)(squares / Math.Max(count - 1f, 1f))) + 1e-8f);
    }

    /// <summary>The derivative of <c>maximum(x, y)</c> as libtorch takes it: the larger side's, half of each on a tie.</summary>
    private static float MaximumGradient(float x, float y, float xGradient, float yGradient) =>
        x > y ? xGradient : x < y ? yGradient : 0.5f * (xGradient + yGradient);

    private static Span<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);
}
