// Intervening in a LEED run: pause, switch to a new demonstration version, resume; the switch is recorded and training is continuous.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Tests.Learning;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Runs;

[Collection(TorchCollection.Name)]
public sealed class RunInterventionTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-intervene-");

    public void Dispose() => _data.Dispose();

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void SwitchWhilePaused_TrainsOnTheNewVersion_RecordsTheSwitch_AndKeepsIterationsAndStepsContinuous()
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, seed: 2);
        DemonstrationSet planned = new PlannerDemonstrator().Generate(scenario);
        var demos = new DemonstrationStore(_data.Store);
        StoredDemonstrationSet v1 = demos.SaveNew(scenario, 2, planned);
        StoredDemonstrationSet v2 = demos.SaveVersion(v1.Id, scenario, planned.Agents,
            [new DemonstrationEdit { Editor = "tester", Agent = 0, Summary = "reviewed", At = DateTime.UtcNow }]);
        StoredDemonstrationSet other = demos.SaveNew(ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, seed: 5), 5,
            new PlannerDemonstrator().Generate(ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, seed: 5)));
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store) { CheckpointEvery = 1000 });
        RunRecord run = registry.Submit(new RunSpec
        {
            Algorithm = "leed", Map = PresetMaps.Small, Agents = 3, Demonstrator = "set", DemoSetId = v1.Id, Seed = 3, Iterations = 12, Weight = "dynamic",
            Hyperparameters = new() { ["Envs"] = 2, ["Steps"] = 32, ["Minibatches"] = 2, ["UpdateEpochs"] = 1 },
        });

        WaitFor(() => registry.Get(run.Id)!.Iteration >= 2, "two iterations");
        registry.Pause(run.Id);
        WaitFor(() => registry.Get(run.Id)!.Status == RunStatus.Paused, "the pause");
        int pausedAt = registry.Get(run.Id)!.Iteration;
        registry.SwitchDemonstrations(run.Id, other.Id, "tester");   // other agents: refused, the run keeps v1
        registry.Resume(run.Id);
        WaitFor(() => registry.Get(run.Id)!.Iteration >= pausedAt + 2, "two more iterations");
        registry.Pause(run.Id);
        WaitFor(() => registry.Get(run.Id)!.Status == RunStatus.Paused, "the second pause");
        int switchedAt = registry.Get(run.Id)!.Iteration;
        registry.SwitchDemonstrations(run.Id, v2.Id, "tester");
        registry.Resume(run.Id);
        WaitFor(() => !registry.Get(run.Id)!.IsActive, "the end");

        RunRecord done = registry.Get(run.Id)!;
        Assert.True(done.Status == RunStatus.Completed, done.Error);
        Assert.Equal(2, done.Events.Count);
        RunEvent refused = done.Events[0], switched = done.Events[1];
        Assert.Equal((RunEvent.DemonstrationSwitchRefused, pausedAt), (refused.Kind, refused.Iteration));
        Assert.Contains("made for other agents", refused.Refusal);
        Assert.Equal((RunEvent.DemonstrationSwitch, switchedAt, "tester"), (switched.Kind, switched.Iteration, switched.Who));
        Assert.Equal((v1.Id, v1.Title, v2.Id, v2.Title), (switched.OldSetId, switched.OldVersion, switched.NewSetId, switched.NewVersion));
        Assert.Equal(v2.Id, done.Spec.DemoSetId);
        Assert.Contains(run.Id, demos.Find(v2.Id)!.UsedByRuns);

        // One row per iteration, steps advancing by one rollout each, across both the refusal and the switch.
        IReadOnlyList<MetricRecord> metrics = new RunStore(_data.Store).MetricsOf(run.Id);
        Assert.Equal(Enumerable.Range(1, 12), metrics.Select(metric => metric.Iteration));
        Assert.Equal(Enumerable.Range(1, 12).Select(i => i * 64L), metrics.Select(metric => metric.GlobalStep));
        Assert.True(metrics[switchedAt].Values.ContainsKey("losses/expert_loss"));

        // Stored: a new process sees the events and continues on v2.
        Assert.Equal(2, new RunStore(_data.Store).Find(run.Id)!.Events.Count);
    }
}
