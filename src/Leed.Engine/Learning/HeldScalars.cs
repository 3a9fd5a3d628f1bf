// Scalars that outlive every TorchSharp call they are passed to (temporary Scalars can be freed mid-call).
using TorchSharp;

namespace Leed.Engine.Learning;

/// <summary>
/// Why this exists: in TorchSharp 0.107 a <see cref="Scalar"/> owns a native value freed by its
/// finalizer, and tensor methods hand <c>scalar.Handle</c> to libtorch without keeping the
/// Scalar alive. A temporary Scalar (<c>x.clamp_min(1)</c>, <c>x * 0.5</c>, even <c>a + b</c>, whose
/// hidden <c>alpha = 1</c> is a temporary) can therefore be collected and freed by a GC on
/// another thread while libtorch still reads it. We saw it once: after ~20 minutes of training,
/// libtorch asserted on a corrupt Scalar inside <c>square()</c>. So the training hot paths pass
/// only Scalars held in static or instance fields, and use TorchSharp's two-argument forms
/// (<c>add(t, One)</c>) instead of operators that create Scalars.
/// </summary>
internal static class HeldScalars
{
    public static readonly Scalar One = 1.0;
    /// <summary>The <c>alpha</c> of an add between integer tensors (libtorch refuses a floating-point one there).</summary>
    public static readonly Scalar IntegerOne = 1L;
    public static readonly Scalar Half = 0.5;
    public static readonly Scalar MaskedLogit = AgentNetworks.MaskedLogit;
}
