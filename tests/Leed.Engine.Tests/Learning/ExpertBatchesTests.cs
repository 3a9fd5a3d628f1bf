// The critic's view of the demonstrations and the Q-filter's draws: hand-computed advantages, where the draws land, and decentralization of the weighted expert loss.
using Leed.Engine.Env;
using Leed.Engine.Learning;
using static TorchSharp.torch;

namespace Leed.Engine.Tests.Learning;

[Collection(TorchCollection.Name)]
public sealed class ExpertBatchesTests
{
    private static readonly ObservationLayout Layout = new(new EnvConfig().PatchSize);

    private static AgentNetworks Networks(int agents, int seed = 1)
    {
        using var generator = new Generator((ulong)seed);
        return new AgentNetworks(agents, Layout.Size, Layout.Size, Layout.MaskOffset, 16, 2, false, generator);
    }

    /// <summary>Every critic parameter 0 except the output bias, set per agent: then <c>V_i(o) = values[i]</c> for every observation.</summary>
    private static void ConstantCritics(AgentNetworks networks, float[] values)
    {
        using var noGrad = no_grad();
        var critic = networks.named_parameters().Where(named => named.name.StartsWith("critic", StringComparison.Ordinal)).ToList();
        foreach ((string _, TorchSharp.Modules.Parameter parameter) in critic) parameter.zero_();
        TorchSharp.Modules.Parameter outputBias = critic.Last(named => named.name.EndsWith("bias", StringComparison.Ordinal)).parameter;
        using Tensor constants = tensor(values).reshape(values.Length, 1, 1);
        outputBias.copy_(constants);
    }

    [Fact]
    public void Advantages_AreTheOneStepAdvantagesOfTheDemonstratedActions_ByHand()
    {
        using var scope = NewDisposeScope();
        Scenario scenario = LearningFixtures.Small;
        ExpertDataset demos = LearningFixtures.SmallDemos;
        using PreparedDemonstrations prepared = PreparedDemonstrations.From(demos, scenario, Layout);
        using AgentNetworks networks = Networks(scenario.AgentCount);
        float[] constants = [0.5f, -0.2f, 0f, 1f];
        ConstantCritics(networks, constants);

        float[] advantages = ExpertBatches.Advantages(networks, prepared, gamma: 0.9, rewardScale: 0.01).contiguous().data<float>().ToArray();

        int steps = advantages.Length / scenario.AgentCount;
        for (int i = 0; i < scenario.AgentCount; i++)
        {
            ExpertTrajectory trajectory = demos.Agents[i];
            int[] usable = [.. Enumerable.Range(0, trajectory.Steps).Where(k => trajectory.Cells[k] >= 0)]; // driving steps (all their actions are allowed)
            Assert.Equal(usable.Length, prepared.StepCounts[i]);
            for (int row = 0; row < usable.Length; row++)
            {
                int k = usable[row];
                bool continues = k + 1 < trajectory.Steps && !trajectory.Dones[k];
                // A = r * 0.01 + 0.9 * V(o') - V(o) with V = c: r * 0.01 + (0.9 - 1) * c, or r * 0.01 - c at the end.
                double expected = trajectory.Rewards[k] * 0.01 + (continues ? 0.9 : 0) * constants[i] - constants[i];
                Assert.Equal(expected, advantages[i * steps + row], 5);
            }
            for (int row = usable.Length; row < steps; row++) Assert.Equal(0f, advantages[i * steps + row]);
        }
    }

    [Fact]
    public void Judge_SummarisesEachAgentsOwnSteps()
    {
        using var scope = NewDisposeScope();
        using PreparedDemonstrations prepared = PreparedDemonstrations.From(LearningFixtures.SmallDemos, LearningFixtures.Small, Layout);
        int steps = (int)prepared.StepMask.shape[1];
        var values = new float[prepared.Agents * steps];
        // Agent 0: its first four usable steps +0.3, -0.1, +0.2, -0.4, the rest 0 (0 passes: A >= 0).
        float[] first = [0.3f, -0.1f, 0.2f, -0.4f];
        first.CopyTo(values, 0);

        DemoJudgement?[] judged = ExpertBatches.Judge(tensor(values, [prepared.Agents, steps]), prepared);

        int count = prepared.StepCounts[0];
        Assert.Equal(0.0 / count, judged[0]!.Value.MeanAdvantage, 6);              // 0.3 - 0.1 + 0.2 - 0.4 = 0
        Assert.Equal(1.0 / count, judged[0]!.Value.MeanAbsoluteAdvantage, 6);      // 0.3 + 0.1 + 0.2 + 0.4 = 1
        Assert.Equal((count - 2.0) / count, judged[0]!.Value.PassShare, 6);        // all but the two negative steps
        Assert.Equal(new DemoJudgement(0, 0, 1), judged[1]);
    }

