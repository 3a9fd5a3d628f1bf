using System.Text.Json;
using Leed.Dashboard.Cli;

namespace Leed.Dashboard.Tests.Cli;

public sealed class SystemVerbTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leed-cli-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task System_PrintsJsonWithVersionsAndTheDataFolder()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await CommandLine.RunAsync(["system", "--data", _data], output, error);

        Assert.Equal(0, exit);
        using JsonDocument json = JsonDocument.Parse(output.ToString());
        Assert.Equal("0.107.0", json.RootElement.GetProperty("torchSharp").GetString());
        Assert.Equal("2.10.0", json.RootElement.GetProperty("libTorch").GetString());
        Assert.Equal(Path.Combine(_data, "leed.db"), json.RootElement.GetProperty("databasePath").GetString());
        Assert.Equal("planner", json.RootElement.GetProperty("demonstrator").GetProperty("kind").GetString());
    }

    [Theory]
    [InlineData("system --nope", "has no option --nope")]
    [InlineData("system --data", "--data needs a value")]
    [InlineData("fly", "unknown command 'fly'")]
    public async Task BadUsage_ExitsWithTwoAndSaysWhy(string commandLine, string message)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await CommandLine.RunAsync(commandLine.Split(' '), output, error);

        Assert.Equal(2, exit);
        Assert.Contains(message, error.ToString());
        Assert.Equal("", output.ToString());
    }
}
