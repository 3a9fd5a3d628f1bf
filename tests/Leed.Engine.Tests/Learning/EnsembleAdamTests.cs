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

    [Fact]
    public void ClipGradientNormPerMember_ScalesEachMemberToTheNormLibtorchComputes_AndLeavesSmallOnesAlone()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        // Three members; member 1's gradients are tiny (under the norm), the others large.
        var weight = new Parameter(zeros(3, 7, 5));
        var bias = new Parameter(zeros(3, 1, 5));
        using var adam = new EnsembleAdam([weight, bias]);
        adam.ZeroGrad();
        Tensor memberScale = tensor(new float[] { 3f, 0.01f, 40f }).view(-1, 1, 1);
        Tensor weightGradient = randn(3, 7, 5, generator: generator).mul(memberScale), biasGradient = randn(3, 1, 5, generator: generator).mul(memberScale);
        weight.mul(weightGradient).sum().add(bias.mul(biasGradient).sum()).backward();

        adam.ClipGradientNormPerMember(0.5f);

        Tensor norms = weightGradient.square().sum([1, 2]).add(biasGradient.square().sum([1, 2])).sqrt();       // [3]
        Tensor expectedScale = norms.add(1e-6).reciprocal().mul(0.5).clamp_max(1).view(-1, 1, 1);
        Assert.True(weight.grad!.allclose(weightGradient.mul(expectedScale), rtol: 1e-5, atol: 1e-8));
        Assert.True(bias.grad!.allclose(biasGradient.mul(expectedScale), rtol: 1e-5, atol: 1e-8));
        Tensor clippedNorms = weight.grad!.square().sum([1, 2]).add(bias.grad!.square().sum([1, 2])).sqrt();
        Assert.Equal(0.5, clippedNorms[0].item<float>(), 4);
        Assert.Equal(norms[1].item<float>(), clippedNorms[1].item<float>(), 6);                                   // under the norm: untouched
        Assert.Equal(0.5, clippedNorms[2].item<float>(), 4);
    }

    [Fact]
    public void EnsembleAdam_OnALargeOddSizedModel_TakesTheSameStepsAsTorchSharpsAdam()
    {
        // Sizes that are no multiple of the vector width, and enough elements for the vectorised loop.
        using var scope = NewDisposeScope();
        using var generator = new Generator(12);
        Tensor start = randn(7, 33, 13, generator: generator);
        Tensor startBias = randn(7, 1, 3, generator: generator);
        var ours = new Parameter(start.clone());
        var oursBias = new Parameter(startBias.clone());
        var theirs = new Parameter(start.clone());
        var theirsBias = new Parameter(startBias.clone());
        using var adam = new EnsembleAdam([ours, oursBias], epsilon: 1e-5);
        using var reference = optim.Adam([theirs, theirsBias], lr: 0.003, eps: 1e-5);
        for (int step = 0; step < 20; step++)
        {
            Tensor target = randn(7, 33, 13, generator: generator);
            adam.ZeroGrad();
            reference.zero_grad();
            ours.sub(target).square().sum().add(oursBias.sum()).backward();
            theirs.sub(target).square().sum().add(theirsBias.sum()).backward();
            adam.Step(0.003);
            reference.step();
        }
        Assert.True(ours.allclose(theirs, rtol: 1e-5, atol: 1e-6));
        Assert.True(oursBias.allclose(theirsBias, rtol: 1e-5, atol: 1e-6));
        Assert.False(oursBias.allclose(startBias, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void TwoThreads_ClipAndStepToExactlyTheNumbersOfOne()
    {
        // Large enough to be split (more than 65,536 elements), odd-sized, some members clipped and some not.
        using var scope = NewDisposeScope();
        using var generator = new Generator(13);
        Tensor start = randn(9, 101, 75, generator: generator), startBias = randn(9, 1, 75, generator: generator);
        Parameter[] one = [new(start.clone()), new(startBias.clone())], two = [new(start.clone()), new(startBias.clone())];
        using var serial = new EnsembleAdam(one, epsilon: 1e-5);
        using var parallel = new EnsembleAdam(two, epsilon: 1e-5) { Threads = 2 };
        for (int step = 0; step < 5; step++)
        {
            Tensor target = randn(9, 101, 75, generator: generator).mul(torch.arange(9).view(9, 1, 1).to(ScalarType.Float32).div(4));
            foreach ((EnsembleAdam adam, Parameter[] parameters) in new[] { (serial, one), (parallel, two) })
            {
                adam.ZeroGrad();
                parameters[0].sub(target).square().sum().add(parameters[1].square().sum()).backward();
                adam.ClipGradientNormPerMember(300f);
                adam.Step(0.01);
            }
        }
        Assert.True(one[0].eq(two[0]).all().item<bool>());
        Assert.True(one[1].eq(two[1]).all().item<bool>());
        Assert.False(one[0].allclose(start, rtol: 1e-3, atol: 1e-3));
    }
}
