// `bench ...`: throughput benchmarks printed as JSON.
using Leed.Engine.Bench;
using Leed.Engine.Maps;

namespace Leed.Dashboard.Cli;

internal static class BenchVerbs
{
    public static readonly OptionSpec[] EnvOptions =
    [
        Verb.Data,
        new("map", "map name (default synthetic-medium)", ValueName: "NAME"),
        new("agents", "agents per environment (default 20)", ValueName: "N"),
        new("envs", "parallel environments (default 16)", ValueName: "E"),
        new("seconds", "measuring time (default 5)", ValueName: "S"),
    ];

    public static Task<int> EnvAsync(VerbContext context)
    {
        string name = context.Args.Get("map") ?? PresetMaps.Medium;
        CityMap map = MapCatalog.For(context.Store).Find(name) ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
        int agents = context.Args.GetInt("agents", 20, 1, 10_000);
        int envs = context.Args.GetInt("envs", 16, 1, 4096);
        double seconds = context.Args.GetDouble("seconds", 5, 0.1, 3600);
        context.Error.WriteLine($"Benchmarking {envs} x {agents} agents on {map.Name} for {seconds} s...");
        context.WriteJson(EnvBenchmark.Run(map, agents, envs, seconds));
        return Task.FromResult(0);
    }
}
