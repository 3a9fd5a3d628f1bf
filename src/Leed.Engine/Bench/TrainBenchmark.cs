// Measures end-to-end training throughput, where the time goes, and how close the loop gets to the ensemble kernels' GFLOP/s.
using System.Diagnostics;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace Leed.Engine.Bench;

/// <summary>Seconds and shares of the measured iterations spent in each phase.</summary>
public sealed record TimeSplit(double Environment, double RolloutForward, double UpdateForward, double Backward, double Optimizer, double Other,
    double EnvironmentShare, double ForwardShare, double BackwardShare, double OptimizerShare, double OtherShare);

/// <summary>What <c>bench train</c> prints.</summary>
/// <param name="AgentStepsPerSecond">Agent-steps (environment steps x agents) per second of wall time, rollout and update included.</param>
/// <param name="KernelGflopPerSecond">Forward plus backward of the actor and critic ensembles alone on one minibatch, repeated.</param>
/// <param name="LoopGflopPerSecond">The network FLOPs the whole loop does per second of wall time.</param>
/// <param name="KernelFraction">LoopGflopPerSecond / KernelGflopPerSecond.</param>
/// <param name="KernelFractionCpu">The same ratio per CPU second instead of per wall second (loop FLOPs per process CPU
/// second over kernel FLOPs per CPU second): what the code's overhead costs in work, which other processes taking the
/// cores changes much less than the wall-clock ratio.</param>
/// <param name="KernelFractionSpread">The ratio per iteration, each iteration's loop GFLOP/s over the kernel slice
/// measured right after it: how steady the ratio was over the run (a machine whose speed changes shows it here).</param>
/// <param name="KernelSlices">How the kernel was measured: one short slice after every measured iteration (and one
/// before the first), together about <see cref="TrainBenchmark.KernelShare"/> of the loop's time.</param>
/// <param name="CpuUtilisation">Process CPU seconds per wall second while measuring (2.0 = both threads busy all the time).
/// Well below the thread count means other processes took the cores and the wall-clock figures understate the code.</param>
public sealed record TrainBenchmarkResult(
    string Map, int Agents, int Envs, int Steps, string Algorithm, int Threads, int Iterations, double Seconds,
    long AgentSteps, double AgentStepsPerSecond, double SecondsPerIteration, TimeSplit Split,
    double KernelGflopPerSecond, double LoopGflopPerSecond, double KernelFraction, double GflopPerIteration,
    double CpuSeconds, double CpuUtilisation, double KernelCpuUtilisation, long Parameters, string EnvVersion,
    double KernelGflopPerCpuSecond, double LoopGflopPerCpuSecond, double KernelFractionCpu,
    Spread KernelFractionSpread, int KernelSlices);

/// <summary>The smallest, median and largest of a set of values.</summary>
public sealed record Spread(double Min, double Median, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values)
    {
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0) return new Spread(0, 0, 0);
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new Spread(Math.Round(sorted[0], 3), Math.Round(median, 3), Math.Round(sorted[^1], 3));
    }
}

/// <summary>FLOPs done by repeated kernel passes, and the wall and process CPU seconds they took.</summary>
public sealed record KernelMeasurement(double Flops, double WallSeconds, double CpuSeconds)
{
    public double GflopPerSecond => Flops / WallSeconds / 1e9;
    public double GflopPerCpuSecond => Flops / CpuSeconds / 1e9;
    public double CpuUtilisation => Math.Round(CpuSeconds / WallSeconds, 2);
    public static KernelMeasurement operator +(KernelMeasurement a, KernelMeasurement b) =>
        new(a.Flops + b.Flops, a.WallSeconds + b.WallSeconds, a.CpuSeconds + b.CpuSeconds);
}

public static class TrainBenchmark
{
    /// <summary>The kernel's measuring time as a share of the loop's: each slice lasts this share of the iteration before it.</summary>
    public const double KernelShare = 0.25;

