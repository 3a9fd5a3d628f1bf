// Our Adam (which holds its scalars) takes the same steps as TorchSharp's, and its state survives a save and load.
using Leed.Engine.Learning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Leed.Engine.Tests.Learning;

[Collection(TorchCollection.Name)]
public sealed class EnsembleAdamTests
{
    [Fact]
    public void EnsembleAdam_TakesTheSameStepsAsTorchSharpsAdam()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        Tensor start = randn(3, 4, 2, generator: generator);
        var ours = new Parameter(start.clone());
        var theirs = new Parameter(start.clone());
        using var adam = new EnsembleAdam([ours], epsilon: 1e-5);
        using var reference = optim.Adam([theirs], lr: 0.01, eps: 1e-5);

        for (int step = 0; step < 5; step++)
        {
            Tensor target = randn(3, 4, 2, generator: generator);
            adam.ZeroGrad();
            reference.zero_grad();
            ours.sub(target).square().sum().backward();
            theirs.sub(target).square().sum().backward();
            adam.Step(0.01);
            reference.step();
        }

        Assert.True(ours.allclose(theirs, rtol: 1e-5, atol: 1e-6));
        Assert.False(ours.allclose(start, rtol: 1e-3, atol: 1e-3));
        Assert.Equal(5, adam.Steps);
    }

    [Fact]
    public void EnsembleAdam_StateRoundTrip_ContinuesIdentically()
    {
        using var scope = NewDisposeScope();
        var first = new Parameter(ones(2, 3, 1));
        var second = new Parameter(ones(2, 3, 1));
        using var adam = new EnsembleAdam([first]);
        void Train(EnsembleAdam optimizer, Parameter parameter)
        {
            optimizer.ZeroGrad();
            parameter.mul(parameter).sum().backward();
            optimizer.Step(0.1);
        }
        Train(adam, first);
        Train(adam, first);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) adam.Save(writer);
        stream.Position = 0;
        using var restored = new EnsembleAdam([second]);
        using (var reader = new BinaryReader(stream)) restored.Load(reader);
        using (no_grad()) second.copy_(first);

        Train(adam, first);
        Train(restored, second);

        Assert.Equal(3, restored.Steps);
        Assert.True(first.allclose(second));
    }
}
