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

    public static readonly OptionSpec[] PlannerOptions =
    [
        Verb.Data,
        new("map", "map name (default synthetic-large)", ValueName: "NAME"),
        new("agents", "agents (default 100)", ValueName: "N"),
        new("seed", "scenario seed (default 1)", ValueName: "S"),
        new("repeats", "timed runs (default 5)", ValueName: "R"),
    ];

    public static Task<int> PlannerAsync(VerbContext context)
    {
        CityMap map = FindMap(context, PresetMaps.Large);
        int agents = context.Args.GetInt("agents", 100, 1, 10_000);
        int seed = context.Args.GetInt("seed", 1);
        int repeats = context.Args.GetInt("repeats", 5, 1, 1000);
        context.Error.WriteLine($"Timing the planner on {map.Name} with {agents} agents ({repeats} runs)...");
        context.WriteJson(PlannerBenchmark.Run(map, agents, seed, repeats));
        return Task.FromResult(0);
    }

    internal static CityMap FindMap(VerbContext context, string fallback)
    {
        string name = context.Args.Get("map") ?? fallback;
        return MapCatalog.For(context.Store).Find(name) ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
    }

    public static Task<int> EnvAsync(VerbContext context)
    {
        CityMap map = FindMap(context, PresetMaps.Medium);
        int agents = context.Args.GetInt("agents", 20, 1, 10_000);
        int envs = context.Args.GetInt("envs", 16, 1, 4096);
        double seconds = context.Args.GetDouble("seconds", 5, 0.1, 3600);
        context.Error.WriteLine($"Benchmarking {envs} x {agents} agents on {map.Name} for {seconds} s...");
        context.WriteJson(EnvBenchmark.Run(map, agents, envs, seconds));
        return Task.FromResult(0);
    }
}
