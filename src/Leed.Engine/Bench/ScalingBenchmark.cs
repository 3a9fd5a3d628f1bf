// Measures how training cost grows with the agent count: time per iteration, memory and checkpoint size per count.
using System.Diagnostics;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using TorchSharp;

namespace Leed.Engine.Bench;

/// <summary>What <c>bench scaling</c> prints per agent count.</summary>
/// <param name="SecondsPerIteration">Wall seconds per measured iteration (rollout and update).</param>
/// <param name="AgentStepsPerSecond">Agent-steps (environment steps x agents) per wall second.</param>
/// <param name="RateOverFirst">AgentStepsPerSecond over the first count's: 1 means the per-agent cost stayed flat.</param>
/// <param name="CpuSecondsPerIteration">Process CPU seconds per measured iteration: the work, which other processes taking the cores change much less than the wall time.</param>
/// <param name="CpuRateOverFirst">Agent-steps per CPU second over the first count's.</param>
/// <param name="SetupSeconds">Scenario, the planner's demonstrations (algorithms that use them) and the trainer's construction.</param>
/// <param name="PeakRssMegabytes">The process's peak resident memory from this count's setup to its checkpoint (on Linux the peak is reset per count; elsewhere it is the process's peak so far).</param>
/// <param name="CheckpointMegabytes">Size of the trainer's checkpoint after the measured iterations.</param>
public sealed record ScalingPoint(int Agents, double SecondsPerIteration, double AgentStepsPerSecond, double RateOverFirst,
    double CpuSecondsPerIteration, double CpuRateOverFirst, double SetupSeconds, double PeakRssMegabytes, double CheckpointMegabytes);

public sealed record ScalingResult(string Map, string Algorithm, int Envs, int Steps, int Threads, int RolloutThreads, int Iterations,
    IReadOnlyList<ScalingPoint> Results);

public static class ScalingBenchmark
{
    /// <summary>For each agent count: one warm-up iteration, then at least <paramref name="iterations"/> measured ones, then a checkpoint.</summary>
    public static ScalingResult Run(CityMap map, IReadOnlyList<int> agentCounts, int iterations, Algorithm algorithm = Algorithm.Leed,
        Hyperparameters? hyperparameters = null, int seed = 1, Action<string>? log = null)
    {
        Hyperparameters hp = (hyperparameters ?? new Hyperparameters()) with { Iterations = 1_000_000 };
        var points = new List<ScalingPoint>();
        double firstRate = 0, firstCpuRate = 0;
        using var process = Process.GetCurrentProcess();
        foreach (int agents in agentCounts)
        {
            PeakMemory.Reset();
            var setup = Stopwatch.StartNew();
            using Trainer trainer = TrainBenchmark.NewTrainer(map, agents, algorithm, hp, seed);
            double setupSeconds = setup.Elapsed.TotalSeconds;
            trainer.RunIteration();
            process.Refresh();
            TimeSpan cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (int k = 0; k < iterations; k++) trainer.RunIteration();
            double perIteration = clock.Elapsed.TotalSeconds / iterations;
            process.Refresh();
            double cpuPerIteration = (process.TotalProcessorTime - cpuBefore).TotalSeconds / iterations;
            var checkpoint = new CountingStream();
            trainer.SaveCheckpoint(checkpoint);
            double rate = (double)hp.GlobalStepsPerIteration * agents / perIteration, cpuRate = (double)hp.GlobalStepsPerIteration * agents / cpuPerIteration;
            if (points.Count == 0) (firstRate, firstCpuRate) = (rate, cpuRate);
            points.Add(new ScalingPoint(agents, Math.Round(perIteration, 3), Math.Round(rate), Math.Round(rate / firstRate, 3),
                Math.Round(cpuPerIteration, 3), Math.Round(cpuRate / firstCpuRate, 3),
                Math.Round(setupSeconds, 1), Math.Round(PeakMemory.Megabytes(), 1), Math.Round(checkpoint.Length / 1048576.0, 1)));
            log?.Invoke($"{agents} agents: {perIteration:F2} s/iteration ({cpuPerIteration:F2} CPU s), {rate:F0} agent-steps/s, setup {setupSeconds:F1} s, peak RSS {points[^1].PeakRssMegabytes:F0} MB, checkpoint {points[^1].CheckpointMegabytes:F1} MB");
        }
        return new ScalingResult(map.Name, algorithm.Name(), hp.Envs, hp.Steps, hp.Threads, hp.RolloutThreads, iterations, points);
    }
}

/// <summary>The process's peak resident memory: on Linux <c>VmHWM</c>, which writing 5 to <c>/proc/self/clear_refs</c> resets; elsewhere the process's peak working set.</summary>
internal static class PeakMemory
{
    public static void Reset()
    {
        try
        {
            if (OperatingSystem.IsLinux()) File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Not resettable here: the peak so far is reported instead.
        }
    }

    public static double Megabytes()
    {
        if (OperatingSystem.IsLinux())
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) / 1024.0; // kB
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / 1048576.0;
    }
}
