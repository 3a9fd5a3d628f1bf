// Measures the batched environment's throughput and steady-state allocations.
using System.Diagnostics;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Bench;

/// <summary>Result of <see cref="EnvBenchmark.Run"/>, printed as JSON by <c>bench env</c>.</summary>
public sealed record EnvBenchmarkResult(
    string Map, int Agents, int Envs, double Seconds, long AgentSteps, double AgentStepsPerSecond,
    double AllocatedBytesPerStep, int ObservationSize, string EnvVersion, string Threads);

public static class EnvBenchmark
{
    /// <summary>
    /// Steps E environments of N agents on one thread with random valid actions, observations
    /// included, after a warm-up. Only time inside <see cref="VectorCityEnv.Step"/> is counted;
    /// allocations are measured across the whole timed loop (actions included).
    /// </summary>
    public static EnvBenchmarkResult Run(CityMap map, int agents, int envs, double seconds, int seed = 1)
    {
        Scenario scenario = ScenarioResolver.Build(null, map, ScenarioSource.Generated(agents, seed));
        var env = new VectorCityEnv(scenario, envs);
        var observations = new float[envs * agents * env.ObservationSize];
        var actions = new int[envs * agents];
        env.Reset((ulong)seed, observations);
        ulong random = (ulong)seed * 0x9E3779B97F4A7C15UL | 1;

        void ChooseActions()
        {
            int size = env.ObservationSize, maskOffset = env.Layout.MaskOffset;
            for (int slot = 0; slot < actions.Length; slot++)
            {
                random ^= random << 13; random ^= random >> 7; random ^= random << 17;
                int action = (int)(random % 5);
                actions[slot] = observations[slot * size + maskOffset + action] > 0 ? action : 0;
            }
        }

        for (int warm = 0; warm < 200; warm++) { ChooseActions(); env.Step(actions, observations); }

        long stepCalls = 0, ticks = 0;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var wall = Stopwatch.StartNew();
        while (wall.Elapsed.TotalSeconds < seconds)
        {
            ChooseActions();
            long start = Stopwatch.GetTimestamp();
            env.Step(actions, observations);
            ticks += Stopwatch.GetTimestamp() - start;
            stepCalls++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        double stepSeconds = ticks / (double)Stopwatch.Frequency;
        long agentSteps = stepCalls * envs * agents;
        return new EnvBenchmarkResult(map.Name, agents, envs, Math.Round(stepSeconds, 3), agentSteps,
            Math.Round(agentSteps / stepSeconds), (double)allocated / stepCalls, env.ObservationSize, EnvConfig.EnvVersion, "1 (the calling thread)");
    }
}
