// `evaluate RUN_ID` on the command line: the JSON it prints, the results kept with the run, its exit codes, with and without a dashboard owning the folder.
using System.Text.Json;
using Leed.Dashboard.Cli;
using Leed.Dashboard.Tests.Browser;
using Leed.Dashboard.Tests.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Leed.Dashboard.Tests.Cli;

public sealed class EvaluateVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-evaluate-cli-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private string Data => Path.Combine(_folder, "data");

    private static async Task<(int Exit, string Output, string Error)> Run(string data, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await CommandLine.RunAsync([.. args, "--data", data], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>A finished tiny LEED run trained by the registry in <paramref name="registry"/>'s store.</summary>
    private static string FinishedRun(RunRegistry registry, string algorithm = "leed")
    {
        RunSpec spec = AppServerFixture.TinyRun("evaluated", PresetMaps.Small, agents: 3, iterations: 2);
        spec.Algorithm = algorithm;
        string id = registry.Submit(spec).Id;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (registry.Get(id)!.IsActive)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the run did not finish in 90 s");
            Thread.Sleep(20);
        }
        Assert.True(registry.Get(id)!.Status == RunStatus.Completed, registry.Get(id)!.Error);
        return id;
    }

    private string FinishedRunInTheFolder(string algorithm = "leed")
    {
        using LiteDbStore store = LiteDbStore.Open(Data);
        using var registry = new RunRegistry(new RunStore(store), new TrainerWorkloadFactory(store));
        return FinishedRun(registry, algorithm);
    }

    private static void AssertMeasures(JsonElement root)
    {
        foreach (string measure in new[] { "return", "arrivalRate", "congestion" })
        {
            JsonElement stat = root.GetProperty(measure);
            double mean = stat.GetProperty("mean").GetDouble();
            Assert.InRange(mean, stat.GetProperty("min").GetDouble(), stat.GetProperty("max").GetDouble());
            Assert.True(stat.GetProperty("std").GetDouble() >= 0);
        }
        Assert.InRange(root.GetProperty("arrivalRate").GetProperty("mean").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("congestion").GetProperty("mean").GetDouble(), 0, 1);
        Assert.True(root.TryGetProperty("travelTime", out _));
        Assert.True(root.GetProperty("meanSteps").GetDouble() > 0);
    }

    [Fact]
    public async Task Evaluate_PrintsTheMeasuresAsJson_OnTheTrainingScenarioAndAnotherSeed_AndKeepsThemWithTheRun()
    {
        string id = FinishedRunInTheFolder();

        (int exit, string stdout, string stderr) = await Run(Data, "evaluate", id, "--episodes", "4");
        (int otherExit, string other, string otherError) = await Run(Data, "evaluate", id, "--episodes", "2", "--scenario-seed", "7");

        Assert.True(exit == 0, stderr);
        using JsonDocument own = JsonDocument.Parse(stdout);
        Assert.Equal(id, own.RootElement.GetProperty("runId").GetString());
        Assert.Equal(2, own.RootElement.GetProperty("iteration").GetInt32());
        Assert.Equal(4, own.RootElement.GetProperty("episodes").GetInt32());
        Assert.Equal("greedy", own.RootElement.GetProperty("policy").GetString());
        Assert.True(own.RootElement.GetProperty("trainingScenario").GetBoolean());
        Assert.Equal(JsonValueKind.Null, own.RootElement.GetProperty("scenarioSeed").ValueKind);
        AssertMeasures(own.RootElement);
        Assert.True(otherExit == 0, otherError);
        using JsonDocument generalised = JsonDocument.Parse(other);
        Assert.Equal(7, generalised.RootElement.GetProperty("scenarioSeed").GetInt32());
        Assert.False(generalised.RootElement.GetProperty("trainingScenario").GetBoolean());
        Assert.StartsWith("generated: seed 7, 3 agents", generalised.RootElement.GetProperty("scenario").GetString());

        using LiteDbStore store = LiteDbStore.Open(Data);
        Assert.Equal([7, null], new RunEvaluator(store).Of(id).Select(evaluation => evaluation.ScenarioSeed));
    }

    [Fact]
    public async Task Evaluate_ExitsTwo_ForAnUnknownRun_ARunWithoutCheckpoint_AReferencePolicy_AndBadOptions()
    {
        string random = FinishedRunInTheFolder("random");
        using (LiteDbStore store = LiteDbStore.Open(Data))
            new RunStore(store).Save(new RunRecord { Id = "queued-run", Spec = AppServerFixture.TinyRun("q", PresetMaps.Small, 3, 2), Status = RunStatus.Stopped });

        (int, string)[] results =
        [
            await Fails("evaluate", "no-such-run"),
            await Fails("evaluate", "queued-run"),
            await Fails("evaluate", random),
            await Fails("evaluate", random, "--episodes", "0"),
            await Fails("evaluate", random, "--scenario-seed", "-1"),
            await Fails("evaluate"),
        ];

        Assert.All(results, result => Assert.Equal(2, result.Item1));
        Assert.Contains("No run with id 'no-such-run'", results[0].Item2);
        Assert.Contains("Run queued-run has no checkpoint yet", results[1].Item2);
        Assert.Contains("random is a reference policy", results[2].Item2);
        Assert.Contains("--episodes must be between 1 and 1000, got 0", results[3].Item2);
        Assert.Contains("--scenario-seed", results[4].Item2);
        Assert.Contains("Missing the run's id", results[5].Item2);
    }

    private async Task<(int, string)> Fails(params string[] args)
    {
        (int exit, string stdout, string stderr) = await Run(Data, args);
        Assert.Equal("", stdout);
        return (exit, stderr);
    }

    [Fact]
    public async Task Evaluate_WhenADashboardOwnsTheFolder_GoesThroughItsLocalApi_AndTheResultLandsInItsStore()
    {
        await using var server = new RealServer();
        var registry = server.Services.GetRequiredService<RunRegistry>();
        string id = FinishedRun(registry);

        (int exit, string stdout, string stderr) = await Run(server.DataDirectory, "evaluate", id, "--episodes", "3", "--scenario-seed", "4");
        (int unknown, string nothing, string refused) = await Run(server.DataDirectory, "evaluate", "no-such-run");

        Assert.True(exit == 0, stderr);
        using JsonDocument result = JsonDocument.Parse(stdout);
        Assert.Equal((id, 3, 4), (result.RootElement.GetProperty("runId").GetString(), result.RootElement.GetProperty("episodes").GetInt32(),
            result.RootElement.GetProperty("scenarioSeed").GetInt32()));
        AssertMeasures(result.RootElement);
        RunEvaluation stored = Assert.Single(server.Services.GetRequiredService<RunEvaluator>().Of(id));
        Assert.Equal(result.RootElement.GetProperty("return").GetProperty("mean").GetDouble(), stored.Return.Mean);
        Assert.Equal((2, ""), (unknown, nothing));
        Assert.Contains("No run with id 'no-such-run'", refused);
    }
}
