// Adam for the ensembles' parameters, with every scalar held for the length of the call; state saved to a checkpoint.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// Adam (Kingma and Ba 2015) as PyTorch computes it, without weight decay or amsgrad:
/// <c>m = b1 m + (1 - b1) g</c>, <c>v = b2 v + (1 - b2) g^2</c>,
/// <c>p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>. Elementwise, so each agent's
/// update depends on its own gradients only. Written here rather than using TorchSharp's Adam
/// because that one creates a temporary Scalar per operation (see <see cref="HeldScalars"/>).
/// </summary>
public sealed class EnsembleAdam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _first, _second; // first and second moments, shaped like each parameter
    private readonly double _beta1, _beta2;
    private readonly Scalar _beta1Scalar, _oneMinusBeta1, _beta2Scalar, _oneMinusBeta2, _epsilon;

    public EnsembleAdam(IEnumerable<Parameter> parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-5)
    {
        _parameters = [.. parameters];
        _first = [.. _parameters.Select(parameter => zeros_like(parameter).DetachFromDisposeScope())];
        _second = [.. _parameters.Select(parameter => zeros_like(parameter).DetachFromDisposeScope())];
        (_beta1, _beta2) = (beta1, beta2);
        _beta1Scalar = beta1;
        _oneMinusBeta1 = 1 - beta1;
        _beta2Scalar = beta2;
        _oneMinusBeta2 = 1 - beta2;
        _epsilon = epsilon;
    }

    /// <summary>Updates taken so far (the <c>t</c> of the bias corrections).</summary>
    public long Steps { get; private set; }

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (Parameter parameter in _parameters) parameter.grad?.zero_();
    }

    /// <summary>
    /// Scales each member's gradients so that their norm, taken over all of that member's
    /// parameters, is at most <paramref name="maxNorm"/> (CleanRL's global-norm clip, taken per
    /// agent so no agent's gradient rescales another's). Parameters are <c>[M, in, out]</c>.
    /// </summary>
    public void ClipGradientNormPerMember(Scalar maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var gradients = new List<Tensor>();
        foreach (Parameter parameter in _parameters)
            if (parameter.grad is { } gradient) gradients.Add(gradient);
        if (gradients.Count == 0) return;
        Tensor squared = stack(gradients.Select(gradient => gradient.mul(gradient).sum([1, 2]))).sum(0);                    // [M]
        Tensor coefficient = squared.sqrt().add_(HeldScalars.TinyNorm, HeldScalars.One).reciprocal_().mul_(maxNorm)
            .clamp_max_(HeldScalars.One).view(-1, 1, 1);                                                                   // [M, 1, 1]
        foreach (Tensor gradient in gradients) gradient.mul_(coefficient);
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step(double learningRate)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(_beta1, Steps), correction2 = 1 - Math.Pow(_beta2, Steps);
        using Scalar stepSize = -learningRate / correction1;
        using Scalar inverseRootCorrection2 = 1 / Math.Sqrt(correction2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int k = 0; k < _parameters.Length; k++)
        {
            if (_parameters[k].grad is not { } gradient) continue;
            _first[k].mul_(_beta1Scalar).add_(gradient, _oneMinusBeta1);
            _second[k].mul_(_beta2Scalar).addcmul_(gradient, gradient, _oneMinusBeta2);
            Tensor denominator = _second[k].sqrt().mul_(inverseRootCorrection2).add_(_epsilon, HeldScalars.One);
            _parameters[k].addcdiv_(_first[k], denominator, stepSize);
        }
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(Steps);
        writer.Write(_parameters.Length);
        foreach (Tensor moment in _first.Concat(_second))
        {
            writer.Write(moment.NumberOfElements);
            writer.Write(moment.bytes);
        }
    }

    public void Load(BinaryReader reader)
    {
        long steps = reader.ReadInt64();
        int count = reader.ReadInt32();
        if (count != _parameters.Length) throw new InvalidDataException($"The optimiser state has {count} parameters; the networks have {_parameters.Length}.");
        foreach (Tensor moment in _first.Concat(_second))
        {
            long elements = reader.ReadInt64();
            if (elements != moment.NumberOfElements) throw new InvalidDataException($"An optimiser moment has {elements} values; its parameter has {moment.NumberOfElements}.");
            reader.BaseStream.ReadExactly(moment.bytes);
        }
        Steps = steps;
    }

    public void Dispose()
    {
        foreach (Tensor moment in _first.Concat(_second)) moment.Dispose();
        foreach (Scalar scalar in new[] { _beta1Scalar, _oneMinusBeta1, _beta2Scalar, _oneMinusBeta2, _epsilon }) scalar.Dispose();
    }
}
