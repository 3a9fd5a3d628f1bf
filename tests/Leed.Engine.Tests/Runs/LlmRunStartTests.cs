// A run that asks the configured LLM for its demonstrations at start: the set is stored with its transcript before training, or, with no valid agent, nothing is stored.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Tests.Demonstrations;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Runs;

public sealed class LlmRunStartTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-llm-run-");

    public void Dispose() => _data.Dispose();

    private static RunSpec LlmRun() => new()
    {
        Algorithm = "leed", Map = PresetMaps.Small, Agents = 3, ScenarioSeed = 2, Seed = 5, Iterations = 1, Weight = "fixed:0.5", Demonstrator = "llm",
        Hyperparameters = new() { ["Envs"] = 2, ["Steps"] = 16, ["Minibatches"] = 2, ["UpdateEpochs"] = 1 },
    };

    /// <summary>The demonstrations service configured for the scripted server, as the dashboard's Settings would configure it.</summary>
    private DemonstrationService ServiceFor(ScriptedOpenAiServer server) => new(_data.Store, LlmHttp.Shared, () => new LlmOptions
    {
        Endpoint = server.BaseUrl.ToString(), Model = "test-model", ApiKey = "sk-test", TimeoutSeconds = 10, MaxRetries = 0,
    });

    private static RunRecord RunToTheEnd(RunRegistry registry, RunSpec spec)
    {
        RunRecord run = registry.Submit(spec);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (registry.Get(run.Id) is { IsActive: true })
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the run did not end in 2 minutes");
            Thread.Sleep(20);
        }
        return registry.Get(run.Id)!;
    }

    [Fact]
    public async Task ARunWithLlmDemonstrationsAtStart_StoresTheSetWithItsTranscript_AndTrainsOnThatSet()
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, 2); // the run's own scenario (3 agents, scenario seed 2)
        await using var server = ScriptedOpenAiServer.Start().Otherwise(LlmDemonstratorTests.AnswerWhatIsAsked(scenario));
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store, ServiceFor(server)));

        RunRecord done = RunToTheEnd(registry, LlmRun());

        Assert.True(done.Status == RunStatus.Completed, done.Error);
        int setId = done.Spec.DemoSetId ?? throw new Xunit.Sdk.XunitException("the run does not name the set the LLM wrote");
        StoredDemonstrationSet set = new DemonstrationStore(_data.Store).Find(setId)!;
        Assert.Equal(("llm", "test-model", 3), (set.Demonstrator, set.Model, set.Agents.Count));
        Assert.Equal([done.Id], set.UsedByRuns);
        // Every call that made the set is stored with it: the prompts the server received, in order.
        IReadOnlyList<LlmCallRecord> transcript = new LlmTranscriptStore(_data.Store).ForSet(setId);
        Assert.Equal(server.Requests.Count, transcript.Count);
        Assert.Equal(server.Requests.Select(request => request.UserPrompt), transcript.Select(call => call.UserPrompt));
        Assert.Contains("LLM test-model", done.DemonstrationLabel);
    }

    [Fact]
    public async Task ARunWithLlmDemonstrationsAtStart_WhereNoAgentIsValid_FailsSayingSo_AndStoresNeitherSetNorTranscript()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Reply("""{"agents": []}"""));
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store, ServiceFor(server)));

        RunRecord done = RunToTheEnd(registry, LlmRun());

        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains("gave no agent a valid route", done.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was stored", done.Error, StringComparison.Ordinal);
        Assert.NotEmpty(server.Requests);
        Assert.Empty(new DemonstrationStore(_data.Store).List());
        Assert.Equal(0, _data.Store.Collection<LiteDB.BsonDocument>(LlmTranscriptStore.CollectionName).Count());
        Assert.Null(done.Spec.DemoSetId);
    }

    [Fact]
    public void ARunAskingForTheLlm_WithNoLlmConfigured_FailsSayingSo()
    {
        using var registry = new RunRegistry(new RunStore(_data.Store), new TrainerWorkloadFactory(_data.Store, new DemonstrationService(_data.Store)));

        RunRecord done = RunToTheEnd(registry, LlmRun());

        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Contains("No LLM is configured", done.Error, StringComparison.Ordinal);
        Assert.Empty(new DemonstrationStore(_data.Store).List());
    }
}
