// Adam for the ensembles' parameters, over one flat buffer per state so a step is a handful of whole-model operations; state saved to a checkpoint.
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
/// <para>
/// Speed: the optimiser moves every parameter into one flat buffer (each parameter becomes a
/// contiguous slice of it, shaped as before) and points every gradient at a slice of a second
/// one, which backward accumulates into in place. Zeroing, Adam's step and most of the clipping
/// are then a few operations over the whole model instead of a few per parameter: on the
/// project's 2-core machine the optimiser had been 13% of a training iteration, most of it the
/// per-tensor overhead of some 130 small calls per minibatch.
/// </para>
/// </summary>
public sealed class EnsembleAdam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor _values, _gradients, _first, _second, _scratch;   // [P] each: every parameter's elements, one after another
    private readonly Tensor[] _gradientViews, _firstViews, _secondViews, _scratchViews; // per parameter, shaped like it
    private readonly double _beta1, _beta2;
    private readonly Scalar _beta1Scalar, _oneMinusBeta1, _beta2Scalar, _oneMinusBeta2, _epsilon;

    /// <param name="parameters">Float32 parameters; per-member clipping needs them shaped <c>[M, in, out]</c>. They are moved into the optimiser's buffer (values unchanged).</param>
    public EnsembleAdam(IEnumerable<Parameter> parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-5)
    {
        _parameters = [.. parameters];
        long total = _parameters.Sum(parameter => parameter.numel());
        _values = empty(total).DetachFromDisposeScope();
        _gradients = zeros(total).DetachFromDisposeScope();
        _first = zeros(total).DetachFromDisposeScope();
        _second = zeros(total).DetachFromDisposeScope();
        _scratch = empty(total).DetachFromDisposeScope();
        _gradientViews = Views(_gradients);
        _firstViews = Views(_first);
        _secondViews = Views(_second);
        _scratchViews = Views(_scratch);
        using (no_grad())
        {
            Tensor[] values = Views(_values);
            for (int k = 0; k < _parameters.Length; k++)
            {
                values[k].copy_(_parameters[k]);
                _parameters[k].set_(values[k]);
                values[k].Dispose();
            }
        }
        AttachGradients();
        (_beta1, _beta2) = (beta1, beta2);
        _beta1Scalar = beta1;
        _oneMinusBeta1 = 1 - beta1;
        _beta2Scalar = beta2;
        _oneMinusBeta2 = 1 - beta2;
        _epsilon = epsilon;
    }

    /// <summary>Updates taken so far (the <c>t</c> of the bias corrections).</summary>
    public long Steps { get; private set; }

    /// <summary>
    /// Zeroes every gradient and points each parameter's gradient at its slice of the flat buffer
    /// again (a module's <c>zero_grad()</c> drops gradients, and backward would then allocate new ones
    /// that the step would not see).
    /// </summary>
    public void ZeroGrad()
    {
        _gradients.zero_();
        AttachGradients();
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
        _scratch.copy_(_gradients).mul_(_gradients);                                                                      // [P] g^2
        Tensor squared = stack(_scratchViews.Select(square => square.sum([1, 2]))).sum(0);                                 // [M]
        Tensor coefficient = squared.sqrt().add_(HeldScalars.TinyNorm, HeldScalars.One).reciprocal_().mul_(maxNorm)
            .clamp_max_(HeldScalars.One).view(-1, 1, 1);                                                                   // [M, 1, 1]
        foreach (Tensor gradient in _gradientViews) gradient.mul_(coefficient);
    }

    /// <summary>
    /// One update of every parameter. A parameter whose gradient stayed zero since the start (the
    /// critic under behaviour cloning) keeps its value exactly: its moments are zero, so its step is 0.
    /// </summary>
    public void Step(double learningRate)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(_beta1, Steps), correction2 = 1 - Math.Pow(_beta2, Steps);
        using Scalar stepSize = -learningRate / correction1;
        using Scalar inverseRootCorrection2 = 1 / Math.Sqrt(correction2);
        using var noGrad = no_grad();
        _first.mul_(_beta1Scalar).add_(_gradients, _oneMinusBeta1);
        _second.mul_(_beta2Scalar).addcmul_(_gradients, _gradients, _oneMinusBeta2);
        Tensor denominator = _scratch.copy_(_second).sqrt_().mul_(inverseRootCorrection2).add_(_epsilon, HeldScalars.One);
        _values.addcdiv_(_first, denominator, stepSize);
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(Steps);
        writer.Write(_parameters.Length);
        foreach (Tensor moment in _firstViews.Concat(_secondViews))
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
        foreach (Tensor moment in _firstViews.Concat(_secondViews))
        {
            long elements = reader.ReadInt64();
            if (elements != moment.NumberOfElements) throw new InvalidDataException($"An optimiser moment has {elements} values; its parameter has {moment.NumberOfElements}.");
            reader.BaseStream.ReadExactly(moment.bytes);
        }
        Steps = steps;
    }

    /// <summary>The gradient buffer's part for <paramref name="parameter"/>, shaped like it (views of it collect the gradients of views of the parameter).</summary>
    internal Tensor GradientOf(Parameter parameter)
    {
        for (int k = 0; k < _parameters.Length; k++)
            if (ReferenceEquals(_parameters[k], parameter)) return _gradientViews[k];
        throw new ArgumentException("Not a parameter of this optimiser.", nameof(parameter));
    }

    /// <summary>Each parameter's slice of a flat buffer, shaped like the parameter.</summary>
    private Tensor[] Views(Tensor flat)
    {
        var views = new Tensor[_parameters.Length];
        long offset = 0;
        for (int k = 0; k < _parameters.Length; k++)
        {
            long count = _parameters[k].numel();
            using Tensor slice = flat.narrow(0, offset, count);
            views[k] = slice.view(_parameters[k].shape).DetachFromDisposeScope();
            offset += count;
        }
        return views;
    }

    private void AttachGradients()
    {
        for (int k = 0; k < _parameters.Length; k++) _parameters[k].grad = _gradientViews[k];
    }

    public void Dispose()
    {
        foreach (Tensor view in _gradientViews.Concat(_firstViews).Concat(_secondViews).Concat(_scratchViews)) view.Dispose();
        foreach (Tensor buffer in new[] { _values, _gradients, _first, _second, _scratch }) buffer.Dispose();
        foreach (Scalar scalar in new[] { _beta1Scalar, _oneMinusBeta1, _beta2Scalar, _oneMinusBeta2, _epsilon }) scalar.Dispose();
    }
}