    /// <summary>
    /// Trains for about <paramref name="seconds"/> (or exactly <paramref name="iterations"/>) after one
    /// warm-up iteration (JIT, first allocations) and reports the measured iterations only. LEED and BC
    /// use the built-in planner's demonstrations (generated before the clock starts).
    /// <para>
    /// The kernel ceiling is measured in short slices between the iterations (one before the first and
    /// one after each, a quarter of the iteration's time), so the loop and its ceiling see the same
    /// machine: on a virtual machine whose speed drifts by tens of percent within a minute, a ceiling
    /// measured only before and after the loop made the ratio swing as much. The loop's time and CPU
    /// seconds are those of the iterations alone.
    /// </para>
    /// </summary>
    public static TrainBenchmarkResult Run(CityMap map, int agents, double seconds, Algorithm algorithm = Algorithm.Leed,
        Hyperparameters? hyperparameters = null, int seed = 1, Action<string>? log = null, int? iterations = null)
    {
        Hyperparameters hp = (hyperparameters ?? new Hyperparameters()) with { Iterations = 1_000_000 };
        using Trainer trainer = WarmTrainer(map, agents, algorithm, hp, seed);
        int observationSize = trainer.Networks.ObservationSize;
        int? stateSize = algorithm.Info().CentralizedCritic ? trainer.Networks.CriticInputSize : null;
        using var probe = new KernelProbe(agents, observationSize, stateSize, hp, seed);
        double flopsPerIteration = IterationFlops(trainer, algorithm, hp);
        TrainerTimings timings = trainer.Timings;
        double[] before = [timings.Environment, timings.RolloutForward, timings.UpdateForward, timings.Backward, timings.Optimizer, timings.Other];

        using var process = Process.GetCurrentProcess();
        KernelMeasurement kernel = probe.Measure(seconds: 0.25);
        var fractions = new List<double>();
        double wall = 0, cpu = 0;
        int measured = 0;
        while (iterations is int wanted ? measured < wanted : measured < 2 || wall < seconds)
        {
            process.Refresh();
            TimeSpan cpuBefore = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            trainer.RunIteration();
            double iterationWall = Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            cpu += (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            wall += iterationWall;
            measured++;
            KernelMeasurement slice = probe.Measure(seconds: iterationWall * KernelShare);
            kernel += slice;
            fractions.Add(flopsPerIteration / iterationWall / 1e9 / slice.GflopPerSecond);
            log?.Invoke($"iteration {measured}: {wall:F1} s training, this one {flopsPerIteration / iterationWall / 1e9:F1} GFLOP/s against the kernel's {slice.GflopPerSecond:F1}");
        }
        double[] after = [timings.Environment, timings.RolloutForward, timings.UpdateForward, timings.Backward, timings.Optimizer, timings.Other];
        double[] spent = [.. after.Select((value, k) => value - before[k])];
        double total = spent.Sum();
        var split = new TimeSplit(R(spent[0]), R(spent[1]), R(spent[2]), R(spent[3]), R(spent[4]), R(spent[5]),
            Share(spent[0]), Share(spent[1] + spent[2]), Share(spent[3]), Share(spent[4]), Share(spent[5]));
        double Share(double part) => Math.Round(part / total, 3);

        long agentSteps = (long)measured * hp.GlobalStepsPerIteration * agents;
        double loop = flopsPerIteration * measured / wall / 1e9, loopPerCpu = flopsPerIteration * measured / cpu / 1e9;
        return new TrainBenchmarkResult(map.Name, agents, hp.Envs, hp.Steps, algorithm.Name(), torch.get_num_threads(), measured, R(wall),
            agentSteps, Math.Round(agentSteps / wall), Math.Round(wall / measured, 4), split,
            Math.Round(kernel.GflopPerSecond, 1), Math.Round(loop, 1), Math.Round(loop / kernel.GflopPerSecond, 3), Math.Round(flopsPerIteration / 1e9, 2),
            R(cpu), Math.Round(cpu / wall, 2), kernel.CpuUtilisation, trainer.ParameterCount, EnvConfig.EnvVersion,
            Math.Round(kernel.GflopPerCpuSecond, 1), Math.Round(loopPerCpu, 1), Math.Round(loopPerCpu / kernel.GflopPerCpuSecond, 3),
            Spread.Of(fractions), measured + 1);
    }

    /// <summary>
    /// A trainer for a benchmark, after one warm-up iteration (JIT, first allocations): a generated
    /// scenario, and the built-in planner's demonstrations for the algorithms that need them, prepared
    /// as every run is (<see cref="RunPreparation"/>).
    /// </summary>
    internal static Trainer WarmTrainer(CityMap map, int agents, Algorithm algorithm, Hyperparameters hp, int seed)
    {
        Trainer trainer = NewTrainer(map, agents, algorithm, hp, seed);
        trainer.RunIteration();
        return trainer;
    }

    /// <summary>A trainer on a generated scenario, with the built-in planner's demonstrations for the algorithms that need them.</summary>
    internal static Trainer NewTrainer(CityMap map, int agents, Algorithm algorithm, Hyperparameters hp, int seed) =>
        RunPreparation.OnGeneratedScenario(map, agents, seed, algorithm, null, hp, seed).CreateTrainer();

    private static double R(double value) => Math.Round(value, 3);

    /// <summary>Multiply-add FLOPs of one forward pass of an MLP per row: 2 * sum(in * out).</summary>
    public static double ForwardFlops(int inputs, int hidden, int layers, int outputs)
    {
        double flops = 0;
        int width = inputs;
        for (int layer = 0; layer < layers; layer++) { flops += 2.0 * width * hidden; width = hidden; }
        return flops + 2.0 * width * outputs;
    }

    /// <summary>Forward plus backward per row: weight gradients cost a forward, input gradients another, except for the first layer (the observation needs none).</summary>
    public static double TrainingFlops(int inputs, int hidden, int layers, int outputs) =>
        3 * ForwardFlops(inputs, hidden, layers, outputs) - 2.0 * inputs * (layers > 0 ? hidden : outputs);

    /// <summary>The network FLOPs of one iteration: rollout forwards, update forwards and backwards, expert batches.</summary>
    public static double IterationFlops(Trainer trainer, Algorithm algorithm, Hyperparameters hp)
    {
        AgentNetworks networks = trainer.Networks;
        int n = networks.Agents, id = networks.SharedParameters ? n : 0;
        int observation = networks.ObservationSize + id, critic = networks.CriticInputSize + id;
        double rows = (double)hp.Envs * hp.Steps * n;
        double actorForward = ForwardFlops(observation, hp.HiddenSize, hp.HiddenLayers, Maps.Directions.ActionCount);
        double criticForward = ForwardFlops(critic, hp.HiddenSize, hp.HiddenLayers, 1);
        double actorTraining = TrainingFlops(observation, hp.HiddenSize, hp.HiddenLayers, Maps.Directions.ActionCount);
        double criticTraining = TrainingFlops(critic, hp.HiddenSize, hp.HiddenLayers, 1);
        double flops = 0;
        AlgorithmInfo info = algorithm.Info();
        if (info.UsesPpo) flops += rows * (actorForward + criticForward) + hp.UpdateEpochs * rows * (actorTraining + criticTraining);
        else if (info.Policy == PolicyKind.Network) flops += rows * actorForward;
        if (info.ExpertLoss != ExpertWeighting.None)
            flops += (double)hp.UpdateEpochs * hp.Minibatches * n * hp.ExpertBatchSize * actorTraining;
        return flops;
    }

    /// <summary>
    /// Forward + backward of the actor and critic ensembles on one minibatch, repeated for about
    /// <paramref name="seconds"/> after a warm-up (see <see cref="KernelProbe"/>).
    /// </summary>
    public static KernelMeasurement MeasureKernel(int agents, int observationSize, int? stateSize, Hyperparameters hp, int seed, double seconds = 2.0)
    {
        using var probe = new KernelProbe(agents, observationSize, stateSize, hp, seed);
        return probe.Measure(seconds);
    }
}

/// <summary>
/// The training loop's kernel ceiling: forward + backward of the actor and critic ensembles on one
/// minibatch, computed as the training loop computes them: with a null state size the critic reads
/// the observations and both networks run in one <see cref="AgentNetworks.LogitsAndValues(Tensor)"/>
/// pass; otherwise the critic reads a state of that size. Its own networks and inputs, warmed up when made.
/// </summary>
public sealed class KernelProbe : IDisposable
{
    private readonly Generator _generator;
    private readonly AgentNetworks _networks;
    private readonly Tensor _observations, _criticInputs;   // [N, mb, O], [N, mb, C]
    private readonly Scalar _one = 1; // held for the whole probe: TorchSharp may free a temporary Scalar mid-call
    private readonly bool _centralized;
    private readonly double _flopsPerPass;

