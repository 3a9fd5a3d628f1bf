// `bench train --busy N`: training alone and beside busy processes in one run, both figures and their ratio, and no busy process left behind.
using System.Text.Json;
using Leed.Dashboard.Cli;

namespace Leed.Dashboard.Tests.Cli;

public sealed class BenchTrainBusyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-bench-busy-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Our own children named sha256sum (other processes on the machine may run it too).</summary>
    private static int[] OurBusyChildren() => OperatingSystem.IsLinux()
        ? [.. System.Diagnostics.Process.GetProcessesByName("sha256sum").Select(process => process.Id).Where(id =>
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{id}/stat");
                return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]) == Environment.ProcessId;
            }
            catch (IOException) { return false; }
        })]
        : [];

    [Fact]
    public async Task BenchTrainBusy_PrintsAloneAndSharedSpeedAndTheirRatio_AndStopsTheBusyProcesses()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = ["bench", "train", "--map", "synthetic-small", "--agents", "3", "--algo", "ippo", "--envs", "2", "--steps", "16",
            "--threads", "1", "--busy", "1", "--iterations", "2", "--data", Path.Combine(_folder, "data")];

        int exit = await CommandLine.RunAsync(args, output, error);

        Assert.True(exit == 0, error.ToString());
        using JsonDocument json = JsonDocument.Parse(output.ToString());
        JsonElement root = json.RootElement;
        Assert.Equal(1, root.GetProperty("busyProcesses").GetInt32());
        Assert.Equal("sha256sum /dev/zero", root.GetProperty("busyCommand").GetString());
        Assert.Equal("PASSIVE", root.GetProperty("waitPolicy").GetString());
        double alone = root.GetProperty("alone").GetProperty("agentStepsPerSecond").GetDouble();
        double shared = root.GetProperty("shared").GetProperty("agentStepsPerSecond").GetDouble();
        Assert.True(alone > 0 && shared > 0, output.ToString());
        Assert.Equal(2, root.GetProperty("shared").GetProperty("iterations").GetInt32());
        Assert.Equal(Math.Round(shared / alone, 3), root.GetProperty("ratio").GetDouble(), 3);
        Assert.Empty(OurBusyChildren());
    }
}
