// `train` on the command line: a JSON line per iteration, metrics.csv, config.json, a checkpoint to resume from, clear errors.
using System.Text.Json;
using Leed.Dashboard.Cli;

namespace Leed.Dashboard.Tests.Cli;

public sealed class TrainVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-train-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(int Exit, string Output, string Error)> Run(string commandLine)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = [.. commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--data", Path.Combine(_folder, "data")];
        int exit = await CommandLine.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Train_StreamsAJsonLinePerIteration_AndWritesCsvConfigAndCheckpoint()
    {
        string output = Path.Combine(_folder, "run");
        (int exit, string stdout, string stderr) = await Run($"train --map synthetic-small --agents 3 --algo leed --weight fixed:0.5 --iterations 2 --envs 2 --steps 16 --threads 1 --out {output}");

        Assert.True(exit == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using JsonDocument second = JsonDocument.Parse(lines[1]);
        Assert.Equal(2, second.RootElement.GetProperty("iteration").GetInt32());
        Assert.Equal(64, second.RootElement.GetProperty("globalStep").GetInt64());
        Assert.Equal(0.5, second.RootElement.GetProperty("agents/weight/Agent_2").GetDouble());
        Assert.True(second.RootElement.GetProperty("losses/expert_loss").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, second.RootElement.GetProperty("charts/episodic_return").ValueKind); // no episode can end in 32 steps

        string[] csv = await File.ReadAllLinesAsync(Path.Combine(output, "metrics.csv"));
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("iteration,globalStep,charts/episodic_return,", csv[0]);
        Assert.Equal(csv[0].Split(',').Length, csv[2].Split(',').Length);
        using JsonDocument config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "config.json")));
        Assert.Equal("fixed:0.5", config.RootElement.GetProperty("weightSchedule").GetString());
        Assert.True(File.Exists(Path.Combine(output, "checkpoint.bin")));
        Assert.False(File.Exists(Path.Combine(output, "checkpoint.bin.tmp")));
    }

    [Fact]
    public async Task Train_Resume_ContinuesWhereTheCheckpointStopped()
    {
        string output = Path.Combine(_folder, "resumed");
        string common = $"train --map synthetic-small --agents 3 --algo ippo --envs 2 --steps 16 --threads 1 --out {output}";
        (int first, _, string firstError) = await Run($"{common} --iterations 1");
        Assert.True(first == 0, firstError);

        (int exit, string stdout, string stderr) = await Run($"{common} --iterations 3 --resume {Path.Combine(output, "checkpoint.bin")}");

        Assert.True(exit == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([2, 3], lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("iteration").GetInt32()));
        Assert.Equal(4, (await File.ReadAllLinesAsync(Path.Combine(output, "metrics.csv"))).Length);
    }

    [Theory]
    [InlineData("train --map synthetic-small --algo nope", "Unknown algorithm 'nope'")]
    [InlineData("train --map synthetic-small --algo ippo --weight fixed:0.5", "--weight applies to leed only")]
    [InlineData("train --map synthetic-small --weight fixed", "fixed needs exactly one weight")]
    [InlineData("train --map synthetic-small --demos no-such-file.txt", "is neither 'planner', 'llm', a stored set's id nor an existing instruction file")]
    [InlineData("train --map nowhere", "No map named 'nowhere'")]
    [InlineData("train --agents 3", "--map is required")]
    [InlineData("train --map synthetic-small --envs 3 --steps 5", "must be divisible by the 4 minibatches")]
    public async Task Train_BadInput_ExitsWithTwoAndSaysWhy(string commandLine, string message)
    {
        (int exit, string stdout, string stderr) = await Run(commandLine);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
        Assert.Equal("", stdout);
    }
}
