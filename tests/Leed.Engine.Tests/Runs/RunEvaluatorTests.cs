// Evaluating a checkpoint: greedy episodes that match the trainer's own greedy play, other scenario seeds, clear refusals, results kept with the run.
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Tests.Learning;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Runs;

[Collection(TorchCollection.Name)]
public sealed class RunEvaluatorTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-evaluate-");

    public void Dispose() => _data.Dispose();

    private static RunSpec Tiny(string algorithm, int iterations = 2) => new()
    {
        Algorithm = algorithm, Map = PresetMaps.Small, Agents = 3, ScenarioSeed = 2, Seed = 5, Iterations = iterations, Weight = "dynamic",
        Hyperparameters = new() { ["Envs"] = 2, ["Steps"] = 32, ["Minibatches"] = 2, ["UpdateEpochs"] = 1 },
    };

    private RunRecord Finished(RunSpec spec)
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));
        RunRecord run = registry.Submit(spec);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (registry.Get(run.Id)!.Status is not (RunStatus.Completed or RunStatus.Failed))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the run did not finish in 60 s");
            Thread.Sleep(20);
        }
        Assert.True(registry.Get(run.Id)!.Status == RunStatus.Completed, registry.Get(run.Id)!.Error);
        return registry.Get(run.Id)!;
    }

    [Fact]
    public void Run_OneEpisode_MeasuresWhatTheTrainersOwnGreedyEpisodeMeasures()
    {
        Scenario scenario = LearningFixtures.Small;
        using var trainer = new Trainer(scenario, LearningFixtures.SmallDemos, Algorithm.Leed, null, LearningFixtures.Tiny, seed: 3);
        trainer.RunIteration();
        trainer.RunIteration();
        using var checkpoint = new MemoryStream();
        trainer.SaveCheckpoint(checkpoint);
        checkpoint.Position = 0;

        PolicyEvaluation evaluated = Evaluation.Run(checkpoint, scenario, episodes: 1, seed: 11);

        // The trainer plays through its own networks and sampling code; evaluation reloads the policy from the bytes.
        EpisodeSummary expected = trainer.RecordEpisode(greedy: true, seed: 11).Summary;
        Assert.Equal(2, evaluated.Iteration);
        Assert.Equal(expected.TeamReturn, evaluated.Return.Mean, 4);
        Assert.Equal((double)expected.Arrived / expected.Agents, evaluated.ArrivalRate.Mean, 6);
        Assert.Equal(expected.Congestion, evaluated.Congestion.Mean, 5);
        Assert.Equal(expected.Steps, evaluated.MeanSteps);
        if (expected.Arrived > 0) Assert.Equal(expected.MeanTravelTime, evaluated.TravelTime!.Mean, 4);
        else Assert.Null(evaluated.TravelTime);
    }

    [Fact]
    public void Run_TheSameSeedTwice_GivesTheSameEpisodes_AndManyEpisodesSpreadAroundTheirMean()
    {
        Scenario scenario = LearningFixtures.Small;
        using var trainer = new Trainer(scenario, null, Algorithm.Ippo, null, LearningFixtures.Tiny, seed: 4);
        trainer.RunIteration();
        byte[] bytes;
        using (var stream = new MemoryStream()) { trainer.SaveCheckpoint(stream); bytes = stream.ToArray(); }

        PolicyEvaluation first = Evaluation.Run(new MemoryStream(bytes), scenario, episodes: 40, seed: 3);
        PolicyEvaluation again = Evaluation.Run(new MemoryStream(bytes), scenario, episodes: 40, seed: 3);

        Assert.Equal(40, first.Episodes);
        Assert.Equal((first.Return.Mean, first.Return.Std, first.Congestion.Mean), (again.Return.Mean, again.Return.Std, again.Congestion.Mean));
        Assert.InRange(first.Return.Mean, first.Return.Min, first.Return.Max);
        Assert.InRange(first.ArrivalRate.Mean, 0, 1);
    }

    [Fact]
    public void Evaluate_AFinishedRun_OnItsTrainingScenarioAndOnAnotherSeed_StoresBothWithTheRun()
    {
        RunRecord run = Finished(Tiny("leed"));
        var evaluator = new RunEvaluator(_data.Store);

        RunEvaluation own = evaluator.Evaluate(run.Id, episodes: 3);
        RunEvaluation other = evaluator.Evaluate(run.Id, episodes: 2, scenarioSeed: 9);

        Assert.Equal((run.Id, 2, "leed", "greedy", 3, 3), (own.RunId, own.Iteration, own.Algorithm, own.Policy, own.Episodes, own.Agents));
        Assert.True(own.TrainingScenario);
        Assert.Null(own.ScenarioSeed);
        Assert.StartsWith("generated: seed 2, 3 agents", own.Scenario);
        Assert.False(other.TrainingScenario);
        Assert.Equal(9, other.ScenarioSeed);
        Assert.StartsWith("generated: seed 9, 3 agents", other.Scenario);
        Assert.Equal(3, other.Agents);

        // Kept with the run: a new evaluator (as after a restart) lists them newest first, and they go with the run.
        IReadOnlyList<RunEvaluation> stored = new RunEvaluator(_data.Store).Of(run.Id);
        Assert.Equal([9, null], stored.Select(evaluation => evaluation.ScenarioSeed));
        Assert.Equal(own.Return.Mean, stored[1].Return.Mean);
        Assert.Equal(DateTimeKind.Utc, stored[0].EvaluatedAt.Kind);
        Assert.True(new RunStore(_data.Store).Delete(run.Id));
        Assert.Empty(new RunEvaluator(_data.Store).Of(run.Id));
    }

    [Fact]
    public void Evaluate_SaysWhatIsWrong_ForAnUnknownRun_ARunWithoutCheckpoint_AReferencePolicyAndBadOptions()
    {
        var evaluator = new RunEvaluator(_data.Store);
        Assert.Contains("No run with id 'nope'", Assert.Throws<KeyNotFoundException>(() => evaluator.Evaluate("nope", 3)).Message);

        var store = new RunStore(_data.Store);
        var queued = new RunRecord { Id = "never-started", Spec = Tiny("ippo"), Status = RunStatus.Stopped, CreatedAt = DateTime.UtcNow };
        store.Save(queued);
        Assert.Contains("has no checkpoint yet", Assert.Throws<ArgumentException>(() => evaluator.Evaluate(queued.Id, 3)).Message);

        RunRecord random = Finished(Tiny("random", iterations: 1));
        Assert.Contains("random is a reference policy", Assert.Throws<ArgumentException>(() => evaluator.Evaluate(random.Id, 3)).Message);
        Assert.Contains("--episodes must be from 1 to 1000, got 0", Assert.Throws<ArgumentException>(() => evaluator.Evaluate(random.Id, 0)).Message);
        Assert.Empty(evaluator.Of(random.Id));
    }
}
