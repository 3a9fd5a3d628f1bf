// Times the built-in planner (plan, validate and execute) on a scenario.
using System.Diagnostics;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Bench;

public sealed record PlannerBenchmarkResult(string Map, int Agents, int Seed, int Repeats, double MedianSeconds, double MaxSeconds,
    double PathValidity, double ArrivalRate, double MeanPlannedTravelTime);

public static class PlannerBenchmark
{
    /// <summary>Median and worst wall time of <see cref="PlannerDemonstrator.Generate"/> over fresh runs (after one warm-up).</summary>
    public static PlannerBenchmarkResult Run(CityMap map, int agents, int seed, int repeats)
    {
        Scenario scenario = ScenarioResolver.Build(null, map, ScenarioSource.Generated(agents, seed));
        var planner = new PlannerDemonstrator();
        planner.Generate(scenario); // JIT warm-up
        var times = new List<double>();
        DemonstrationSet set = null!;
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            set = planner.Generate(scenario);
            times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        RoundQuality quality = set.Rounds[^1];
        return new PlannerBenchmarkResult(map.Name, agents, seed, repeats, Math.Round(times[times.Count / 2], 4), Math.Round(times[^1], 4),
            quality.PathValidity, quality.ArrivalRate, set.Agents.Average(agent => agent.ExpectedTravelTime));
    }
}
