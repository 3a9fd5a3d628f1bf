// The demos verbs end to end: generate with the LLM against a scripted endpoint, failures, list and show.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Leed.Dashboard.Cli;
using Leed.Engine.Demonstrations;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Leed.Engine.Tests.Support;

namespace Leed.Dashboard.Tests.Cli;

public sealed partial class DemosVerbsTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leed-demos-cli-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await CommandLine.RunAsync([.. args, "--data", _data], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string[] GenerateWithLlm(ScriptedOpenAiServer server) =>
        ["demos", "generate", "--map", PresetMaps.Small, "--agents", "3", "--seed", "5", "--demonstrator", "llm",
            "--llm-endpoint", server.BaseUrl.ToString(), "--llm-model", "test-model", "--llm-retries", "0"];

    /// <summary>
    /// Answers with each asked vehicle's real shortest route, read from the prompt's vehicle lines;
    /// generated scenarios on presets start and end at the map's own intersections, so the map's graph serves.
    /// </summary>
    private static ScriptStep ShortestRoutes() => ScriptStep.Respond(request =>
    {
        RoadGraph graph = PresetMaps.Get(PresetMaps.Small).Graph;
        var agents = new JsonArray();
        foreach (Match vehicle in VehicleLine().Matches(request.UserPrompt ?? ""))
        {
            int agent = int.Parse(vehicle.Groups["agent"].Value);
            IReadOnlyList<int> route = graph.ShortestRoute(int.Parse(vehicle.Groups["from"].Value), int.Parse(vehicle.Groups["to"].Value))!;
            agents.Add(new JsonObject
            {
                ["agent"] = agent,
                ["instructions"] = new JsonArray([.. route.Skip(1).Select(node => (JsonNode)JsonValue.Create(new MoveTo(agent, node).Format()))]),
            });
        }
        return ScriptStep.Reply(new JsonObject { ["agents"] = agents }.ToJsonString());
    });

    [GeneratedRegex(@"^Agent_(?<agent>[0-9]+): from Intersection_(?<from>[0-9]+) to Intersection_(?<to>[0-9]+)", RegexOptions.Multiline)]
    private static partial Regex VehicleLine();

    [Fact]
    public async Task GenerateWithLlm_StoresTheSetWithItsTranscriptAndPrintsTheRounds()
    {
        await using var server = ScriptedOpenAiServer.Start(ShortestRoutes());

        (int exit, string output, string error) = await RunAsync(GenerateWithLlm(server));

        Assert.True(exit == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal(("llm", $"LLM test-model at {server.Host}", 3, 1), (root.GetProperty("demonstrator").GetString(), root.GetProperty("label").GetString(),
            root.GetProperty("agents").GetInt32(), root.GetProperty("transcriptCalls").GetInt32()));
        JsonElement round = Assert.Single(root.GetProperty("rounds").EnumerateArray().ToList());
        Assert.Equal((1, 1.0, 1.0, 1.0), (round.GetProperty("round").GetInt32(), round.GetProperty("parseValidity").GetDouble(),
            round.GetProperty("pathValidity").GetDouble(), round.GetProperty("arrivalRate").GetDouble()));
        int setId = root.GetProperty("setId").GetInt32();
        Assert.Contains("round 1: 3/3", error, StringComparison.Ordinal);

        using (LiteDbStore store = LiteDbStore.Open(_data))
        {
            LlmCallRecord call = Assert.Single(new LlmTranscriptStore(store).ForSet(setId));
            Assert.Equal(server.Requests[0].UserPrompt, call.UserPrompt);
        }

        (int listExit, string list, _) = await RunAsync("demos", "list");
        Assert.Equal(0, listExit);
        using JsonDocument sets = JsonDocument.Parse(list);
        JsonElement listed = Assert.Single(sets.RootElement.EnumerateArray().ToList());
        Assert.Equal((setId, setId, 1, PresetMaps.Small, 3, "llm", $"LLM test-model at {server.Host}", 1.0),
            (listed.GetProperty("id").GetInt32(), listed.GetProperty("family").GetInt32(), listed.GetProperty("version").GetInt32(),
                listed.GetProperty("map").GetString(), listed.GetProperty("agents").GetInt32(), listed.GetProperty("demonstrator").GetString(),
                listed.GetProperty("label").GetString(), listed.GetProperty("pathValidity").GetDouble()));
        Assert.EndsWith("Z", listed.GetProperty("createdAt").GetString(), StringComparison.Ordinal);

        (int showExit, string instructions, string provenance) = await RunAsync("demos", "show", setId.ToString());
        Assert.Equal(0, showExit);
        // The scenario header (readable # lines), then the grammar lines per agent.
        Assert.StartsWith("# LEED Studio demonstrations: ", instructions, StringComparison.Ordinal);
        Assert.Contains("\n# Agent_0\n[MoveTo, Intersection_", instructions, StringComparison.Ordinal);
        Assert.Contains($"model test-model at {server.Host}, prompt {LlmDemonstrator.PromptVersion}, 1 LLM attempt(s)", provenance, StringComparison.Ordinal);
        Assert.Contains("rounds: 1: parse 100%, path 100%, arrival 100%", provenance, StringComparison.Ordinal);

        (_, string shown, _) = await RunAsync("demos", "show", setId.ToString(), "--json");
        using JsonDocument detail = JsonDocument.Parse(shown);
        Assert.Equal(LlmDemonstrator.PromptVersion, detail.RootElement.GetProperty("promptVersion").GetString());
        Assert.Equal(3, detail.RootElement.GetProperty("demonstrations").GetArrayLength());
    }

    [Fact]
    public async Task GenerateWithLlm_ServerErrorEveryTime_ExitsOneSayingWhyAndStoresNothing()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Status(500));

        (int exit, string output, string error) = await RunAsync(GenerateWithLlm(server));

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains($"error: No demonstrations from {server.Host}", error, StringComparison.Ordinal);
        Assert.Contains("failed with HTTP 500", error, StringComparison.Ordinal);
        Assert.Contains("Nothing was stored.", error, StringComparison.Ordinal);
        (_, string list, _) = await RunAsync("demos", "list");
        Assert.Equal("[]", list.Trim());
    }

    [Fact]
    public async Task GenerateWithLlm_NoAgentValidAfterTheLastRound_ExitsOneSayingSoAndStoresNothing()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Reply("""{"agents":[]}"""));

        (int exit, string output, string error) = await RunAsync(GenerateWithLlm(server));

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains("error: no agent has a valid route after 3 round(s); nothing was stored.", error, StringComparison.Ordinal);
        Assert.Contains("Agent_2, instruction 0: no instructions", error, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests.Count);
        (_, string list, _) = await RunAsync("demos", "list");
        Assert.Equal("[]", list.Trim());
    }

    [Fact]
    public async Task GenerateWithLlm_KeepInvalid_StoresTheSetLabelledSoAndTrainingOnItSaysItHasNoValidAgent()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Reply("""{"agents":[]}"""));

        (int exit, string output, string error) = await RunAsync([.. GenerateWithLlm(server), "--keep-invalid"]);

        Assert.True(exit == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal($"LLM test-model at {server.Host}, no valid agent", json.RootElement.GetProperty("label").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("valid").GetInt32());
        int setId = json.RootElement.GetProperty("setId").GetInt32();

        (int trainExit, _, string trainError) = await RunAsync("train", "--map", PresetMaps.Small, "--demos", setId.ToString(), "--iterations", "1");

        Assert.Equal(2, trainExit);
        Assert.Contains($"--demos {setId}: set {setId} v1 has no valid agent", trainError, StringComparison.Ordinal);
        Assert.DoesNotContain("demos validate", trainError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/v1")]
    public async Task GenerateWithLlm_BadEndpointUrl_ExitsTwoSayingWhatAUrlLooksLike(string url)
    {
        (int exit, string output, string error) = await RunAsync("demos", "generate", "--map", PresetMaps.Small, "--demonstrator", "llm",
            "--llm-endpoint", url, "--llm-model", "m");

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("--llm-endpoint must be an http or https URL, e.g. http://127.0.0.1:11434/v1.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--demonstrator llm --llm-endpoint http://127.0.0.1:9/v1", "needs a model: pass --llm-model NAME or set LEED_LLM__MODEL")]
    [InlineData("--demonstrator planner --llm-model m", "--llm-model applies to the LLM demonstrator")]
    [InlineData("--demonstrator llm --llm-endpoint http://127.0.0.1:9/v1 --llm-model m --max-rounds 0", "--max-rounds must be between 1 and 20")]
    public async Task Generate_InconsistentOptions_ExitTwoSayingWhichOption(string options, string message)
    {
        (int exit, _, string error) = await RunAsync(["demos", "generate", "--map", PresetMaps.Small, .. options.Split(' ')]);

        Assert.Equal(2, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateWithPlanner_IsListedAsPlannerNoLlm()
    {
        (int exit, _, string error) = await RunAsync("demos", "generate", "--map", PresetMaps.Small, "--agents", "2", "--demonstrator", "planner");
        Assert.True(exit == 0, error);

        (_, string list, _) = await RunAsync("demos", "list");
        using JsonDocument sets = JsonDocument.Parse(list);
        JsonElement listed = Assert.Single(sets.RootElement.EnumerateArray().ToList());
        Assert.Equal(("planner", "planner, no LLM"), (listed.GetProperty("demonstrator").GetString(), listed.GetProperty("label").GetString()));
    }

    [Theory]
    [InlineData("99", 2, "No demonstration set with id 99. Run `demos list` for the ids.")]
    [InlineData("x", 2, "The set id must be a whole number, got 'x'.")]
    public async Task Show_UnknownOrMalformedId_ExitsTwoSayingSo(string id, int code, string message)
    {
        (int exit, string output, string error) = await RunAsync("demos", "show", id);

        Assert.Equal(code, exit);
        Assert.Equal("", output);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
