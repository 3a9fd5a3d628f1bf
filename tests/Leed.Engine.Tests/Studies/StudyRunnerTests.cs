// Running a tiny study for real: its cells are ordinary tagged runs through the registry, every cell of a condition trains on the study's stored version, and a study picks up after a restart.
using Leed.Engine.Analysis;
using Leed.Engine.Demonstrations;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Studies;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Studies;

public sealed class StudyRunnerTests : IDisposable
{
    public const string Tiny = """
        {"name": "tiny", "map": "synthetic-small", "agents": [3], "seeds": [1], "iterations": 2,
         "corruption": [{"kind": "none", "fraction": 0}, {"kind": "drop", "fraction": 0.34}],
         "configs": [{"name": "leed", "algo": "leed", "weight": "fixed:0.5"}, {"name": "ippo", "algo": "ippo"}],
         "hyperparameters": {"Envs": 2, "Steps": 64, "Minibatches": 2, "UpdateEpochs": 1, "HiddenSize": 16, "ExpertBatchSize": 16}}
        """;

    private readonly TempDataFolder _data = new("leed-study-");

    public void Dispose() => _data.Dispose();

    private RunRegistry NewRegistry() => new(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store));

    private StudyRecord Create(StudyRunner runner, string json = Tiny) =>
        runner.Create(StudyPlanReader.Read(json, "tiny.json", MapCatalog.For(_data.Store)), "tiny.json", json);

    [Fact]
    public async Task AStudy_RunsEveryCellAsATaggedRun_OnTheStudysStoredDemonstrationVersions()
    {
        using RunRegistry registry = NewRegistry();
        var runner = new StudyRunner(_data.Store, registry);
        StudyRecord study = Create(runner);
        Assert.Equal(6, study.Cells.Count); // leed and demo at two levels, ippo and random once
        Assert.All(study.Cells, cell => Assert.Null(cell.RunId));

        runner.Start(study.Id);
        var finished = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await runner.WaitAsync(study.Id, (cell, run) => finished.Add(cell.Key), timeout.Token);

        study = runner.Studies.Find(study.Id)!;
        Assert.Equal(study.Cells.Select(cell => cell.Key).Order(), finished.Order());
        var demos = new DemonstrationStore(_data.Store);
        StoredStudyDemoSet clean = study.DemoSets.Single(set => set.Corruption == "none");
        StoredStudyDemoSet dropped = study.DemoSets.Single(set => set.Corruption == "drop-0.34");
        Assert.Equal((1, 2), (clean.Version, dropped.Version));
        Assert.Equal(demos.Find(clean.SetId)!.Family, demos.Find(dropped.SetId)!.Family);
        Assert.Single(demos.Find(dropped.SetId)!.Corruption!.ChangedAgents); // round(0.34 x 3) = 1

        foreach (StoredStudyCell cell in study.Cells)
        {
            RunRecord run = registry.Get(cell.RunId!)!;
            Assert.True(run.Status == RunStatus.Completed, $"{cell.Key}: {run.Status} {run.Error}");
            Assert.Equal((study.Id, cell.Key), (run.Spec.StudyId, run.Spec.Cell));
            Assert.Contains(StudyRunner.Tag(study.Id), run.Tags);
            Assert.Equal(2, registry.Metrics(run.Id).Count);
            Assert.Equal(StudyRunner.GroupName(study.Id, cell), run.Spec.Group);
            if (cell.Config is "leed" or "demo")
            {
                int expected = cell.Corruption == "none" ? clean.SetId : dropped.SetId;
                Assert.Equal(("set", expected), (run.Spec.Demonstrator, run.Spec.DemoSetId));
                Assert.Contains(run.Id, demos.Find(expected)!.UsedByRuns);
            }
            else Assert.Null(run.Spec.DemoSetId);
        }

        (StudySummary summary, IReadOnlyList<StudyCurve> curves) = runner.Results(study);
        Assert.Equal(6, summary.Groups.Count);
        Assert.All(summary.Groups, group => Assert.Equal(1, group.Runs));
        Assert.All(curves, curve => Assert.NotEmpty(curve.Band.X)); // the one episode of every run ends in its second iteration
        Assert.All(summary.Groups, group => Assert.NotNull(group.FinalReturn));
        Assert.True(runner.Progress(study).Done);
    }

    [Fact]
    public async Task AfterARestart_Resume_KeepsFinishedCellsAndRunsTheRest_FromTheirCheckpoints()
    {
        string json = Tiny.Replace("\"iterations\": 2", "\"iterations\": 30");
        string studyId;
        Dictionary<string, (RunStatus Status, int Rows)> before;
        using (RunRegistry first = NewRegistry())
        {
            var runner = new StudyRunner(_data.Store, first);
            StudyRecord study = Create(runner, json);
            studyId = study.Id;
            runner.Start(studyId);
            study = runner.Studies.Find(studyId)!;
            // Wait until the first cell has finished and the second has a checkpoint (every 10 iterations), then "crash".
            string second = study.Cells[1].RunId!;
            await WaitUntil(() => first.Get(study.Cells[0].RunId!)!.Status == RunStatus.Completed && first.Get(second)!.Iteration >= 10);
            before = study.Cells.ToDictionary(cell => cell.Key, cell => (first.Get(cell.RunId!)!.Status, new RunStore(_data.Store).MetricsOf(cell.RunId!).Count));
        }
        // Disposing the registry stops what was running; a new one (the restarted process) sees the rest as it was left.
        using RunRegistry registry = NewRegistry();
        var resumed = new StudyRunner(_data.Store, registry);
        StudyRecord after = resumed.Studies.Find(studyId)!;
        string firstRun = after.Cells[0].RunId!;
        DateTime? firstEnded = registry.Get(firstRun)!.EndedAt;

        resumed.Resume(studyId);
        var finished = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await resumed.WaitAsync(studyId, (cell, run) => finished.Add(cell.Key), timeout.Token);

        after = resumed.Studies.Find(studyId)!;
        Assert.DoesNotContain(after.Cells[0].Key, finished); // finished before the restart: not run again
        Assert.Equal(firstEnded, registry.Get(firstRun)!.EndedAt);
        foreach (StoredStudyCell cell in after.Cells)
        {
            RunRecord run = registry.Get(cell.RunId!)!;
            Assert.Equal(RunStatus.Completed, run.Status);
            // Exactly one row per iteration in the final timeline, and the cell kept its run id.
            Assert.Equal(30, new ComparedRun(run, registry.Metrics(run.Id)).Iterations.Count);
        }
        Assert.Equal(before[after.Cells[0].Key].Rows, new RunStore(_data.Store).MetricsOf(firstRun).Count);
        Assert.True(resumed.Progress(after).Done);
    }

    [Fact]
    public async Task AStudyWithLlmDemonstrations_StoresTheLlmsSetWithItsTranscript_AndTrainsOnIt()
    {
        string json = Tiny.Replace("\"agents\": [3]", "\"agents\": [3], \"demonstrations\": \"llm\", \"referencePolicies\": false")
            .Replace("\"corruption\": [{\"kind\": \"none\", \"fraction\": 0}, {\"kind\": \"drop\", \"fraction\": 0.34}],", "");
        Leed.Engine.Env.Scenario scenario = Leed.Engine.Env.ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, 1); // the study's own scenario (scenarioSeed 1)
        await using var server = Support.ScriptedOpenAiServer.Start().Otherwise(Demonstrations.LlmDemonstratorTests.AnswerWhatIsAsked(scenario));
        var demonstrations = new DemonstrationService(_data.Store, LlmHttp.Shared,
            () => new Leed.Engine.Hosting.LlmOptions { Endpoint = server.BaseUrl.ToString(), Model = "test-model", ApiKey = "sk-test", TimeoutSeconds = 10, MaxRetries = 0 });
        using RunRegistry registry = NewRegistry();
        var runner = new StudyRunner(_data.Store, registry, demonstrations);
        StudyRecord study = Create(runner, json);

        runner.Start(study.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await runner.WaitAsync(study.Id, (_, _) => { }, timeout.Token);

        study = runner.Studies.Find(study.Id)!;
        StoredDemonstrationSet set = new DemonstrationStore(_data.Store).Find(study.DemoSets.Single().SetId)!;
        Assert.Equal(("llm", "test-model"), (set.Demonstrator, set.Model));
        Assert.True(new LlmTranscriptStore(_data.Store).CountForSet(set.Id) >= 1);
        RunRecord leed = registry.Get(study.Cells.Single(cell => cell.Config == "leed").RunId!)!;
        Assert.Equal(RunStatus.Completed, leed.Status);
        Assert.Contains("LLM test-model", leed.DemonstrationLabel);
    }

    [Fact]
    public void AStudyWithLlmDemonstrations_AndNoLlmConfigured_SaysSo_AndQueuesNothing()
    {
        string json = Tiny.Replace("\"agents\": [3]", "\"agents\": [3], \"demonstrations\": \"llm\"");
        using RunRegistry registry = NewRegistry();
        var runner = new StudyRunner(_data.Store, registry, demonstrations: null);
        StudyRecord study = Create(runner, json);

        StudyException failure = Assert.Throws<StudyException>(() => runner.Start(study.Id));
        Assert.Contains("no LLM is configured", failure.Message);
        study = runner.Studies.Find(study.Id)!;
        Assert.All(study.Cells, cell => Assert.Null(cell.RunId));
        Assert.Equal(failure.Message, study.Error);
        Assert.Empty(registry.List());
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("The study did not get there in 3 minutes.");
            await Task.Delay(50);
        }
    }
}