    [Fact]
    public void FilteredDraws_ComeOnlyFromPassingSteps_AndAnAgentWithNoneDrawsStepZero()
    {
        using var scope = NewDisposeScope();
        using PreparedDemonstrations prepared = PreparedDemonstrations.From(LearningFixtures.SmallDemos, LearningFixtures.Small, Layout);
        int agents = prepared.Agents, steps = (int)prepared.StepMask.shape[1];
        var passing = new float[agents * steps];
        passing[0 * steps + 1] = passing[0 * steps + 3] = 1; // agent 0: steps 1 and 3
        for (int k = 0; k < prepared.StepCounts[1]; k++) passing[1 * steps + k] = 1; // agent 1: all its steps; agents 2, 3: none
        using var generator = new Generator(5);
        Tensor draw = rand(agents, 200, generator: generator);

        long[] drawn = prepared.StepIndex(draw, 0, agents, tensor(passing, [agents, steps])).data<long>().ToArray();
        long[] unfiltered = prepared.StepIndex(draw, 0, agents).data<long>().ToArray();

        long[] Row(int agent) => drawn[(agent * 200)..((agent + 1) * 200)];
        Assert.Equal([1L, 3L], Row(0).Distinct().Order());
        Assert.True(Row(1).Distinct().Count() > 1 && Row(1).All(k => k < prepared.StepCounts[1]));
        Assert.All(Row(2), k => Assert.Equal(0L, k));
        // Agent 1 passes every step: the same draw picks the same steps as without the filter.
        Assert.Equal(unfiltered[200..400], Row(1));
    }

    [Theory]
    [InlineData("qfilter")]
    [InlineData("dapg")]
    [InlineData("return")]
    [InlineData("dynamic")]
    public void EachAgentsWeightedExpertLoss_GivesExactlyZeroGradientToEveryOtherAgentsParameters(string spec)
    {
        // The loss the trainer adds for agent 1 alone: w_1 * L_E,1, with the schedule's weight
        // (from agent 1's own critic where it reads one) and, for the Q-filter, agent 1's filtered draws.
        using var scope = NewDisposeScope();
        Scenario scenario = LearningFixtures.Small;
        using PreparedDemonstrations prepared = PreparedDemonstrations.From(LearningFixtures.SmallDemos, scenario, Layout);
        using AgentNetworks networks = Networks(scenario.AgentCount, seed: 3);
        using var generator = new Generator(9);
        IWeightSchedule schedule = WeightSchedules.Parse(spec);
        Tensor advantages = ExpertBatches.Advantages(networks, prepared, 0.99, 0.01);
        var weights = new float[scenario.AgentCount];
        weights.AsSpan().Fill(schedule.Initial);
        AgentEvidence?[] evidence = [.. Enumerable.Repeat<AgentEvidence?>(new AgentEvidence(1.5, -50, 40), scenario.AgentCount)];
        schedule.Update(new WeightInputs(1, 0, evidence, ExpertBatches.Judge(advantages, prepared)), weights);
        Tensor? passing = schedule.FiltersDemoSteps ? ExpertBatches.Passing(advantages, prepared) : null;
        (Tensor observations, Tensor actions) = prepared.Rows(rand(scenario.AgentCount, 64, generator: generator), 0, scenario.AgentCount, passing);
        Tensor agentLosses = networks.Logits(observations).log_softmax(-1).gather(-1, actions.unsqueeze(-1)).squeeze(-1).mean([1]).neg(); // [N], as the trainer's
        Assert.True(weights[1] > 0, $"{spec}: agent 1's weight is {weights[1]}; the test needs a positive one");

        tensor(weights)[1].mul(agentLosses[1]).backward();

        int actorParameters = 0;
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in networks.named_parameters())
        {
            if (parameter.grad is not { } gradient) continue; // the critic takes no part in the expert loss
            for (int j = 0; j < scenario.AgentCount; j++)
            {
                if (j == 1) continue;
                Assert.Equal(0, gradient[j].abs().max().item<float>());
            }
            Assert.True(gradient[1].abs().max().item<float>() > 0, $"{name}: agent 1 got no gradient from its own loss");
            actorParameters++;
        }
        Assert.Equal(6, actorParameters); // the actor: 3 layers x (weight, bias)
    }

    [Fact]
    public void EachAgentsJudgement_ReadsOnlyItsOwnCritic()
    {
        // What the critic-driven schedules read for agent j does not move when agent i's critic changes.
        using var scope = NewDisposeScope();
        using PreparedDemonstrations prepared = PreparedDemonstrations.From(LearningFixtures.SmallDemos, LearningFixtures.Small, Layout);
        using AgentNetworks networks = Networks(prepared.Agents, seed: 4);
        float[] before = ExpertBatches.Advantages(networks, prepared, 0.99, 0.01).contiguous().data<float>().ToArray();
        using (no_grad())
            foreach ((string name, TorchSharp.Modules.Parameter parameter) in networks.named_parameters())
                if (name.StartsWith("critic", StringComparison.Ordinal)) parameter[0].add_(0.5);

        float[] after = ExpertBatches.Advantages(networks, prepared, 0.99, 0.01).contiguous().data<float>().ToArray();

        int steps = before.Length / prepared.Agents;
        Assert.NotEqual(before[..prepared.StepCounts[0]], after[..prepared.StepCounts[0]]);
        Assert.Equal(before[steps..], after[steps..]);
    }
}
