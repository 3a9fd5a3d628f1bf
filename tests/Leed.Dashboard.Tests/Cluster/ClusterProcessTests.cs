// End to end with real processes: Redis membership, a coordinator running a study, two `worker` processes, one killed with SIGKILL.
using System.Text.Json;
using Leed.Dashboard.Tests.Hosting;
using Leed.Engine.Hosting;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class ClusterProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-cluster-e2e-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Dictionary<string, string> Environment(RedisServer redis, string clusterId) => new()
    {
        ["LEED_CLUSTER__PROVIDER"] = "redis",
        ["LEED_CLUSTER__REDIS"] = redis.Address,
        ["LEED_CLUSTER__CLUSTERID"] = clusterId,
        ["LEED_CLUSTER__COORDINATORPORT"] = FreePort.On().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LEED_CLUSTER__CHECKPOINTEVERY"] = "3",
    };

    private static IEnumerable<JsonElement> JsonLines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(line => line.StartsWith('{')).Select(line => JsonDocument.Parse(line).RootElement.Clone());

    private static IEnumerable<JsonElement> Events(DashboardProcess worker, string kind) =>
        JsonLines(worker.Output).Where(line => line.TryGetProperty("event", out JsonElement e) && e.GetString() == kind);

    private static async Task WaitForAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Study_OnTwoWorkers_OneKilledMidRun_CompletesEveryRunWithOneRowPerIteration()
    {
        const int Iterations = 24;
        using RedisServer redis = await RedisServer.StartAsync();
        Dictionary<string, string> environment = Environment(redis, "e2e");
        string studyFile = Path.Combine(_folder, "six.json");
        await File.WriteAllTextAsync(studyFile, $$"""
            {"name": "six", "map": "synthetic-small", "agents": [3], "scenarioSeed": 1, "demonstrations": "planner",
             "configs": [{"name": "leed", "algo": "leed", "weight": "dynamic"}], "referencePolicies": false,
             "seeds": [1, 2, 3, 4, 5, 6], "iterations": {{Iterations}}}
            """);
        string data = Path.Combine(_folder, "data");

        using DashboardProcess coordinator = DashboardProcess.Start(["study", "run", studyFile, "--data", data, "--envs", "2", "--steps", "32"], environment);
        using DashboardProcess doomed = DashboardProcess.Start(["worker", "--slots", "1", "--threads", "1"], environment);
        using DashboardProcess survivor = DashboardProcess.Start(["worker", "--slots", "1", "--threads", "1"], environment);

        // Kill the first worker while a run trains on it: after the run's first checkpoint (which the
        // coordinator collects within a poll), long before its end.
        string? killedRun = null;
        await WaitForAsync(() => (killedRun = Events(doomed, "checkpoint").Select(line => line.GetProperty("run").GetString()).FirstOrDefault()) is not null,
            "the first worker checkpoints a run", TimeSpan.FromSeconds(180));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(Events(doomed, "ended"), line => line.GetProperty("run").GetString() == killedRun);
        string doomedName = JsonLines(doomed.Output).First().GetProperty("worker").GetString()!;
        string survivorName = JsonLines(survivor.Output).First().GetProperty("worker").GetString()!;
        await doomed.KillAsync();

        int exit = await coordinator.WaitForExitAsync(TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, $"study run exited {exit}: {coordinator.Error}");
        await survivor.StopAsync();

        using LiteDbStore store = LiteDbStore.Open(data);
        var runs = new RunStore(store);
        IReadOnlyList<RunRecord> all = runs.List();
        Assert.Equal(6, all.Count);
        Assert.All(all, run =>
        {
            Assert.True(run.Status == RunStatus.Completed, $"{run.Id}: {run.Status} {run.Error}");
            Assert.Equal(Enumerable.Range(1, Iterations), runs.MetricsOf(run.Id).Select(metric => metric.Iteration));
            // Spans cover every iteration once, in order.
            Assert.Equal(1, run.Workers[0].From);
            Assert.All(run.Workers.Zip(run.Workers.Skip(1)), pair => Assert.Equal(pair.First.To + 1, pair.Second.From));
            Assert.Equal(Iterations, run.Workers[^1].To);
        });
        HashSet<string> workers = [.. all.SelectMany(run => run.Workers.Select(span => span.Worker))];
        Assert.Equal(new HashSet<string> { doomedName, survivorName }, workers);
        RunRecord moved = all.Single(run => run.Id == killedRun);
        Assert.Equal(doomedName, moved.Workers[0].Worker);
        Assert.Equal(survivorName, moved.Workers[^1].Worker);
        Assert.Equal(0, moved.Workers[0].To % 3); // it continued from a checkpoint (every 3 iterations)
    }

    [Fact]
    public async Task Worker_WithAnotherClusterId_IsRefusedNamingBoth_AndTheCoordinatorHearsOfIt()
    {
        using RedisServer redis = await RedisServer.StartAsync();
        Dictionary<string, string> environment = Environment(redis, "lab");
        string data = Path.Combine(_folder, "data");
        using DashboardProcess coordinator = await DashboardProcess.StartDashboardAsync(data, environment);
        await WaitForAsync(() => RedisHasCoordinator(redis), "the coordinator announces itself", TimeSpan.FromSeconds(60));

        (int exit, _, string error) = await DashboardProcess.RunVerbAsync(["worker", "--cluster-id", "other"], environment);

        Assert.Equal(2, exit);
        Assert.Contains("cluster id 'other'", error);
        Assert.Contains("cluster 'lab'", error);
    }

    [Fact]
    public async Task Worker_WhoseMembershipStoreIsDown_ExitsTwoNamingTheAddress()
    {
        int port = FreePort.On();
        (int exit, _, string error) = await DashboardProcess.RunVerbAsync(["worker", "--cluster", "redis", "--redis", $"127.0.0.1:{port}"], null);

        Assert.Equal(2, exit);
        Assert.Contains($"membership store (redis) at 127.0.0.1:{port}", error);
    }

    private static bool RedisHasCoordinator(RedisServer redis)
    {
        using var connection = StackExchange.Redis.ConnectionMultiplexer.Connect(redis.Address);
        return connection.GetDatabase().HashLength("leed-studio:leed:coordinators") > 0;
    }
}
