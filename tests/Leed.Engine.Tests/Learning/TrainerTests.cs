// The trainer end to end on the 16x16 preset: it learns, leaks nothing, reproduces, checkpoints, and reports its metrics.
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using TorchSharp;

namespace Leed.Engine.Tests.Learning;

[Collection(TorchCollection.Name)]
public sealed class TrainerTests
{
    private static Trainer Create(Algorithm algorithm, Hyperparameters? hp = null, int seed = 1, string? weights = null) =>
        new(LearningFixtures.Small, LearningFixtures.SmallDemos, algorithm, weights is null ? null : WeightSchedules.Parse(weights),
            hp ?? LearningFixtures.Tiny, seed);

    [Fact]
    public void Leed_OnTheSmallCity_RaisesTheTeamReturnAndBeatsRandom()
    {
        // Episodes last up to 128 steps on this map, so with 32-step rollouts the first one ends in iteration 4.
        var hp = LearningFixtures.Tiny with { Envs = 8, Steps = 32, Iterations = 20 };
        List<double> Returns(Algorithm algorithm)
        {
            using Trainer trainer = Create(algorithm, hp);
            var returns = new List<double>();
            for (int k = 0; k < hp.Iterations; k++)
                if (trainer.RunIteration()[MetricNames.EpisodicReturn] is { } value) returns.Add(value);
            return returns;
        }
        List<double> leed = Returns(Algorithm.Leed), random = Returns(Algorithm.Random);

        double first = leed[0], last = leed.TakeLast(5).Average(), randomMean = random.Average();
        // Four agents; an arrival is worth +100 and every step costs 1: 200 points is two more agents arriving.
        Assert.True(last > first + 200, $"LEED's return went from {first:F0} to {last:F0}");
        Assert.True(last > randomMean + 400, $"LEED ended at {last:F0}, random averaged {randomMean:F0}");
    }

    [Fact]
    public void LiveTensorCount_StaysFlatAcrossIterations()
    {
        foreach (Algorithm algorithm in new[] { Algorithm.Leed, Algorithm.Mappo, Algorithm.Bc, Algorithm.Random })
        {
            using Trainer trainer = Create(algorithm);
            trainer.RunIteration();
            trainer.RunIteration();
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            for (int k = 0; k < 4; k++) trainer.RunIteration();
            trainer.RecordEpisode(greedy: true);
            long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

            Assert.True(before == after, $"{algorithm.Name()}: {after - before} tensors more after four iterations");
        }
    }

    [Fact]
    public void SameSeed_GivesTheSameCurve_AndAnotherSeedDoesNot()
    {
        var hp = LearningFixtures.Tiny with { Threads = 1 };
        double[] Curve(int seed)
        {
            using Trainer trainer = Create(Algorithm.Leed, hp, seed);
            return [.. Enumerable.Range(0, 3).SelectMany(_ =>
            {
                IterationMetrics m = trainer.RunIteration();
                return new[] { m[MetricNames.PolicyLoss]!.Value, m[MetricNames.ValueLoss]!.Value, m[MetricNames.ExpertLoss]!.Value, m[MetricNames.AgentWeight(0)]!.Value };
            })];
        }

        Assert.Equal(Curve(5), Curve(5));
        Assert.NotEqual(Curve(5), Curve(6));
    }

    [Theory]
    [InlineData("leed")]
    [InlineData("random")]
    public void RolloutThreads_RunGroupsOfAgentsSideBySide_WithoutChangingAnyResult(string algorithm)
    {
        string Metrics(int rolloutThreads)
        {
            using Trainer trainer = Create(Algorithms.Parse(algorithm), LearningFixtures.Tiny with { Threads = 1, RolloutThreads = rolloutThreads });
            return string.Join("\n", Enumerable.Range(0, 3).Select(_ => string.Join(" ", trainer.RunIteration().Values
                .Where(pair => pair.Key != MetricNames.StepsPerSecond).OrderBy(pair => pair.Key, StringComparer.Ordinal)
                .Select(pair => FormattableString.Invariant($"{pair.Key}={pair.Value:R}")))));
        }

        string oneThread = Metrics(1);
        Assert.Equal(oneThread, Metrics(2));
        Assert.Equal(oneThread, Metrics(3)); // 4 agents in groups of 1, 1 and 2
    }

