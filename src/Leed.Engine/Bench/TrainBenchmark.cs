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
/// <param name="CpuUtilisation">Process CPU seconds per wall second while measuring (2.0 = both threads busy all the time).
/// Well below the thread count means other processes took the cores and the wall-clock figures understate the code.</param>
public sealed record TrainBenchmarkResult(
    string Map, int Agents, int Envs, int Steps, string Algorithm, int Threads, int Iterations, double Seconds,
    long AgentSteps, double AgentStepsPerSecond, double SecondsPerIteration, TimeSplit Split,
    double KernelGflopPerSecond, double LoopGflopPerSecond, double KernelFraction, double GflopPerIteration,
    double CpuSeconds, double CpuUtilisation, double KernelCpuUtilisation, long Parameters, string EnvVersion,
    double KernelGflopPerCpuSecond, double LoopGflopPerCpuSecond, double KernelFractionCpu);

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
    /// <summary>
    /// Trains for about <paramref name="seconds"/> (or exactly <paramref name="iterations"/>) after one
    /// warm-up iteration (JIT, first allocations) and reports the measured iterations only. LEED and BC
    /// use the built-in planner's demonstrations (generated before the clock starts).
    /// </summary>
    public static TrainBenchmarkResult Run(CityMap map, int agents, double seconds, Algorithm algorithm = Algorithm.Leed,
        Hyperparameters? hyperparameters = null, int seed = 1, Action<string>? log = null, int? iterations = null)
    {
        Hyperparameters hp = (hyperparameters ?? new Hyperparameters()) with { Iterations = 1_000_000 };
        using Trainer trainer = WarmTrainer(map, agents, algorithm, hp, seed);
        // The kernel is measured half before and half after the loop, so a change in the machine's
        // load during the run weighs on both sides of the ratio alike.
        int observationSize = trainer.Networks.ObservationSize;
        int? stateSize = algorithm.Info().CentralizedCritic ? trainer.Networks.CriticInputSize : null;
        KernelMeasurement kernelBefore = MeasureKernel(agents, observationSize, stateSize, hp, seed, seconds: 1.0);
        TrainerTimings timings = trainer.Timings;
        double[] before = [timings.Environment, timings.RolloutForward, timings.UpdateForward, timings.Backward, timings.Optimizer, timings.Other];

        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int measured = 0;
        while (iterations is int wanted ? measured < wanted : measured < 2 || clock.Elapsed.TotalSeconds < seconds)
        {
            trainer.RunIteration();
            measured++;
            log?.Invoke($"iteration {measured}: {clock.Elapsed.TotalSeconds:F1} s");
        }
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        double[] after = [timings.Environment, timings.RolloutForward, timings.UpdateForward, timings.Backward, timings.Optimizer, timings.Other];
        double[] spent = [.. after.Select((value, k) => value - before[k])];
        double total = spent.Sum();
        var split = new TimeSplit(R(spent[0]), R(spent[1]), R(spent[2]), R(spent[3]), R(spent[4]), R(spent[5]),
            Share(spent[0]), Share(spent[1] + spent[2]), Share(spent[3]), Share(spent[4]), Share(spent[5]));
        double Share(double part) => Math.Round(part / total, 3);

        long agentSteps = (long)measured * hp.GlobalStepsPerIteration * agents;
        double flopsPerIteration = IterationFlops(trainer, algorithm, hp);
        KernelMeasurement kernel = kernelBefore + MeasureKernel(agents, observationSize, stateSize, hp, seed, seconds: 1.0);
        double loop = flopsPerIteration * measured / wall / 1e9, loopPerCpu = flopsPerIteration * measured / cpu / 1e9;
        return new TrainBenchmarkResult(map.Name, agents, hp.Envs, hp.Steps, algorithm.Name(), torch.get_num_threads(), measured, R(wall),
            agentSteps, Math.Round(agentSteps / wall), Math.Round(wall / measured, 4), split,
            Math.Round(kernel.GflopPerSecond, 1), Math.Round(loop, 1), Math.Round(loop / kernel.GflopPerSecond, 3), Math.Round(flopsPerIteration / 1e9, 2),
            R(cpu), Math.Round(cpu / wall, 2), kernel.CpuUtilisation, trainer.ParameterCount, EnvConfig.EnvVersion,
            Math.Round(kernel.GflopPerCpuSecond, 1), Math.Round(loopPerCpu, 1), Math.Round(loopPerCpu / kernel.GflopPerCpuSecond, 3));
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
    /// <paramref name="seconds"/>, computed as the training loop computes them: with
    /// <paramref name="stateSize"/> null the critic reads the observations and both networks run in
    /// one <see cref="AgentNetworks.LogitsAndValues(Tensor)"/> pass; otherwise the critic reads a state of that size.
    /// </summary>
    public static KernelMeasurement MeasureKernel(int agents, int observationSize, int? stateSize, Hyperparameters hp, int seed, double seconds = 2.0)
    {
        int criticInputSize = stateSize ?? observationSize;
        using var generator = new Generator((ulong)seed);
        using var networks = new AgentNetworks(agents, observationSize, criticInputSize, observationSize - Maps.Directions.ActionCount,
            hp.HiddenSize, hp.HiddenLayers, hp.ShareParameters, generator);
        int rows = hp.MinibatchSize;
        using Scalar one = 1; // held for the whole benchmark: TorchSharp may free a temporary Scalar mid-call
        using var observations = rand(agents, rows, observationSize, generator: generator);    // [N, mb, O]
        using var criticInputs = rand(agents, rows, criticInputSize, generator: generator);    // [N, mb, C]
        void Pass()
        {
            using var scope = NewDisposeScope();
            networks.zero_grad();
            (Tensor logits, Tensor values) = stateSize is null
                ? networks.LogitsAndValues(observations)
                : (networks.Logits(observations), networks.Values(criticInputs));
            Tensor loss = logits.log_softmax(-1).sum().add(values.sum(), one);
            loss.backward();
        }
        for (int warm = 0; warm < 3; warm++) Pass();
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int passes = 0;
        while (passes < 5 || clock.Elapsed.TotalSeconds < seconds) { Pass(); passes++; }
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        int id = hp.ShareParameters ? agents : 0;
        double flops = (double)agents * rows * (TrainingFlops(observationSize + id, hp.HiddenSize, hp.HiddenLayers, Maps.Directions.ActionCount)
            + TrainingFlops(criticInputSize + id, hp.HiddenSize, hp.HiddenLayers, 1));
        return new KernelMeasurement(flops * passes, wall, cpu);
    }
}
