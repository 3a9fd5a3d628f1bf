// Checks that training holds no growing memory: live tensors, process RSS and the managed heap over many iterations.
using System.Diagnostics;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using TorchSharp;

namespace Leed.Engine.Bench;

public sealed record MemorySample(int Iteration, long LiveTensors, double RssMegabytes, double ManagedMegabytes);

/// <summary>What <c>bench memory</c> prints. Growth is measured from the sample after the warm-up (10% of the run) to the last.</summary>
public sealed record MemoryBenchmarkResult(string Map, int Agents, int Envs, int Steps, string Algorithm, int Iterations, double Seconds,
    long LiveTensorGrowth, double RssGrowthMegabytes, double ManagedGrowthMegabytes, IReadOnlyList<MemorySample> Samples);

public static class MemoryBenchmark
{
    public static MemoryBenchmarkResult Run(CityMap map, int agents, int iterations, Hyperparameters hp, Algorithm algorithm = Algorithm.Leed,
        int samples = 20, int seed = 1, Action<string>? log = null)
    {
        using Trainer trainer = RunPreparation.OnGeneratedScenario(map, agents, seed, algorithm, null, hp with { Iterations = iterations }, seed).CreateTrainer();
        var points = new List<MemorySample>();
        int every = Math.Max(1, iterations / samples);
        var clock = Stopwatch.StartNew();
        using var process = Process.GetCurrentProcess();
        MemorySample Sample(int iteration)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            process.Refresh();
            return new MemorySample(iteration, DisposeScopeManager.Statistics.ThreadTotalLiveCount,
                Math.Round(process.WorkingSet64 / 1048576.0, 1), Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1));
        }
        points.Add(Sample(0));
        for (int k = 1; k <= iterations; k++)
        {
            trainer.RunIteration();
            if (k % every == 0 || k == iterations)
            {
                points.Add(Sample(k));
                log?.Invoke($"{points[^1]}");
            }
        }
        MemorySample baseline = points.First(point => point.Iteration >= iterations / 10), last = points[^1];
        return new MemoryBenchmarkResult(map.Name, agents, hp.Envs, hp.Steps, algorithm.Name(), iterations, Math.Round(clock.Elapsed.TotalSeconds, 1),
            last.LiveTensors - baseline.LiveTensors, Math.Round(last.RssMegabytes - baseline.RssMegabytes, 1),
            Math.Round(last.ManagedMegabytes - baseline.ManagedMegabytes, 1), points);
    }
}
