// PPO for many agents (IPPO, MAPPO, LEED, BC and two reference policies) in CleanRL's order: read it top to bottom.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Leed.Engine.Env;
using TorchSharp;
using static Leed.Engine.Learning.HeldScalars;
using static Leed.Engine.Learning.TrainerTimings;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// Trains every agent of one scenario with one algorithm, doing what the algorithm's row of
/// <see cref="Algorithms"/> says: actions from its <see cref="AlgorithmInfo.Policy"/>, the PPO loss
/// when it <see cref="AlgorithmInfo.UsesPpo"/>, the expert loss as its
/// <see cref="AlgorithmInfo.ExpertLoss"/> says. Create it outside any dispose scope (its networks
/// and buffers live as long as it does); use it from one thread at a time. Beside it:
/// <see cref="Hyperparameters"/>, <see cref="RolloutStorage"/>, <see cref="Gae"/>,
/// <see cref="EpisodeTally"/> (episode metrics and LEED's evidence), <see cref="Acting"/> and
/// <see cref="Checkpoint"/>.
/// </summary>
public sealed class Trainer : IDisposable
{
    /// <summary>The last minibatch's PPO terms, each a mean over agents (CleanRL reports the last minibatch's too).</summary>
    private readonly record struct PpoTerms(float PolicyLoss, float ValueLoss, float Entropy, float ApproxKl, float ClipFraction);

    private readonly Hyperparameters _hp;
    private readonly AlgorithmInfo _algorithm;
    private readonly int _agents, _envs, _steps, _obsSize, _stateSize;
    private readonly VectorCityEnv _env;
    private readonly AgentNetworks _networks;
    private readonly EnsembleAdam _optimizer;
    private readonly PpoLoss _ppoLoss;
    private readonly float _maxGradNorm;
    private readonly int _usableAgents;          // agents with a usable demonstration (at least 1), for the expert-loss metric
    private readonly Generator _generator;
    private readonly PreparedDemonstrations? _demos;
    private readonly DemoReplay? _replay;      // the Replay policy's cursors
    private readonly RolloutPolicy? _policy;   // the other policies' actions during rollouts
    private readonly IReadOnlyList<AgentSlice> _slices; // the agents in slices for the update (one slice unless there are many)

    // Environment buffers, owned by torch and written by the environment in place (no copies).
    private readonly Tensor _observations;     // [E, N, O] float32
    private readonly Tensor _states;           // [E, S] float32 (centralized critic; [E, 1] otherwise)
    private readonly Tensor _actions;          // [E, N] int32

    private readonly RolloutStorage? _rollout; // PPO only
    private readonly AgentPaths _paths;        // this episode's cells per env x agent, for DTW
    private readonly float[] _weights;         // [N] expert weights w_i

    private readonly long _startTimestamp;
    private long _startGlobalStep; // charts/SPS counts from here (a resumed run starts at its checkpoint's step)

    public Trainer(Scenario scenario, ExpertDataset? demonstrations, Algorithm algorithm, IWeightSchedule? weights,
        Hyperparameters hyperparameters, int seed, EnvConfig? environment = null)
        : this(scenario, demonstrations, algorithm, weights, hyperparameters, seed, environment, AgentNetworks.SliceBytes) { }