    public KernelProbe(int agents, int observationSize, int? stateSize, Hyperparameters hp, int seed)
    {
        int criticInputSize = stateSize ?? observationSize;
        _centralized = stateSize is not null;
        _generator = new Generator((ulong)seed);
        _networks = new AgentNetworks(agents, observationSize, criticInputSize, observationSize - Maps.Directions.ActionCount,
            hp.HiddenSize, hp.HiddenLayers, hp.ShareParameters, _generator);
        int rows = hp.MinibatchSize;
        _observations = rand(agents, rows, observationSize, generator: _generator).DetachFromDisposeScope();
        _criticInputs = rand(agents, rows, criticInputSize, generator: _generator).DetachFromDisposeScope();
        int id = hp.ShareParameters ? agents : 0;
        _flopsPerPass = (double)agents * rows * (TrainBenchmark.TrainingFlops(observationSize + id, hp.HiddenSize, hp.HiddenLayers, Maps.Directions.ActionCount)
            + TrainBenchmark.TrainingFlops(criticInputSize + id, hp.HiddenSize, hp.HiddenLayers, 1));
        for (int warm = 0; warm < 3; warm++) Pass();
    }

    /// <summary>Passes for about <paramref name="seconds"/> (at least two), with their FLOPs, wall and process CPU seconds.</summary>
    public KernelMeasurement Measure(double seconds)
    {
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int passes = 0;
        while (passes < 2 || clock.Elapsed.TotalSeconds < seconds) { Pass(); passes++; }
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        return new KernelMeasurement(_flopsPerPass * passes, wall, cpu);
    }

    private void Pass()
    {
        using var scope = NewDisposeScope();
        _networks.zero_grad();
        (Tensor logits, Tensor values) = _centralized
            ? (_networks.Logits(_observations), _networks.Values(_criticInputs))
            : _networks.LogitsAndValues(_observations);
        Tensor loss = logits.log_softmax(-1).sum().add(values.sum(), _one);
        loss.backward();
    }

    public void Dispose()
    {
        _observations.Dispose();
        _criticInputs.Dispose();
        _networks.Dispose();
        _generator.Dispose();
        _one.Dispose();
    }
}
