// Adam and the per-agent gradient clip for the ensembles' parameters, over one flat buffer per state so each is one pass over the model; state saved to a checkpoint.
using System.Runtime.InteropServices;
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
/// one, which backward accumulates into in place. Zeroing, Adam's step and the clipping are then
/// passes over the whole model instead of a few calls per parameter (on the project's 2-core
/// machine the optimiser had been 13% of a training iteration, most of it the per-tensor overhead
/// of some 130 small calls per minibatch), and the step and the clip are written here as one
/// vectorised pass each over the buffers' memory (<see cref="FusedMath"/>): as libtorch calls
/// they were a dozen memory-bound passes, 102-133 ms of an iteration against 22-26 ms now.
/// </para>
/// </summary>
public sealed class EnsembleAdam : IDisposable
{
    private const float TinyNorm = 1e-6f;

    /// <summary>Where one parameter's elements lie in the flat buffers, member after member.</summary>
    private readonly record struct MemberLayout(int Offset, int Members, int MemberLength);

    private readonly Parameter[] _parameters;
    private readonly Tensor _values, _gradients, _first, _second;   // [P] each: every parameter's elements, one after another
    private readonly Tensor[] _gradientViews, _firstViews, _secondViews; // per parameter, shaped like it
    private readonly MemberLayout[] _layouts;
    private readonly double[] _memberSquares;
    private readonly float[] _memberScale;
    private readonly double _beta1, _beta2, _epsilon;

    /// <param name="parameters">Float32 parameters; per-member clipping needs them shaped <c>[M, in, out]</c>. They are moved into the optimiser's buffer (values unchanged).</param>
    public EnsembleAdam(IEnumerable<Parameter> parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-5)
    {
        _parameters = [.. parameters];
        long total = _parameters.Sum(parameter => parameter.numel());
        if (total > int.MaxValue) throw new ArgumentException($"{total} parameters are more than one flat buffer holds.", nameof(parameters));
        _values = empty(total).DetachFromDisposeScope();
        _gradients = zeros(total).DetachFromDisposeScope();
        _first = zeros(total).DetachFromDisposeScope();
        _second = zeros(total).DetachFromDisposeScope();
        _gradientViews = Views(_gradients);
        _firstViews = Views(_first);
        _secondViews = Views(_second);
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
        _layouts = new MemberLayout[_parameters.Length];
        int offset = 0;
        for (int k = 0; k < _parameters.Length; k++)
        {
            int length = (int)_parameters[k].numel(), members = _parameters[k].Dimensions == 0 ? 1 : (int)_parameters[k].shape[0];
            _layouts[k] = new MemberLayout(offset, members, members == 0 ? 0 : length / members);
            offset += length;
        }
        int memberCount = _layouts.Length == 0 ? 0 : _layouts.Max(layout => layout.Members);
        _memberSquares = new double[memberCount];
        _memberScale = new float[memberCount];
        (_beta1, _beta2, _epsilon) = (beta1, beta2, epsilon);
    }

    /// <summary>
    /// Threads for the clip and the step (the trainer's torch threads): the passes are split into
    /// contiguous parts, each member's gradients clipped by one thread and each element updated by
    /// one, so the results are the same numbers at any count.
    /// </summary>
    public int Threads { get; set; } = 1;

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
    /// Two passes over the flat gradient buffer, written here on its memory: libtorch took a copy,
    /// a square, a sum per parameter, a stack and a scale per parameter (some 30 calls), and the
    /// optimiser's calls are memory-bound, so the passes are what it costs.
    /// </summary>
    public void ClipGradientNormPerMember(float maxNorm) =>
        InParts(_memberSquares.Length, 1, (first, count) => ClipMembers(first, count, maxNorm));

    /// <summary>The clip of members <paramref name="first"/>.. (<paramref name="count"/> of them).</summary>
    private void ClipMembers(int first, int count, float maxNorm)
    {
        Span<float> gradients = Floats(_gradients);
        Span<double> squared = _memberSquares.AsSpan(first, count);
        squared.Clear();
        foreach (MemberLayout layout in _layouts)
            for (int member = first; member < Math.Min(first + count, layout.Members); member++)
                squared[member - first] += FusedMath.SumOfSquares(gradients.Slice(layout.Offset + member * layout.MemberLength, layout.MemberLength));
        Span<float> scale = _memberScale.AsSpan(first, count);
        for (int member = 0; member < count; member++)
            scale[member] = Math.Min(1f, maxNorm / ((float)Math.Sqrt(squared[member]) + TinyNorm));
        foreach (MemberLayout layout in _layouts)
            for (int member = first; member < Math.Min(first + count, layout.Members); member++)
                if (scale[member - first] < 1f) FusedMath.Scale(gradients.Slice(layout.Offset + member * layout.MemberLength, layout.MemberLength), scale[member - first]);
    }

    /// <summary>
    /// Runs <paramref name="work"/>(first, count) over <c>[0, length)</c> in up to <see cref="Threads"/>
    /// contiguous parts whose bounds are multiples of <paramref name="align"/>; on the calling thread alone
    /// when one thread is asked for or the work is too small to share.
    /// </summary>
    private void InParts(int length, int align, Action<int, int> work)
    {
        int parts = Math.Min(Threads, Math.Max(1, length / Math.Max(align, 1)));
        if (parts <= 1 || _values.numel() < ShareFrom)
        {
            work(0, length);
            return;
        }
        int Bound(int part) => part == parts ? length : (int)((long)length * part / parts / align * align);
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part => work(Bound(part), Bound(part + 1) - Bound(part)));
    }

    /// <summary>Below this many parameters a pass is shorter than handing half of it to another thread.</summary>
    private const long ShareFrom = 1 << 16;

    /// <summary>
    /// One update of every parameter, in one pass over the flat buffers (see <see cref="FusedMath.AdamStep"/>).
    /// A parameter whose gradient stayed zero since the start (the critic under behaviour cloning)
    /// keeps its value exactly: its moments are zero, so its step is 0.
    /// </summary>
    public void Step(double learningRate)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(_beta1, Steps), correction2 = 1 - Math.Pow(_beta2, Steps);
        float stepSize = (float)(-learningRate / correction1), inverseRootCorrection2 = (float)(1 / Math.Sqrt(correction2));
        InParts((int)_values.numel(), System.Numerics.Vector<float>.Count, (first, count) => FusedMath.AdamStep(
            Floats(_values).Slice(first, count), Floats(_gradients).Slice(first, count), Floats(_first).Slice(first, count), Floats(_second).Slice(first, count),
            (float)_beta1, (float)_beta2, stepSize, inverseRootCorrection2, (float)_epsilon));
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

    /// <summary>A flat buffer's memory (CPU, float32), for the passes of <see cref="FusedMath"/>.</summary>
    private static Span<float> Floats(Tensor flat) => MemoryMarshal.Cast<byte, float>(flat.bytes);

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
        foreach (Tensor view in _gradientViews.Concat(_firstViews).Concat(_secondViews)) view.Dispose();
        foreach (Tensor buffer in new[] { _values, _gradients, _first, _second }) buffer.Dispose();
    }
}
