// One scenario from generation to training: instruction files record theirs, `demos validate` and `train --demos` use it, disagreeing options are refused naming both.
using System.Text.Json;
using Leed.Dashboard.Cli;

namespace Leed.Dashboard.Tests.Cli;

public sealed class ScenarioIdentityVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-scenario-identity-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);

    private async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await CommandLine.RunAsync([.. args, "--data", Path.Combine(_folder, "data")], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>The reproduction up to the file: a map imported with its own 8 agents, planner demonstrations for `--agents 8` written to h.txt.</summary>
    private async Task<string> GenerateForTheMapsEightAgents()
    {
        (int imported, _, string importError) = await RunAsync("maps", "import", Sample("sample-town.map"), "--scen", Sample("sample-town.scen"));
        Assert.True(imported == 0, importError);
        string file = Path.Combine(_folder, "h.txt");
        (int generated, string summary, string generateError) = await RunAsync("demos", "generate", "--map", "sample-town", "--agents", "8",
            "--demonstrator", "planner", "--out", file);
        Assert.True(generated == 0, generateError);
        Assert.Contains("using the map's 8 agents from its .scen", generateError, StringComparison.Ordinal);
        Assert.Equal(8, JsonDocument.Parse(summary).RootElement.GetProperty("valid").GetInt32());
        return file;
    }

    private static int ValidAgents(string validation) =>
        JsonDocument.Parse(validation).RootElement.GetProperty("agents").EnumerateArray().Count(agent => agent.GetProperty("valid").GetBoolean());

    [Fact]
    public async Task DemosValidate_OfAFileMadeWithAgents8OnAMapWithItsOwnScen_ValidatesAgainstTheRecordedScenario_WithOrWithoutMap()
    {
        string file = await GenerateForTheMapsEightAgents();
        string text = await File.ReadAllTextAsync(file);
        Assert.StartsWith("# LEED Studio demonstrations: planner, no LLM", text, StringComparison.Ordinal);
        Assert.Contains("# map: sample-town, 24x16 cells, content ", text, StringComparison.Ordinal);
        Assert.Contains("# Agent_7: origin (0,9), destination (23,4), departs at step ", text, StringComparison.Ordinal);

        (int exit, string validation, string error) = await RunAsync("demos", "validate", file);
        (int withMap, string validationWithMap, string errorWithMap) = await RunAsync("demos", "validate", "--map", "sample-town", file);

        Assert.True(exit == 0, error);
        Assert.Equal(8, ValidAgents(validation));
        Assert.True(withMap == 0, errorWithMap); // the exact command: 8 of 8 invalid, exit 2, before
        Assert.Equal(8, ValidAgents(validationWithMap));
    }

    [Theory]
    [InlineData("--agents", "5")]
    [InlineData("--seed", "3")]
    public async Task DemosValidate_WithAnOptionThatDisagreesWithTheRecordedScenario_IsRefusedWithExit2_NamingBothScenarios(string option, string value)
    {
        string file = await GenerateForTheMapsEightAgents();

        (int exit, string output, string error) = await RunAsync("demos", "validate", file, option, value);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("h.txt was made for 'sample-town' (the map's .scen, first 8 rows), but the options ask for 'sample-town' (" +
            (option == "--agents" ? "the map's .scen, first 5 rows" : "generated, seed 3"), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainDemosFile_TrainsOnTheRecordedScenario_AndADisagreeingAgentsIsRefusedNamingBoth()
    {
        string file = await GenerateForTheMapsEightAgents();
        string output = Path.Combine(_folder, "run");

        (int refused, string nothing, string why) = await RunAsync("train", "--demos", file, "--agents", "5", "--iterations", "1", "--out", output);
        Assert.Equal(2, refused);
        Assert.Equal("", nothing);
        Assert.Contains("h.txt was made for 'sample-town' (the map's .scen, first 8 rows), but the options ask for 'sample-town' (the map's .scen, first 5 rows)",
            why, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output, "config.json")), "nothing was started");

        (int exit, string rows, string error) = await RunAsync("train", "--demos", file, "--algo", "leed", "--iterations", "1", "--envs", "2", "--steps", "16",
            "--threads", "1", "--out", output);

        Assert.True(exit == 0, error);
        using JsonDocument row = JsonDocument.Parse(rows.Trim());
        Assert.True(row.RootElement.TryGetProperty("agents/weight/Agent_7", out _), "all 8 recorded agents train");
        Assert.False(row.RootElement.TryGetProperty("agents/weight/Agent_8", out _));
        Assert.Contains("8 of 8 agents have a valid demonstration", error, StringComparison.Ordinal);
        using JsonDocument config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "config.json")));
        Assert.Equal(("sample-town", 8), (config.RootElement.GetProperty("map").GetString(), config.RootElement.GetProperty("agents").GetInt32()));
    }

    [Fact]
    public async Task AFileWithoutAHeader_NeedsMap_AndThenFollowsTheScenarioRule_PrintedOnStderr()
    {
        string file = await GenerateForTheMapsEightAgents();
        string handWritten = Path.Combine(_folder, "hand.txt");
        await File.WriteAllLinesAsync(handWritten, (await File.ReadAllLinesAsync(file)).SkipWhile(line => line.Length > 0)); // the grammar lines only

        (int noMap, _, string needsMap) = await RunAsync("demos", "validate", handWritten);
        (int exit, string validation, string error) = await RunAsync("demos", "validate", handWritten, "--map", "sample-town");

        Assert.Equal(2, noMap);
        Assert.Contains("hand.txt has no scenario header", needsMap, StringComparison.Ordinal);
        Assert.Contains("--map NAME", needsMap, StringComparison.Ordinal);
        Assert.True(exit == 0, error);
        Assert.Contains("hand.txt has no scenario header: using the map's 8 agents from its .scen.", error, StringComparison.Ordinal);
        Assert.Equal(8, ValidAgents(validation));
    }
}
