// The per-agent ensemble: each agent's own network, independent gradients, orthogonal init, masking.
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using TorchSharp;
using static TorchSharp.torch;

namespace Leed.Engine.Tests.Learning;

[Collection(TorchCollection.Name)]
public sealed class EnsembleNetworkTests
{
    private const int Observation = 12, MaskOffset = Observation - Directions.ActionCount;

    private static AgentNetworks Networks(int agents, bool shared = false, int seed = 1)
    {
        using var generator = new Generator((ulong)seed);
        return new AgentNetworks(agents, Observation, Observation, MaskOffset, 16, 2, shared, generator);
    }

    /// <summary>Random observations <c>[N, B, O]</c> whose action masks allow Stay plus a random subset.</summary>
    private static Tensor Observations(int agents, int rows, int seed)
    {
        using var generator = new Generator((ulong)seed);
        Tensor observations = rand(agents, rows, Observation, generator: generator);
        using (no_grad())
        {
            using Tensor mask = rand(agents, rows, Directions.ActionCount, generator: generator).gt(0.5).to(ScalarType.Float32);
            using Tensor stay = mask.narrow(-1, 0, 1);
            stay.fill_(1);
            using Tensor slot = observations.narrow(-1, MaskOffset, Directions.ActionCount);
            slot.copy_(mask);
        }
        return observations;
    }