    /// <param name="sliceBytes">The update's agent-slice budget (see <see cref="AgentNetworks.SliceBytes"/>); tests make it small.</param>
    internal Trainer(Scenario scenario, ExpertDataset? demonstrations, Algorithm algorithm, IWeightSchedule? weights,
        Hyperparameters hyperparameters, int seed, EnvConfig? environment, long sliceBytes)
    {
        hyperparameters.Validate();
        _algorithm = algorithm.Info();
        if (_algorithm.NeedsDemonstrations && demonstrations is null)
            throw new ArgumentException($"{_algorithm.Name} needs demonstrations.");
        // Before the first allocation: a request that cannot fit is refused with its estimate, not met by an out-of-memory crash.
        TrainingMemory.EnsureFits(scenario, algorithm, hyperparameters, environment);
        Scenario = scenario;
        Algorithm = algorithm;
        Hyperparameters = _hp = hyperparameters;
        Seed = seed;
        WeightSchedule = _algorithm.UsesWeightSchedule ? weights ?? WeightSchedules.Default : null;
        Demonstrations = demonstrations;

        // =============================================================================================
        // Seeding: one generator for initialisation, sampling, shuffling and expert batches; the
        // environments get their own seed. Torch's global generator is seeded too, for anything else.
        // =============================================================================================
        torch.set_num_threads(_hp.Threads);
        torch.manual_seed(seed);
        _generator = new Generator((ulong)seed);

        _env = new VectorCityEnv(scenario, _hp.Envs, environment);
        (_agents, _envs, _steps) = (scenario.AgentCount, _hp.Envs, _hp.Steps);
        _obsSize = _env.ObservationSize;
        _stateSize = _env.StateSize;

        _networks = new AgentNetworks(_agents, _obsSize, _algorithm.CentralizedCritic ? _stateSize : _obsSize, _env.Layout.MaskOffset,
            _hp.HiddenSize, _hp.HiddenLayers, _hp.ShareParameters, _generator);
        _optimizer = new EnsembleAdam(_networks.parameters(), epsilon: 1e-5) { Threads = _hp.Threads };
        _slices = _networks.Slices(_hp.MinibatchSize, _optimizer.GradientOf, sliceBytes);
        (_ppoLoss, _maxGradNorm) = (new PpoLoss(_hp), (float)_hp.MaxGradNorm);

        if (demonstrations is not null)
        {
            _demos = PreparedDemonstrations.From(demonstrations, scenario, _env.Layout);
            if (_algorithm.NeedsDemonstrations && _demos.UsableAgents == 0)
                throw new ArgumentException($"{_algorithm.Name} needs demonstrations, but no agent has a valid one ({demonstrations.Provenance}).");
            if (_algorithm.Policy == PolicyKind.Replay) _replay = new DemoReplay(_demos.DrivingActions, _envs);
        }
        if (_algorithm.Policy != PolicyKind.Replay) _policy = new RolloutPolicy(_networks, _algorithm.Policy, _envs, _steps, _hp.RolloutThreads, _generator);
        _usableAgents = Math.Max(1, _demos?.UsableAgents ?? 1);
        _weights = new float[_agents];
        float initial = WeightSchedule?.Initial ?? 0f;
        for (int i = 0; i < _agents; i++) _weights[i] = _demos is not null && _demos.Usable[i] ? initial : 0f;

        // =============================================================================================
        // Storage, preallocated once
        // =============================================================================================
        _observations = zeros(_envs, _agents, _obsSize);                                   // [E, N, O]
        _states = zeros(_envs, _algorithm.CentralizedCritic ? _stateSize : 1);             // [E, S]
        _actions = zeros(_envs, _agents, dtype: ScalarType.Int32);                         // [E, N]
        if (_algorithm.UsesPpo) _rollout = new RolloutStorage(_steps, _envs, _agents, _obsSize, _algorithm.CentralizedCritic ? _stateSize : null);
        _paths = new AgentPaths(_envs, _agents, _env.MaxSteps + 2);

        _env.Reset((ulong)seed, ObservationSpan);
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    public Scenario Scenario { get; }
    public Algorithm Algorithm { get; }
    public Hyperparameters Hyperparameters { get; }
    public IWeightSchedule? WeightSchedule { get; }
    public ExpertDataset? Demonstrations { get; }
    public int Seed { get; }
    /// <summary>Iterations completed.</summary>
    public int Iteration { get; private set; }
    /// <summary>Environment steps summed over the parallel environments (CleanRL's <c>global_step</c>).</summary>
    public long GlobalStep { get; private set; }
    public int AgentCount => _agents;
    public TrainerTimings Timings { get; } = new();
    /// <summary>The expert-loss weight of each agent used in the last update (0 for agents without a usable demonstration).</summary>
    public IReadOnlyList<float> Weights => _weights;
    /// <summary>Number of trainable parameters over all agents.</summary>
    public long ParameterCount => _networks.parameters().Sum(parameter => parameter.numel());

    // What the neighbouring files (acting, checkpoints, benchmarks) read and restore.
    internal AgentNetworks Networks => _networks;
    internal EnsembleAdam Optimizer => _optimizer;
    internal Generator Generator => _generator;
    internal float[] ExpertWeights => _weights;
    internal PreparedDemonstrations? Prepared => _demos;
    internal EnvConfig EnvironmentConfig => _env.Config;
    internal int ObservationSize => _obsSize;
    internal int StateSize => _stateSize;

    private Span<float> ObservationSpan => MemoryMarshal.Cast<byte, float>(_observations.bytes);
    private Span<float> StateSpan => MemoryMarshal.Cast<byte, float>(_states.bytes);
    private Span<int> ActionSpan => MemoryMarshal.Cast<byte, int>(_actions.bytes);

    /// <summary>One iteration: rollout, advantages, update, metrics.</summary>
    public IterationMetrics RunIteration()
    {
        using var iterationScope = NewDisposeScope();
        long clock = Stopwatch.GetTimestamp();
        double measuredBefore = Timings.Total - Timings.Other;
        Iteration++;
        var metrics = new Dictionary<string, double>();

        // Learning-rate annealing, as CleanRL: lr * (1 - (iteration - 1) / iterations).
        double lr = _hp.AnnealLearningRate ? _hp.LearningRate * Math.Max(0, 1.0 - (Iteration - 1.0) / _hp.Iterations) : _hp.LearningRate;

        // =============================================================================================
        // Rollout: T steps of all E x N agents; one forward per step for every agent's own network
        // =============================================================================================
        var episodes = new EpisodeTally(_agents, _demos, _hp.DtwEpisodes, Scenario.Map.Width);
        torch.set_num_threads(1); // RolloutThreads are groups of agents, see RolloutPolicy
        _policy?.BeginRollout();
        _rollout?.Observations[0].copy_(_observations); // then the environment writes each step's observations straight into the rollout
        for (int t = 0; t < _steps; t++)
        {
            if (_algorithm.CentralizedCritic) WriteStates();
            long forward = Stopwatch.GetTimestamp();
            if (_replay is not null) // PolicyKind.Replay
            {
                _replay.Choose(_env.Status, _env.Positions, ActionSpan);
            }
            else
            {
                using var scope = NewDisposeScope();
                // Values and log-probabilities are not computed here: one batched pass after the rollout gives the same numbers.
                Tensor observations = _rollout?.Observations[t] ?? _observations;                             // [E, N, O]
                _policy!.Act(t, observations.transpose(0, 1), _actions, _rollout?.Actions[t], _rollout?.Logits[t]);
                if (_algorithm.CentralizedCritic) _rollout?.States![t].copy_(_states);
            }
            long stepped = Stopwatch.GetTimestamp();
            Timings.RolloutForward += Seconds(forward, stepped);

            _env.Step(ActionSpan, _rollout is not null && t + 1 < _steps ? _rollout.ObservationsAt(t + 1) : ObservationSpan);
            _replay?.Observe(_env.Positions, _env.Terminated, _env.EpisodeDone);
            _rollout?.Record(t, _env, (float)_hp.RewardScale);
            _paths.Record(_env, Scenario, episodes);
            Timings.Environment += Seconds(stepped, Stopwatch.GetTimestamp());
        }
        GlobalStep += _hp.GlobalStepsPerIteration;
        torch.set_num_threads(_hp.Threads);

        // LEED's weights: from this rollout's evidence (and, for schedules that read it, each agent's
        // critic on its own demonstration), used in this iteration's update.
        Tensor? passingDemoSteps = null; // [N, K] the Q-filter's steps expert batches are drawn from
        if (WeightSchedule is not null)
        {
            double progress = (Iteration - 1.0) / Math.Max(1, _hp.Iterations - 1);
            DemoJudgement?[] judged = [];
            if (WeightSchedule.ReadsCritic || WeightSchedule.FiltersDemoSteps)
            {
                Tensor demoAdvantages = ExpertBatches.Advantages(_networks, _demos!, _hp.Gamma, _hp.RewardScale);
                judged = ExpertBatches.Judge(demoAdvantages, _demos!);
                if (WeightSchedule.FiltersDemoSteps) passingDemoSteps = ExpertBatches.Passing(demoAdvantages, _demos!);
            }
            WeightSchedule.Update(new WeightInputs(Iteration, Math.Clamp(progress, 0, 1), episodes.Evidence(), judged), _weights);
            for (int i = 0; i < _agents; i++) if (!_demos!.Usable[i]) _weights[i] = 0f;
        }

        int batchSize = _hp.BatchSize, minibatchSize = _hp.MinibatchSize;
        RolloutBatch? batch = null; // what the PPO loss reads (algorithms that use PPO)
        if (_rollout is { } stored)
        {
            // =========================================================================================
            // GAE, per agent: dead steps (after arrival) carry nothing; an arrival ends the agent's trajectory.
            // The rollout's values come from one batched critic pass over all stored inputs: the
            // parameters did not change during the rollout, so they equal CleanRL's step-by-step values.
            // =========================================================================================
            long valuesStart = Stopwatch.GetTimestamp();
            Tensor observations = stored.ObservationsPerAgent();                                     // [N, B, O] view
            Tensor? states = stored.StatesFlat();                                                    // [1, B, S]
            using (no_grad())
            {
                Tensor values = empty(batchSize, _agents);                                           // [T*E, N]
                foreach (AgentSlice slice in _slices)
                    values.narrow(1, slice.First, slice.Count).copy_(_networks.Values(CriticInput(observations.narrow(0, slice.First, slice.Count), states), slice).t());
                values.data<float>().CopyTo(stored.Values);
                if (_algorithm.CentralizedCritic) WriteStates();
                using var scope = NewDisposeScope();
                Tensor next = CriticInput(_observations.transpose(0, 1), states is null ? null : _states.unsqueeze(0)); // [N, E, C]
                _networks.Values(next).t().contiguous().data<float>().CopyTo(stored.NextValues);    // [E, N]
            }
            Timings.RolloutForward += Seconds(valuesStart, Stopwatch.GetTimestamp());
            Gae.Compute(stored.Rewards, stored.Values, stored.Dones, stored.Alive, stored.NextValues, (float)_hp.Gamma, (float)_hp.GaeLambda,
                stored.Advantages, stored.Returns);

            // Flatten: [T, E, N, ...] -> rows [T*E, N, ...]; a minibatch gathers rows and views them per agent.
            batch = stored.Flatten();
        }

        if (_algorithm.Learns)
        {
            Tensor? expertWeights = _algorithm.ExpertLoss switch                                      // [N] w_i, or no expert loss
            {
                ExpertWeighting.Schedule => tensor(_weights),
                ExpertWeighting.Unweighted => _demos!.UsableMask,
                _ => null,
            };

            // =========================================================================================
            // Update: epochs x shuffled minibatches; every agent's rows go through its own network.
            // Many agents take a minibatch slice by slice (see AgentNetworks.Slices): the same losses and gradients.
            // =========================================================================================
            var ppo = new PpoTerms();
            float expertLoss = 0;
            double clipFractionSum = 0;
            int minibatches = 0;
            for (int epoch = 0; epoch < _hp.UpdateEpochs; epoch++)
            {
                using var epochScope = NewDisposeScope();
                Tensor order = randperm(batchSize, generator: _generator);                                    // [B]
                for (int start = 0; start < batchSize; start += minibatchSize)
                {
                    using var scope = NewDisposeScope();
                    long t0 = Stopwatch.GetTimestamp();
                    Tensor index = order.narrow(0, start, minibatchSize);                                     // [mb]
                    // Drawn for every agent at once, so slicing the agents leaves the random stream as it was.
                    Tensor? expertDraw = expertWeights is null ? null : rand(_agents, _hp.ExpertBatchSize, generator: _generator); // [N, Be]
                    var sums = new double[ExpertSum + 1];                                                     // the metrics' sums over slices
                    _optimizer.ZeroGrad();
                    Timings.Optimizer += Seconds(t0, Stopwatch.GetTimestamp());
                    foreach (AgentSlice slice in _slices)
                    {
                        using var sliceScope = NewDisposeScope();
                        long t1 = Stopwatch.GetTimestamp();
                        // What backward starts from: the networks' outputs with the PPO loss's gradients (PpoLoss), and the expert loss.
                        var outputs = new List<Tensor>(3);
                        var gradients = new List<Tensor>(3);
                        if (batch is not null)
                        {
                            Minibatch mb = batch.Rows(index, slice.First, slice.Count);
                            (Tensor logits, Tensor values) = mb.States is null                                             // [n, mb, A], [n, mb]
                                ? _networks.LogitsAndValues(mb.Observations, slice)                                      // first layers in one matmul
                                : (_networks.Logits(mb.Observations, slice), _networks.Values(CriticInput(mb.Observations, mb.States), slice));
                            (Tensor logitGradient, Tensor valueGradient) = _ppoLoss.Gradients(logits, values, mb, sums);
                            outputs.AddRange([logits, values]);
                            gradients.AddRange([logitGradient, valueGradient]);
                        }
                        // LEED / BC: + sum_i w_i * L_E,i, L_E,i = -mean log pi_i(a_e | o_e) over agent i's own demonstration steps.
                        if (expertDraw is not null)
                        {
                            Tensor weighted = expertWeights!.narrow(0, slice.First, slice.Count).mul(ExpertLoss(expertDraw, passingDemoSteps, slice, sums)).sum();
                            outputs.Add(weighted);
                            gradients.Add(ones_like(weighted));
                        }
                        if (outputs.Count == 0) throw new InvalidOperationException($"{_algorithm.Name} learns but has neither a PPO nor an expert loss.");
                        long t2 = Stopwatch.GetTimestamp();
                        torch.autograd.backward(outputs, gradients);
                        Timings.UpdateForward += Seconds(t1, t2);
                        Timings.Backward += Seconds(t2, Stopwatch.GetTimestamp());
                    }
                    long t3 = Stopwatch.GetTimestamp();
                    _optimizer.ClipGradientNormPerMember(_maxGradNorm);
                    _optimizer.Step(lr);
                    Timings.Optimizer += Seconds(t3, Stopwatch.GetTimestamp());

                    double live = Math.Max(sums[PpoLoss.Sum.LiveRows], 1);
                    if (batch is not null)
                    {
                        ppo = new PpoTerms((float)(sums[PpoLoss.Sum.Policy] / _agents), (float)(sums[PpoLoss.Sum.Value] / _agents),
                            (float)(sums[PpoLoss.Sum.Entropy] / _agents), (float)(sums[PpoLoss.Sum.ApproxKl] / live), (float)(sums[PpoLoss.Sum.Clipped] / live));
                        clipFractionSum += ppo.ClipFraction;
                    }
                    if (expertDraw is not null) expertLoss = (float)(sums[ExpertSum] / _usableAgents);
                    minibatches++;
                }
                if (batch is not null && _hp.TargetKl is { } targetKl && ppo.ApproxKl > targetKl) break;
            }

            if (batch is not null)
            {
                metrics[MetricNames.PolicyLoss] = ppo.PolicyLoss;
                metrics[MetricNames.ValueLoss] = ppo.ValueLoss;
                metrics[MetricNames.Entropy] = ppo.Entropy;
                metrics[MetricNames.ApproxKl] = ppo.ApproxKl;
                metrics[MetricNames.ClipFraction] = clipFractionSum / minibatches;
                metrics[MetricNames.ExplainedVariance] = Gae.ExplainedVariance(_rollout!.Returns, _rollout.Values, _rollout.Alive);
            }
            if (expertWeights is not null) metrics[MetricNames.ExpertLoss] = expertLoss;
            if (_demos is not null) metrics[MetricNames.DemoAgreement] = Acting.DemoAgreement(_networks, _demos);
        }

        // =============================================================================================
        // Metrics
        // =============================================================================================
        metrics[MetricNames.LearningRate] = _algorithm.Learns ? lr : 0;
        metrics[MetricNames.StepsPerSecond] = Math.Round((GlobalStep - _startGlobalStep) / Seconds(_startTimestamp, Stopwatch.GetTimestamp()));
        episodes.Report(metrics);
        if (WeightSchedule is not null)
            for (int i = 0; i < _agents; i++) metrics[MetricNames.AgentWeight(i)] = _weights[i];
        Timings.Other += Seconds(clock, Stopwatch.GetTimestamp()) - (Timings.Total - Timings.Other - measuredBefore);
        return new IterationMetrics(Iteration, GlobalStep, metrics);
    }

    // =================================================================================================
    // The pieces the iteration uses
    // =================================================================================================

    /// <summary>One action per row from masked logits <c>[N, B, A]</c>: argmax, or one draw from the softmax (see <see cref="RolloutPolicy.SampleWith"/>).</summary>
    internal static Tensor Sample(Tensor logits, bool greedy, Generator generator) => greedy
        ? logits.argmax(-1)                                                                          // [N, B]
        : RolloutPolicy.SampleWith(logits, RolloutPolicy.Noise(generator, logits.shape[0], logits.shape[1]));

    /// <summary>What each agent's critic reads: the shared global state <c>[1, B, S]</c> when there is one, else its own observations.</summary>
    private Tensor CriticInput(Tensor observations, Tensor? states) =>
        states is null ? observations : states.expand(observations.shape[0], states.shape[1], _stateSize); // [n, B, C]

    private void WriteStates()
    {
        long start = Stopwatch.GetTimestamp();
        Span<float> states = StateSpan;
        for (int e = 0; e < _envs; e++) _env.WriteState(e, states.Slice(e * _stateSize, _stateSize));
        Timings.Environment += Seconds(start, Stopwatch.GetTimestamp());
    }

    /// <summary>Where the expert loss adds its metric's sum, after <see cref="PpoLoss.Sum"/>'s.</summary>
    private const int ExpertSum = PpoLoss.Sum.Count;

    /// <summary>
    /// <c>[n]</c>: each slice agent's <c>-mean log pi_i(a_e | o_e)</c> over a batch of its own usable
    /// demonstration steps picked by <paramref name="draw"/> (only among the <paramref name="passing"/> steps
    /// when the Q-filter gives them); adds the usable agents' sum to <paramref name="sums"/>.
    /// </summary>
    private Tensor ExpertLoss(Tensor draw, Tensor? passing, AgentSlice slice, double[] sums)
    {
        (Tensor observations, Tensor actions) = _demos!.Rows(draw, slice.First, slice.Count, passing);        // [n, Be, O], [n, Be]
        Tensor logProbs = _networks.Logits(observations, slice).log_softmax(-1);                              // [n, Be, A]
        Tensor loss = logProbs.gather(-1, actions.unsqueeze(-1)).squeeze(-1).mean([1]).neg();                 // [n]
        using (no_grad()) sums[ExpertSum] += loss.mul(_demos.UsableMask.narrow(0, slice.First, slice.Count)).sum().item<float>();
        return loss;
    }

    // =================================================================================================
    // Acting and checkpoints (in Acting.cs and Checkpoint.cs)
    // =================================================================================================

    /// <summary>The network policy's actions for observations <c>[E', N, O]</c> (flattened), by argmax or sampled with <paramref name="sampleSeed"/>.</summary>
    public int[] Act(ReadOnlySpan<float> observations, bool greedy, long sampleSeed = 0) => Acting.Act(_networks, observations, greedy, sampleSeed);

    /// <summary>One episode in a fresh environment with its own seed and generator (training's streams are untouched), every agent's cell and status per step.</summary>
    public EpisodeTrace RecordEpisode(bool greedy, ulong? seed = null) => Acting.RecordEpisode(this, greedy, seed ?? (ulong)Seed * 7919UL + (ulong)Iteration);

    public void SaveCheckpoint(Stream stream) => Checkpoint.Save(this, stream);

    /// <summary>
    /// Rebuilds a trainer from a checkpoint. The environments restart from fresh episodes seeded by
    /// (seed, iteration): a resumed run continues the same policy, optimiser and random streams, but
    /// its episodes are not those an uninterrupted run would have seen (the environment's
    /// mid-episode state is not part of the checkpoint).
    /// </summary>
    /// <param name="plannedIterations">
    /// A new plan (more iterations than the checkpoint's run was planned for): the learning rate and
    /// the decay schedule then anneal over it, as if the run had been planned that long from the
    /// start. Null keeps the checkpoint's plan.
    /// </param>
    public static Trainer LoadCheckpoint(Stream stream, Scenario scenario, ExpertDataset? demonstrations, EnvConfig? environment = null,
        int? plannedIterations = null) =>
        Checkpoint.Load(stream, scenario, demonstrations, environment, plannedIterations);

    /// <summary>After a checkpoint's state is restored: its progress, and fresh episodes seeded by (seed, iteration).</summary>
    internal void ContinueFrom(int iteration, long globalStep)
    {
        Iteration = iteration;
        GlobalStep = _startGlobalStep = globalStep;
        _env.Reset((ulong)Seed ^ ((ulong)Iteration * 0x9E3779B97F4A7C15UL), ObservationSpan);
        _paths.ClearAll();
        _replay?.Reset();
    }

    public void Dispose()
    {
        _networks.Dispose();
        _optimizer.Dispose();
        _generator.Dispose();
        _demos?.Dispose();
        _rollout?.Dispose();
        _policy?.Dispose();
        foreach (AgentSlice slice in _slices) slice.Dispose();
        foreach (Tensor buffer in new[] { _observations, _states, _actions })
            buffer.Dispose();
    }
}
