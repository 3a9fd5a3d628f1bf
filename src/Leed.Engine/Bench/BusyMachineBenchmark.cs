// Training speed alone and beside CPU-heavy processes, side by side in one run: a run must slow down in proportion, not collapse.
using System.Diagnostics;
using Leed.Engine.Learning;
using Leed.Engine.Maps;

namespace Leed.Engine.Bench;

/// <summary>One measured stretch of training: the same trainer, alone or beside the busy processes.</summary>
/// <param name="CpuUtilisation">This process's CPU seconds per wall second (2.0 = two cores all the time).</param>
public sealed record TrainingStretch(int Iterations, double Seconds, double IterationsPerSecond, double AgentStepsPerSecond, double CpuUtilisation);

/// <summary>What <c>bench train --busy N</c> prints.</summary>
/// <param name="Ratio">Shared agent-steps/s over alone agent-steps/s.</param>
/// <param name="WaitPolicy">OMP_WAIT_POLICY as libtorch's OpenMP runtime saw it ("unset" for its default, which spins).</param>
public sealed record BusyMachineResult(
    string Map, int Agents, string Algorithm, int Envs, int Steps, int Threads, int ProcessorCount,
    int BusyProcesses, string BusyCommand, string WaitPolicy,
    TrainingStretch Alone, TrainingStretch Shared, double Ratio);

public static class BusyMachineBenchmark
{
    /// <summary>The busy process: one core's worth of hashing, no I/O, until it is killed.</summary>
    public const string BusyProgram = "sha256sum";
    public const string BusyArgument = "/dev/zero";

    /// <summary>
    /// Trains one warm-up iteration, then <paramref name="iterations"/> alone, then the same number beside
    /// <paramref name="busy"/> busy processes that this method starts and kills. One trainer, one process:
    /// the two figures differ only by the competition for the cores.
    /// </summary>
    public static BusyMachineResult Run(CityMap map, int agents, int iterations, int busy, Algorithm algorithm = Algorithm.Leed,
        Hyperparameters? hyperparameters = null, int seed = 1, Action<string>? log = null)
    {
        if (iterations < 1) throw new ArgumentException($"At least one measured iteration, got {iterations}.");
        if (busy < 1 || busy > 4 * Environment.ProcessorCount)
            throw new ArgumentException($"Between 1 and {4 * Environment.ProcessorCount} busy processes (4 per core), got {busy}.");
        Hyperparameters hp = (hyperparameters ?? new Hyperparameters()) with { Iterations = 1_000_000 };
        using Trainer trainer = TrainBenchmark.WarmTrainer(map, agents, algorithm, hp, seed);

        TrainingStretch alone = Measure(trainer, iterations, hp, agents, "alone", log);
        TrainingStretch shared;
        using (BusyProcesses.Start(busy))
        {
            Thread.Sleep(500); // let them take the cores before the clock starts
            shared = Measure(trainer, iterations, hp, agents, $"beside {busy} busy", log);
        }
        return new BusyMachineResult(map.Name, agents, algorithm.Name(), hp.Envs, hp.Steps, hp.Threads, Environment.ProcessorCount,
            busy, $"{BusyProgram} {BusyArgument}", TorchRuntime.WaitPolicy ?? "unset",
            alone, shared, Math.Round(shared.AgentStepsPerSecond / alone.AgentStepsPerSecond, 3));
    }

    private static TrainingStretch Measure(Trainer trainer, int iterations, Hyperparameters hp, int agents, string label, Action<string>? log)
    {
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (int k = 1; k <= iterations; k++)
        {
            trainer.RunIteration();
            log?.Invoke($"{label}: iteration {k} of {iterations}, {clock.Elapsed.TotalSeconds:F1} s");
        }
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        return new TrainingStretch(iterations, Math.Round(wall, 3), Math.Round(iterations / wall, 3),
            Math.Round((double)iterations * hp.GlobalStepsPerIteration * agents / wall), Math.Round(cpu / wall, 2));
    }

    /// <summary>CPU-heavy child processes, killed (with anything they started) when disposed.</summary>
    private sealed class BusyProcesses : IDisposable
    {
        private readonly List<Process> _processes = [];

        public static BusyProcesses Start(int count)
        {
            var started = new BusyProcesses();
            try
            {
                for (int k = 0; k < count; k++)
                {
                    var info = new ProcessStartInfo(BusyProgram, BusyArgument) { RedirectStandardOutput = true, UseShellExecute = false };
                    Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {BusyProgram}.");
                    started._processes.Add(process);
                }
            }
            catch (System.ComponentModel.Win32Exception error)
            {
                started.Dispose();
                throw new InvalidOperationException($"Could not start the busy processes ({BusyProgram} {BusyArgument}): {error.Message}. " +
                    "They need GNU coreutils' sha256sum on the PATH.", error);
            }
            return started;
        }

        public void Dispose()
        {
            foreach (Process process in _processes)
            {
                try
                {
                    if (!process.HasExited) process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
                catch (InvalidOperationException) { } // already gone
                process.Dispose();
            }
            _processes.Clear();
        }
    }
}