    [Theory]
    [InlineData("leed")]
    [InlineData("mappo")]
    [InlineData("bc")]
    public void ManyAgents_TakeTheUpdateInSlices_WithTheSameLossesAndGradients(string algorithm)
    {
        // A budget of one byte puts every agent in a slice of its own; by default the four share one.
        var hp = LearningFixtures.Tiny with { Threads = 1 };
        Trainer Make(long sliceBytes) => new(LearningFixtures.Small, LearningFixtures.SmallDemos, Algorithms.Parse(algorithm), null, hp, 1, null, sliceBytes);
        using Trainer whole = Make(AgentNetworks.SliceBytes), sliced = Make(1);

        for (int k = 0; k < 3; k++)
        {
            IterationMetrics expected = whole.RunIteration(), actual = sliced.RunIteration();
            foreach ((string name, double value) in expected.Values.Where(pair => pair.Key != MetricNames.StepsPerSecond))
                Assert.True(Math.Abs(actual[name]!.Value - value) <= 1e-6 * Math.Max(1, Math.Abs(value)), $"iteration {k + 1}, {name}: {actual[name]} instead of {value}");
        }
        // Each agent's gradients were computed from its own slice; the parameters end where the one-slice update put them,
        // up to the rounding of smaller matmuls, which Adam's normalised step carries into the last bits of the weights
        // (a gradient sent to the wrong agent would move them by the learning rate, about 1e-4).
        foreach (((string name, TorchSharp.Modules.Parameter a), (_, TorchSharp.Modules.Parameter b)) in whole.Networks.named_parameters().Zip(sliced.Networks.named_parameters()))
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6), $"{name} differs after sliced updates: max {a.sub(b).abs().max().item<float>()} of {a.abs().max().item<float>()}");
    }

    [Fact]
    public void Checkpoint_RoundTrip_GivesIdenticalActionsWeightsAndProgress()
    {
        using Trainer original = Create(Algorithm.Leed, weights: "dynamic");
        original.RunIteration();
        original.RunIteration();
        using var stream = new MemoryStream();
        original.SaveCheckpoint(stream);
        stream.Position = 0;

        using Trainer restored = Trainer.LoadCheckpoint(stream, LearningFixtures.Small, LearningFixtures.SmallDemos);

        float[] observations = SomeObservations(envs: 16);
        Assert.Equal(original.Act(observations, greedy: true), restored.Act(observations, greedy: true));
        Assert.Equal(original.Act(observations, greedy: false, sampleSeed: 9), restored.Act(observations, greedy: false, sampleSeed: 9));
        Assert.Equal(original.Weights, restored.Weights);
        Assert.Equal((2, original.GlobalStep), (restored.Iteration, restored.GlobalStep));
        Assert.Equal(original.Hyperparameters, restored.Hyperparameters);
        Assert.Equal("dynamic:1:0.05:2:5:0.3", restored.WeightSchedule!.Spec);
        // Training goes on from the checkpoint.
        Assert.Equal(3, restored.RunIteration().Iteration);
    }

    [Fact]
    public void Checkpoint_FromAnotherScenario_IsRefusedWithAReason()
    {
        using Trainer trainer = Create(Algorithm.Ippo);
        using var stream = new MemoryStream();
        trainer.SaveCheckpoint(stream);
        stream.Position = 0;
        Scenario other = ScenarioGenerator.Generate(LearningFixtures.Small.Map, 3, seed: 3);

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => Trainer.LoadCheckpoint(stream, other, null));
        Assert.Contains("4 agents", error.Message);
        Assert.Throws<InvalidDataException>(() => Trainer.LoadCheckpoint(new MemoryStream([1, 2, 3]), other, null));
    }

    [Fact]
    public void Demo_ReplaysTheDemonstrations_AndArrivesAsTheyDid()
    {
        using Trainer demo = Create(Algorithm.Demo);
        IterationMetrics metrics = demo.RunIteration();

        Assert.Equal(LearningFixtures.SmallDemos.ArrivalRate, metrics[MetricNames.ArrivalRate]);
        Assert.Equal(0, metrics[MetricNames.DemoDtw]!.Value, 6);
        Assert.Null(metrics[MetricNames.PolicyLoss]);
    }

    [Fact]
    public void Demo_WithTheExecutorsSeed_ReproducesTheDemonstrationExactly()
    {
        // 20 agents on the medium city: the executed demonstrations include blocked moves that were
        // retried; the replay must not repeat them (it once did, and 3 of 20 vehicles overshot their routes).
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Medium), 20, seed: 1);
        ExpertDataset demos = ExpertSources.Planner(scenario);
        Assert.Contains(demos.Agents, agent => agent.Cells.Zip(agent.Cells.Skip(1)).Any(pair => pair.First >= 0 && pair.First == pair.Second));

        using var demo = new Trainer(scenario, demos, Algorithm.Demo, null, LearningFixtures.Tiny, seed: 0);
        EpisodeTrace episode = demo.RecordEpisode(greedy: true, seed: 0); // the executor's environment seed

        Assert.Equal(demos.Agents.Sum(agent => agent.Return), episode.Summary.TeamReturn);
        Assert.Equal(20, episode.Summary.Arrived);
    }

    [Fact]
    public void Metrics_UseOnlyTheNamesInMetricNames_AndReportWhatEachAlgorithmHas()
    {
        using Trainer leed = Create(Algorithm.Leed, LearningFixtures.Tiny with { Steps = 64 });
        using Trainer ippo = Create(Algorithm.Ippo, LearningFixtures.Tiny with { Steps = 64 });
        IterationMetrics leedMetrics = leed.RunIteration(), ippoMetrics = ippo.RunIteration();
        IReadOnlyList<string> known = MetricNames.All(4);

        Assert.All(leedMetrics.Values.Keys.Concat(ippoMetrics.Values.Keys), name => Assert.Contains(name, known));
        foreach (string name in new[] { MetricNames.PolicyLoss, MetricNames.ValueLoss, MetricNames.Entropy, MetricNames.ApproxKl, MetricNames.ClipFraction,
            MetricNames.ExplainedVariance, MetricNames.ExpertLoss, MetricNames.DemoAgreement, MetricNames.StepsPerSecond, MetricNames.AgentWeight(3) })
            Assert.NotNull(leedMetrics[name]);
        Assert.Null(ippoMetrics[MetricNames.ExpertLoss]);
        Assert.Null(ippoMetrics[MetricNames.AgentWeight(0)]);
        Assert.Equal(LearningFixtures.Tiny.Envs * 64L, leedMetrics.GlobalStep);
        Assert.Equal(1, leedMetrics.Iteration);
    }

    [Fact]
    public void AgentsWithoutAValidDemonstration_GetWeightZero()
    {
        ExpertDataset demos = LearningFixtures.SmallDemos;
        ExpertTrajectory[] agents = [.. demos.Agents];
        agents[2] = new ExpertTrajectory(2, agents[2].ObservationSize, [], [], [], [], valid: false, arrived: false);
        using var trainer = new Trainer(LearningFixtures.Small, new ExpertDataset(agents, "test: Agent_2 invalid"), Algorithm.Leed,
            new FixedWeight(0.5f), LearningFixtures.Tiny, 1);

        IterationMetrics metrics = trainer.RunIteration();

        Assert.Equal([0.5f, 0.5f, 0f, 0.5f], trainer.Weights);
        Assert.Equal(0, metrics[MetricNames.AgentWeight(2)]);
    }

    [Theory]
    [InlineData("qfilter:0.8", 0.8)]
    [InlineData("dapg:0.6:0.5", 0.6)]
    [InlineData("return:0.9", 0.9)]
    public void CriticAndReturnSchedules_Train_AndLogEachAgentsWeightInItsRange(string spec, double max)
    {
        ExpertDataset demos = LearningFixtures.SmallDemos;
        ExpertTrajectory[] agents = [.. demos.Agents];
        agents[2] = new ExpertTrajectory(2, agents[2].ObservationSize, [], [], [], [], valid: false, arrived: false);
        using var trainer = new Trainer(LearningFixtures.Small, new ExpertDataset(agents, "test: Agent_2 invalid"), Algorithm.Leed,
            WeightSchedules.Parse(spec), LearningFixtures.Tiny, 1);

        var logged = new List<double>();
        for (int k = 0; k < 3; k++)
        {
            IterationMetrics metrics = trainer.RunIteration();
            Assert.True(double.IsFinite(metrics[MetricNames.ExpertLoss] ?? double.NaN));
            Assert.Equal(0, metrics[MetricNames.AgentWeight(2)]);
            for (int i = 0; i < 4; i++) logged.Add(metrics[MetricNames.AgentWeight(i)] ?? double.NaN);
        }

        Assert.All(logged, weight => Assert.InRange(weight, 0, max + 1e-6));
        Assert.Contains(logged, weight => weight > 0);
        if (spec.StartsWith("dapg", StringComparison.Ordinal))
            Assert.True(trainer.Weights[0] <= 0.6 * 0.25 + 1e-6, $"dapg:0.6:0.5 at iteration 3 is at most 0.6 * 0.5^2; got {trainer.Weights[0]}");
    }

    [Fact]
    public void RecordEpisode_TracesEveryAgentEveryStepUntilTheEpisodeEnds()
    {
        using Trainer demo = Create(Algorithm.Demo);
        EpisodeTrace trace = demo.RecordEpisode(greedy: true);

        Assert.Equal(trace.Summary.Steps + 1, trace.Positions.Count);
        Assert.All(trace.Positions, cells => Assert.Equal(4, cells.Length));
        Assert.All(trace.Statuses[0], status => Assert.Equal(AgentStatus.Waiting, status));
        Assert.All(trace.Statuses[^1], status => Assert.Equal(AgentStatus.Arrived, status));
        Assert.Equal(LearningFixtures.Small.Agents[0].Origin, trace.Positions.First(cells => cells[0] >= 0)[0]);
    }

    [Fact]
    public void Constructor_RefusesLeedWithoutDemonstrations()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() =>
            new Trainer(LearningFixtures.Small, null, Algorithm.Leed, null, LearningFixtures.Tiny, 1));
        Assert.Contains("leed needs demonstrations", error.Message);
    }

    /// <summary>Observations of a few environments after some random steps, <c>[E, N, O]</c> flattened.</summary>
    private static float[] SomeObservations(int envs)
    {
        var env = new VectorCityEnv(LearningFixtures.Small, envs);
        var observations = new float[envs * env.AgentCount * env.ObservationSize];
        var actions = new int[envs * env.AgentCount];
        env.Reset(3, observations);
        var random = new Random(3);
        for (int step = 0; step < 12; step++)
        {
            for (int k = 0; k < actions.Length; k++) actions[k] = random.Next(5);
            env.Step(actions, observations);
        }
        return observations;
    }
}