    [Fact]
    public void EachAgentsLoss_GivesExactlyZeroGradientToEveryOtherAgentsParameters()
    {
        using var scope = NewDisposeScope();
        AgentNetworks networks = Networks(agents: 3);
        Tensor observations = Observations(3, 8, seed: 2);

        // Agent 1's actor and critic outputs only.
        Tensor loss = networks.Logits(observations)[1].log_softmax(-1).sum() + networks.Values(observations)[1].square().sum();
        loss.backward();

        int checkedParameters = 0;
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in networks.named_parameters())
        {
            Tensor gradient = parameter.grad!;
            Assert.Equal(0, gradient[0].abs().max().item<float>());
            Assert.Equal(0, gradient[2].abs().max().item<float>());
            Assert.True(gradient[1].abs().max().item<float>() > 0, $"{name}: agent 1 got no gradient from its own loss");
            checkedParameters++;
        }
        Assert.Equal(12, checkedParameters); // actor and critic: 3 layers x (weight, bias) each
    }

    [Fact]
    public void LogitsAndValues_EachAgentsLoss_GivesExactlyZeroGradientToEveryOtherAgentsParameters()
    {
        using var scope = NewDisposeScope();
        AgentNetworks networks = Networks(agents: 3);
        Tensor observations = Observations(3, 8, seed: 2);

        // The first layers share one matmul here; agent 1's outputs must still reach only agent 1's weights.
        (Tensor logits, Tensor values) = networks.LogitsAndValues(observations);
        (logits[1].log_softmax(-1).sum() + values[1].square().sum()).backward();

        foreach ((string name, TorchSharp.Modules.Parameter parameter) in networks.named_parameters())
        {
            Tensor gradient = parameter.grad!;
            Assert.Equal(0, gradient[0].abs().max().item<float>());
            Assert.Equal(0, gradient[2].abs().max().item<float>());
            Assert.True(gradient[1].abs().max().item<float>() > 0, $"{name}: agent 1 got no gradient from its own loss");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LogitsAndValues_GiveTheSeparatePassesOutputsAndGradients(bool shared)
    {
        using var scope = NewDisposeScope();
        AgentNetworks fused = Networks(agents: 3, shared), separate = Networks(agents: 3, shared); // the same seed: the same weights
        Tensor observations = Observations(3, 8, seed: 2);

        (Tensor logits, Tensor values) = fused.LogitsAndValues(observations);
        Tensor expectedLogits = separate.Logits(observations), expectedValues = separate.Values(observations);
        (logits.log_softmax(-1).sum() + values.square().sum()).backward();
        (expectedLogits.log_softmax(-1).sum() + expectedValues.square().sum()).backward();

        Assert.True(logits.allclose(expectedLogits, rtol: 1e-6, atol: 1e-6));
        Assert.True(values.allclose(expectedValues, rtol: 1e-6, atol: 1e-6));
        var expectedGradients = separate.named_parameters().ToDictionary(pair => pair.name, pair => pair.parameter.grad!);
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in fused.named_parameters())
            Assert.True(parameter.grad!.allclose(expectedGradients[name], rtol: 1e-5, atol: 1e-6), $"{name}: the fused pass gave another gradient");
    }

    [Fact]
    public void SharedParameters_OneNetworkServesEveryAgent_WithItsIdInTheInput()
    {
        using var scope = NewDisposeScope();
        AgentNetworks networks = Networks(agents: 3, shared: true);
        Tensor observations = Observations(3, 8, seed: 2);
        // The same observation for two agents gives different logits: the one-hot id differs.
        Tensor same = observations[0].unsqueeze(0).expand(3, 8, Observation).contiguous();

        Tensor logits = networks.Logits(same);

        Assert.Equal([3L, 8L, Directions.ActionCount], logits.shape);
        Assert.True(networks.parameters().All(parameter => parameter.shape[0] == 1));
        Assert.False(logits[0].allclose(logits[1]));
    }

    [Fact]
    public void EnsembleLinear_IsEveryMembersOwnAffineMap()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var layer = new EnsembleLinear(4, 6, 5, 1.0, generator);
        Tensor input = randn(4, 7, 6, generator: generator);
        Tensor[] parameters = [.. layer.parameters()];
        Tensor weight = parameters[0], bias = parameters[1];
        using (no_grad()) bias.normal_(generator: generator);

        Tensor output = layer.forward(input);

        for (int m = 0; m < 4; m++)
            Assert.True(output[m].allclose(input[m].matmul(weight[m]) + bias[m], rtol: 1e-5, atol: 1e-5), $"member {m}");
    }

    [Theory]
    [InlineData(160, 64, 1.4142135)]
    [InlineData(64, 5, 0.01)]
    [InlineData(5, 64, 1.0)]
    public void OrthogonalInit_GivesOrthonormalColumnsOrRowsTimesTheGain(int rows, int columns, double gain)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        Tensor weight = empty(rows, columns);
        EnsembleLinear.Orthogonal(weight, gain, generator);

        Tensor gram = rows >= columns ? weight.t().matmul(weight) : weight.matmul(weight.t());
        long size = Math.Min(rows, columns);
        Assert.True(gram.allclose(eye(size) * gain * gain, rtol: 1e-4, atol: 1e-5 * gain * gain));
    }

    [Fact]
    public void MaskedActions_AreNeverSampled_EvenWhenTheirRawLogitsAreHuge()
    {
        using var scope = NewDisposeScope();
        AgentNetworks networks = Networks(agents: 4);
        Tensor observations = Observations(4, 2500, seed: 5);                  // 10,000 rows, random masks
        Tensor invalid = observations.narrow(-1, MaskOffset, Directions.ActionCount).lt(0.5);
        // Raw logits that strongly prefer exactly the forbidden actions.
        Tensor raw = invalid.to(ScalarType.Float32) * 50;
        Tensor logits = networks.Mask(raw, observations);
        using var generator = new Generator(6);

        for (int draw = 0; draw < 10; draw++)
        {
            Tensor actions = Trainer.Sample(logits, greedy: false, generator);  // [4, 2500]
            Tensor chosenInvalid = invalid.gather(-1, actions.unsqueeze(-1));
            Assert.Equal(0, chosenInvalid.sum().item<long>());
        }
        Tensor greedy = Trainer.Sample(logits, greedy: true, generator);
        Assert.Equal(0, invalid.gather(-1, greedy.unsqueeze(-1)).sum().item<long>());
    }

    [Fact]
    public void MaskedLogits_GiveFiniteLogProbabilitiesEntropyAndGradients()
    {
        using var scope = NewDisposeScope();
        AgentNetworks networks = Networks(agents: 2);
        Tensor observations = Observations(2, 64, seed: 7);

        Tensor logProbs = networks.Logits(observations).log_softmax(-1);
        Tensor entropy = -(logProbs.exp() * logProbs).sum(-1);
        Tensor loss = entropy.mean() + logProbs.gather(-1, zeros(2, 64, 1, dtype: ScalarType.Int64)).mean() // Stay is always valid
            + networks.Values(observations).mean();
        loss.backward();

        Assert.True(logProbs.isfinite().all().item<bool>());
        Assert.True(entropy.isfinite().all().item<bool>());
        Assert.All(networks.parameters(), parameter => Assert.True(parameter.grad!.isfinite().all().item<bool>()));
        // Forbidden actions have probability exactly 0.
        Tensor invalid = observations.narrow(-1, MaskOffset, Directions.ActionCount).lt(0.5);
        Assert.Equal(0, logProbs.exp().masked_select(invalid).sum().item<float>());
    }
}
