// PPO for many agents (IPPO, MAPPO, LEED, BC and two reference policies) in CleanRL's order: read it top to bottom.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using TorchSharp;
using TorchSharp.Modules;
using static Leed.Engine.Learning.HeldScalars;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

// =====================================================================================================
// Hyperparameters (stored with every run; derived sizes are computed, never set)
// =====================================================================================================

/// <summary>Everything the trainer can be tuned by. Defaults are the ones the benchmarks use.</summary>
public sealed record Hyperparameters
{
    /// <summary>Parallel copies of the scenario stepped together (CleanRL's <c>num_envs</c>).</summary>
    public int Envs { get; init; } = 16;

    /// <summary>Steps per environment in one rollout (CleanRL's <c>num_steps</c>).</summary>
    public int Steps { get; init; } = 128;

    /// <summary>Planned iterations (rollout + update). The learning rate and the decay schedule anneal over them.</summary>
    public int Iterations { get; init; } = 100;

    /// <summary>Adam's learning rate at the first iteration.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Anneal the learning rate linearly to 0 over <see cref="Iterations"/>.</summary>
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Discount factor.</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>GAE's lambda.</summary>
    public double GaeLambda { get; init; } = 0.95;

    /// <summary>Minibatches per epoch; each agent's rows are split the same way.</summary>
    public int Minibatches { get; init; } = 4;

    /// <summary>Passes over the rollout per iteration.</summary>
    public int UpdateEpochs { get; init; } = 4;

    /// <summary>Normalise advantages per agent within each minibatch (over the agent's live rows).</summary>
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>PPO's surrogate clipping coefficient.</summary>
    public double ClipCoefficient { get; init; } = 0.2;

    /// <summary>Clip the value loss around the rollout's values, as CleanRL does by default.</summary>
    public bool ClipValueLoss { get; init; } = true;

    /// <summary>Weight of the entropy bonus.</summary>
    public double EntropyCoefficient { get; init; } = 0.01;

    /// <summary>Weight of the value loss.</summary>
    public double ValueCoefficient { get; init; } = 0.5;

    /// <summary>Gradient-norm clip, per agent: the norm is taken over all of one agent's parameters (actor and critic), so no agent's gradient rescales another's.</summary>
    public double MaxGradNorm { get; init; } = 0.5;

    /// <summary>Stop the epochs early once the approximate KL exceeds this; null never stops.</summary>
    public double? TargetKl { get; init; }

    /// <summary>Rewards are multiplied by this before training (arrival +100 becomes +1), so values and their gradients stay near unit scale. Reported returns are unscaled.</summary>
    public double RewardScale { get; init; } = 0.01;

    /// <summary>Width of each hidden layer.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>Number of tanh hidden layers in the actor and in the critic.</summary>
    public int HiddenLayers { get; init; } = 2;

    /// <summary>One network for all agents with a one-hot agent id in the input, instead of one network per agent (not LEED's default).</summary>
    public bool ShareParameters { get; init; }

    /// <summary>Demonstration steps sampled per agent (from its own demonstration, with replacement) for the expert loss of each minibatch.</summary>
    public int ExpertBatchSize { get; init; } = 128;

    /// <summary>Finished episodes per agent and iteration whose path is compared with the demonstration by DTW (bounds the cost).</summary>
    public int DtwEpisodes { get; init; } = 4;

    /// <summary>Torch intra-op threads for the update (process-wide). Results are reproducible for the same seed only at the same thread counts on the same machine.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Torch intra-op threads during the rollout, whose per-step tensors are small: one thread avoids a synchronisation per tiny op.</summary>
    public int RolloutThreads { get; init; } = 1;

    /// <summary>Rows per agent in one rollout: <c>Envs * Steps</c> (CleanRL's <c>batch_size</c>, per agent).</summary>
    public int BatchSize => Envs * Steps;

    /// <summary>Rows per agent in one minibatch.</summary>
    public int MinibatchSize => BatchSize / Minibatches;

    /// <summary>Global steps (environment steps summed over environments) per iteration.</summary>
    public int GlobalStepsPerIteration => Envs * Steps;

    public void Validate()
    {
        if (Envs < 1 || Steps < 1 || Iterations < 1) throw new ArgumentException($"Envs, Steps and Iterations must be positive (got {Envs}, {Steps}, {Iterations}).");
        if (Minibatches < 1 || BatchSize % Minibatches != 0) throw new ArgumentException($"Minibatches ({Minibatches}) must divide Envs x Steps ({BatchSize}).");
        if (UpdateEpochs < 1) throw new ArgumentException($"UpdateEpochs must be positive, got {UpdateEpochs}.");
        if (HiddenSize < 1 || HiddenLayers < 0) throw new ArgumentException($"HiddenSize must be positive and HiddenLayers not negative (got {HiddenSize}, {HiddenLayers}).");
        if (LearningRate <= 0 || Gamma is < 0 or > 1 || GaeLambda is < 0 or > 1) throw new ArgumentException("LearningRate must be positive; Gamma and GaeLambda in [0, 1].");
        if (ExpertBatchSize < 1 || DtwEpisodes < 0 || Threads < 1 || RolloutThreads < 1) throw new ArgumentException("ExpertBatchSize and Threads must be positive, DtwEpisodes not negative.");
    }
}

/// <summary>Where the time went, cumulative since the trainer was created (seconds).</summary>
public sealed class TrainerTimings
{
    /// <summary>Stepping the environments, writing observations and global states, and the per-step bookkeeping.</summary>
    public double Environment { get; internal set; }
    /// <summary>Network forward passes and sampling during rollouts (no gradient).</summary>
    public double RolloutForward { get; internal set; }
    /// <summary>Forward passes and loss terms during updates.</summary>
    public double UpdateForward { get; internal set; }
    public double Backward { get; internal set; }
    /// <summary>Per-agent gradient clipping, Adam's step and zeroing gradients.</summary>
    public double Optimizer { get; internal set; }
    /// <summary>Everything else (GAE, flattening, metrics, DTW).</summary>
    public double Other { get; internal set; }
    public double Total => Environment + RolloutForward + UpdateForward + Backward + Optimizer + Other;
}

/// <summary>One episode's agent positions per step, for the live map.</summary>
/// <param name="Positions">Per step (step 0 is before the first move), every agent's cell; -1 off the grid.</param>
/// <param name="Statuses">Per step, every agent's status.</param>
public sealed record EpisodeTrace(string Map, int Width, int Height, int Agents, int Iteration, bool Greedy,
    IReadOnlyList<int[]> Positions, IReadOnlyList<AgentStatus[]> Statuses, EpisodeSummary Summary);

/// <summary>
/// Trains every agent of one scenario with one algorithm. Create it outside any dispose scope (its
/// networks and buffers live as long as it does); use it from one thread at a time.
/// </summary>
public sealed class Trainer : IDisposable
{
    private const string CheckpointMagic = "LEED-CHECKPOINT";
    private const int CheckpointFormat = 2;

    private readonly Hyperparameters _hp;
    private readonly int _agents, _envs, _steps, _obsSize, _stateSize, _pathCapacity;
    private readonly bool _centralCritic;
    private readonly VectorCityEnv _env;
    private readonly AgentNetworks _networks;
    private readonly EnsembleAdam _optimizer;
    private readonly Scalar _clip, _negativeClip, _ratioLow, _ratioHigh, _entropyCoefficient, _valueCoefficient, _maxGradNorm, _usableAgents;
    private readonly Generator _generator;
    private readonly PreparedDemonstrations? _demos;
    private readonly DemoReplay? _replay;

    // Environment buffers, owned by torch and written by the environment in place (no copies).
    private readonly Tensor _observations;  // [E, N, O] float32
    private readonly Tensor _states;        // [E, S] float32 (MAPPO)
    private readonly Tensor _actions;       // [E, N] int32

    // Rollout storage, CleanRL's (num_steps, num_envs, ...) with the agent axis after the env axis.
    private readonly Tensor _obsStore;      // [T, E, N, O]
    private readonly Tensor _stateStore;    // [T, E, S] (MAPPO; [1, 1, 1] otherwise)
    private readonly Tensor _actionStore;   // [T, E, N] int64
    private readonly Tensor _logprobStore;  // [T, E, N]
    private readonly float[] _rewards;      // [T, E, N] scaled
    private readonly byte[] _dones;         // [T, E, N] terminated or truncated
    private readonly byte[] _alive;         // [T, E, N] alive when the step began
    private readonly float[] _values;       // [T, E, N] the critic's values of the rollout, for GAE
    private readonly float[] _advantages;   // [T, E, N]
    private readonly float[] _returns;      // [T, E, N]
    private readonly float[] _nextValues;   // [E, N]

    // Per-agent paths of the current episodes (for DTW), and the expert weights.
    private readonly int[] _paths;          // [E, N, MaxSteps + 2] cells
    private readonly int[] _pathLength;     // [E, N]
    private readonly float[] _weights;      // [N]

    private readonly long _startTimestamp;
    private long _startGlobalStep; // charts/SPS counts from here (a resumed run starts at its checkpoint's step)

    public Trainer(Scenario scenario, ExpertDataset? demonstrations, Algorithm algorithm, IWeightSchedule? weights,
        Hyperparameters hyperparameters, int seed, EnvConfig? environment = null)
    {
        hyperparameters.Validate();
        if (algorithm.NeedsDemonstrations() && demonstrations is null)
            throw new ArgumentException($"{algorithm.Name()} needs demonstrations.");
        // Before the first allocation: a request that cannot fit is refused with its estimate, not met by an out-of-memory crash.
        TrainingMemory.EnsureFits(scenario, algorithm, hyperparameters, environment);
        Scenario = scenario;
        Algorithm = algorithm;
        Hyperparameters = _hp = hyperparameters;
        Seed = seed;
        WeightSchedule = algorithm == Algorithm.Leed ? weights ?? WeightSchedules.Default : null;
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
        _centralCritic = algorithm == Algorithm.Mappo;
        _stateSize = _env.StateSize;
        _pathCapacity = _env.MaxSteps + 2;

        _networks = new AgentNetworks(_agents, _obsSize, _centralCritic ? _stateSize : _obsSize, _env.Layout.MaskOffset,
            _hp.HiddenSize, _hp.HiddenLayers, _hp.ShareParameters, _generator);
        _optimizer = new EnsembleAdam(_networks.parameters(), epsilon: 1e-5);
        (_clip, _negativeClip) = (_hp.ClipCoefficient, -_hp.ClipCoefficient);
        (_ratioLow, _ratioHigh) = (1 - _hp.ClipCoefficient, 1 + _hp.ClipCoefficient);
        (_entropyCoefficient, _valueCoefficient, _maxGradNorm) = (_hp.EntropyCoefficient, _hp.ValueCoefficient, _hp.MaxGradNorm);

        if (demonstrations is not null)
        {
            _demos = PreparedDemonstrations.From(demonstrations, scenario, _env.Layout);
            if (algorithm.NeedsDemonstrations() && _demos.UsableAgents == 0)
                throw new ArgumentException($"{algorithm.Name()} needs demonstrations, but no agent has a valid one ({demonstrations.Provenance}).");
            if (algorithm == Algorithm.Demo) _replay = new DemoReplay(_demos.DrivingActions, _envs);
        }
        _usableAgents = Math.Max(1, _demos?.UsableAgents ?? 1);
        _weights = new float[_agents];
        ResetWeights();

        // =============================================================================================
        // Storage, preallocated once
        // =============================================================================================
        _observations = zeros(_envs, _agents, _obsSize);                                   // [E, N, O]
        _states = zeros(_envs, _centralCritic ? _stateSize : 1);                           // [E, S]
        _actions = zeros(_envs, _agents, dtype: ScalarType.Int32);                         // [E, N]
        bool stores = algorithm.UsesPpo();
        _obsStore = stores ? zeros(_steps, _envs, _agents, _obsSize) : zeros(1, 1, 1, 1);  // [T, E, N, O]
        _stateStore = stores && _centralCritic ? zeros(_steps, _envs, _stateSize) : zeros(1, 1, 1); // [T, E, S]
        _actionStore = zeros(_steps, _envs, _agents, dtype: ScalarType.Int64);             // [T, E, N]
        _logprobStore = zeros(_steps, _envs, _agents);                                     // [T, E, N]
        int rows = _steps * _envs * _agents;
        _rewards = new float[rows];
        _dones = new byte[rows];
        _alive = new byte[rows];
        _values = new float[rows];
        _advantages = new float[rows];
        _returns = new float[rows];
        _nextValues = new float[_envs * _agents];
        _paths = new int[_envs * _agents * _pathCapacity];
        _pathLength = new int[_envs * _agents];

        _env.Reset((ulong)seed, ObservationSpan);
        _startTimestamp = Stopwatch.GetTimestamp();
        _startGlobalStep = 0;
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
    internal AgentNetworks Networks => _networks;

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
        bool learns = Algorithm.Learns(), ppo = Algorithm.UsesPpo();

        // Learning-rate annealing, as CleanRL: lr * (1 - (iteration - 1) / iterations).
        double lr = _hp.AnnealLearningRate ? _hp.LearningRate * Math.Max(0, 1.0 - (Iteration - 1.0) / _hp.Iterations) : _hp.LearningRate;

        // =============================================================================================
        // Rollout: T steps of all E x N agents; one forward per step for every agent's own network
        // =============================================================================================
        var episodes = new EpisodeTally(_agents);
        torch.set_num_threads(_hp.RolloutThreads);
        for (int t = 0; t < _steps; t++)
        {
            if (_centralCritic) WriteStates();
            long forward = Stopwatch.GetTimestamp();
            if (_replay is not null)
            {
                _replay.Choose(_env.Status, _env.Positions, ActionSpan);
            }
            else
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                Tensor observations = _observations.transpose(0, 1);                          // [N, E, O] view
                Tensor logits = learns
                    ? _networks.Logits(observations)                                         // [N, E, A]
                    : _networks.Mask(zeros(_agents, _envs, Directions.ActionCount), observations);
                Tensor action = Sample(logits, greedy: false, _generator);                   // [N, E] int64
                _actions.copy_(action.t());                                                  // [E, N] int32
                if (ppo)
                {
                    // Values are not computed here: one batched pass after the rollout gives the same numbers.
                    Tensor logprob = logits.log_softmax(-1).gather(-1, action.unsqueeze(-1)).squeeze(-1); // [N, E]
                    _obsStore[t].copy_(_observations);
                    if (_centralCritic) _stateStore[t].copy_(_states);
                    _actionStore[t].copy_(action.t());
                    _logprobStore[t].copy_(logprob.t());
                }
            }
            long stepped = Stopwatch.GetTimestamp();
            Timings.RolloutForward += Seconds(forward, stepped);

            _env.Step(ActionSpan, ObservationSpan);
            _replay?.Observe(_env.Positions, _env.Terminated, _env.EpisodeDone);
            RecordStep(t, episodes);
            Timings.Environment += Seconds(stepped, Stopwatch.GetTimestamp());
        }
        GlobalStep += _hp.GlobalStepsPerIteration;
        torch.set_num_threads(_hp.Threads);

        // LEED's weights: from this rollout's evidence, used in this iteration's update.
        if (WeightSchedule is not null)
        {
            double progress = (Iteration - 1.0) / Math.Max(1, _hp.Iterations - 1);
            WeightSchedule.Update(Math.Clamp(progress, 0, 1), episodes.Evidence(_demos), _weights);
            for (int i = 0; i < _agents; i++) if (!_demos!.Usable[i]) _weights[i] = 0f;
        }

        Tensor bObs = _obsStore, bStates = _stateStore, bActions = _actionStore, bLogprobs = _logprobStore;
        Tensor bValues = _logprobStore, bAdvantages = _logprobStore, bReturns = _logprobStore, bAlive = _logprobStore;
        int batch = _hp.BatchSize;
        if (ppo)
        {
            // =========================================================================================
            // GAE, per agent: dead steps (after arrival) carry nothing; an arrival ends the agent's trajectory.
            // The rollout's values come from one batched critic pass over all stored inputs: the
            // parameters did not change during the rollout, so they equal CleanRL's step-by-step values.
            // =========================================================================================
            long valuesStart = Stopwatch.GetTimestamp();
            bObs = _obsStore.permute(2, 0, 1, 3).reshape(_agents, batch, _obsSize);                  // [N, B, O]
            bStates = _centralCritic ? _stateStore.reshape(1, batch, _stateSize) : _stateStore;       // [1, B, S]
            using (no_grad())
            {
                Tensor criticInputs = _centralCritic ? bStates.expand(_agents, batch, _stateSize) : bObs;   // [N, B, C]
                bValues = _networks.Values(criticInputs);                                                 // [N, B]
                bValues.reshape(_agents, _steps, _envs).permute(1, 2, 0).contiguous().data<float>().CopyTo(_values); // [T, E, N]
                if (_centralCritic) WriteStates();
                using var scope = NewDisposeScope();
                Tensor observations = _observations.transpose(0, 1);                                      // [N, E, O]
                Tensor nextValue = _networks.Values(CriticInput(observations, _states)).t().contiguous(); // [E, N]
                nextValue.data<float>().CopyTo(_nextValues);
            }
            Timings.RolloutForward += Seconds(valuesStart, Stopwatch.GetTimestamp());
            Gae.Compute(_rewards, _values, _dones, _alive, _nextValues, (float)_hp.Gamma, (float)_hp.GaeLambda, _advantages, _returns);

            // =========================================================================================
            // Flatten per agent, keeping the agent axis: [T, E, N, ...] -> [N, T*E, ...] (observations and states above)
            // =========================================================================================
            bActions = _actionStore.permute(2, 0, 1).reshape(_agents, batch);                         // [N, B]
            bLogprobs = _logprobStore.permute(2, 0, 1).reshape(_agents, batch);                       // [N, B]
            bAlive = PerAgent(Array.ConvertAll(_alive, alive => (float)alive));                       // [N, B]

            bAdvantages = PerAgent(_advantages);                                                      // [N, B]
            bReturns = PerAgent(_returns);                                                            // [N, B]
        }

        if (learns)
        {
            Tensor expertWeights = Algorithm == Algorithm.Bc ? _demos!.UsableMask : tensor(_weights);  // [N]

            // =========================================================================================
            // Update: epochs x shuffled minibatches; every agent's rows go through its own network
            // =========================================================================================
            var last = new float[6]; // policy, value, entropy, approx_kl, clipfrac, expert (last minibatch)
            double clipFractionSum = 0;
            int minibatchCount = 0;
            for (int epoch = 0; epoch < _hp.UpdateEpochs; epoch++)
            {
                using var epochScope = NewDisposeScope();
                Tensor order = randperm(batch, generator: _generator);                                         // [B]
                for (int start = 0; start < batch; start += _hp.MinibatchSize)
                {
                    using var scope = NewDisposeScope();
                    long t0 = Stopwatch.GetTimestamp();
                    Tensor index = order.narrow(0, start, _hp.MinibatchSize);                                  // [mb]
                    Tensor perAgentLoss = zeros(_agents);                                                     // [N]
                    if (ppo)
                    {
                        Tensor mbObs = bObs.index_select(1, index);                                           // [N, mb, O]
                        Tensor mbAlive = bAlive.index_select(1, index);                                       // [N, mb]
                        Tensor liveRows = mbAlive.sum(1).clamp_min(One);                                      // [N]
                        Tensor mbActions = bActions.index_select(1, index);                                   // [N, mb]
                        Tensor mbOldLogprobs = bLogprobs.index_select(1, index);                              // [N, mb]
                        Tensor mbAdvantages = bAdvantages.index_select(1, index);                             // [N, mb]
                        Tensor mbReturns = bReturns.index_select(1, index);                                   // [N, mb]
                        Tensor mbOldValues = bValues.index_select(1, index);                                  // [N, mb]
                        Tensor criticInput = _centralCritic
                            ? bStates.index_select(1, index).expand(_agents, _hp.MinibatchSize, _stateSize)  // [N, mb, S]
                            : mbObs;

                        Tensor logProbs = _networks.Logits(mbObs).log_softmax(-1);                           // [N, mb, A]
                        Tensor newLogprob = logProbs.gather(-1, mbActions.unsqueeze(-1)).squeeze(-1);         // [N, mb]
                        Tensor entropy = logProbs.exp().mul(logProbs).sum(-1).neg();                          // [N, mb]
                        Tensor newValue = _networks.Values(criticInput);                                      // [N, mb]
                        Tensor logRatio = newLogprob.sub(mbOldLogprobs);
                        Tensor ratio = logRatio.exp();                                                        // [N, mb]

                        Tensor approxKl, clipFraction;
                        using (no_grad())
                        {
                            Tensor live = mbAlive.sum().clamp_min(One);
                            approxKl = ratio.sub(One).sub(logRatio).mul(mbAlive).sum().div(live);
                            clipFraction = ratio.sub(One).abs().gt(_clip).to(ScalarType.Float32).mul(mbAlive).sum().div(live);
                        }

                        if (_hp.NormalizeAdvantages)
                        {
                            Tensor mean = MaskedMean(mbAdvantages, mbAlive, liveRows).unsqueeze(1);                   // [N, 1]
                            Tensor centred = mbAdvantages.sub(mean);
                            Tensor variance = centred.mul(centred).mul(mbAlive).sum(1).div(liveRows.sub(One).clamp_min(One)); // [N]
                            mbAdvantages = centred.div(variance.sqrt().unsqueeze(1).add(TinyAdvantageScale, One));
                        }

                        // Clipped surrogate, per agent over its live rows.
                        Tensor surrogate = torch.maximum(mbAdvantages.neg().mul(ratio),
                            mbAdvantages.neg().mul(ratio.clamp(_ratioLow, _ratioHigh)));
                        Tensor policyLoss = MaskedMean(surrogate, mbAlive, liveRows);                        // [N]

                        Tensor error = newValue.sub(mbReturns), squaredError = error.mul(error);
                        if (_hp.ClipValueLoss)
                        {
                            Tensor clippedError = mbOldValues.add(newValue.sub(mbOldValues).clamp(_negativeClip, _clip), One).sub(mbReturns);
                            squaredError = torch.maximum(squaredError, clippedError.mul(clippedError));
                        }
                        Tensor valueLoss = MaskedMean(squaredError, mbAlive, liveRows).mul(HeldScalars.Half);          // [N]
                        Tensor entropyLoss = MaskedMean(entropy, mbAlive, liveRows);                         // [N]

                        // L_clip,i - c_H * H_i + c_V * L_V,i
                        perAgentLoss = policyLoss.sub(entropyLoss.mul(_entropyCoefficient)).add(valueLoss.mul(_valueCoefficient), One);
                        stack([policyLoss.mean(), valueLoss.mean(), entropyLoss.mean(), approxKl, clipFraction]).data<float>().CopyTo(last);
                    }

                    // LEED / BC: w_i * L_E,i, L_E,i = -mean log pi_i(a_e | o_e) over agent i's own demonstration steps.
                    if (Algorithm is Algorithm.Leed or Algorithm.Bc)
                    {
                        Tensor expertLoss = ExpertLoss();                                                   // [N]
                        perAgentLoss = perAgentLoss.add(expertWeights.mul(expertLoss), One);
                        last[5] = expertLoss.mul(_demos!.UsableMask).sum().div(_usableAgents).item<float>();
                    }
                    Tensor loss = perAgentLoss.sum();
                    long t1 = Stopwatch.GetTimestamp();

                    _optimizer.ZeroGrad();
                    loss.backward();
                    long t2 = Stopwatch.GetTimestamp();
                    ClipGradientsPerAgent();
                    _optimizer.Step(lr);
                    long t3 = Stopwatch.GetTimestamp();

                    clipFractionSum += last[4];
                    minibatchCount++;
                    Timings.UpdateForward += Seconds(t0, t1);
                    Timings.Backward += Seconds(t1, t2);
                    Timings.Optimizer += Seconds(t2, t3);
                }
                if (ppo && _hp.TargetKl is { } targetKl && last[3] > targetKl) break;
            }

            if (ppo)
            {
                metrics[MetricNames.PolicyLoss] = last[0];
                metrics[MetricNames.ValueLoss] = last[1];
                metrics[MetricNames.Entropy] = last[2];
                metrics[MetricNames.ApproxKl] = last[3];
                metrics[MetricNames.ClipFraction] = clipFractionSum / minibatchCount;
                metrics[MetricNames.ExplainedVariance] = ExplainedVariance();
            }
            if (Algorithm is Algorithm.Leed or Algorithm.Bc) metrics[MetricNames.ExpertLoss] = last[5];
            if (_demos is not null) metrics[MetricNames.DemoAgreement] = DemoAgreement();
        }

        // =============================================================================================
        // Metrics
        // =============================================================================================
        metrics[MetricNames.LearningRate] = learns ? lr : 0;
        metrics[MetricNames.StepsPerSecond] = Math.Round((GlobalStep - _startGlobalStep) / Seconds(_startTimestamp, Stopwatch.GetTimestamp()));
        episodes.Report(metrics, _demos);
        if (WeightSchedule is not null)
            for (int i = 0; i < _agents; i++) metrics[MetricNames.AgentWeight(i)] = _weights[i];
        Timings.Other += Seconds(clock, Stopwatch.GetTimestamp()) - (Timings.Total - Timings.Other - measuredBefore);
        return new IterationMetrics(Iteration, GlobalStep, metrics);
    }

    // =================================================================================================
    // The pieces the iteration uses
    // =================================================================================================

    /// <summary>One action per row from masked logits <c>[N, B, A]</c>: argmax, or one multinomial draw (masked actions have probability exactly 0).</summary>
    internal static Tensor Sample(Tensor logits, bool greedy, Generator generator)
    {
        if (greedy) return logits.argmax(-1);                                                    // [N, B]
        long agents = logits.shape[0], rows = logits.shape[1];
        Tensor probabilities = logits.softmax(-1).reshape(agents * rows, -1);                    // [N*B, A]
        return multinomial(probabilities, 1, true, generator).reshape(agents, rows);             // [N, B]
    }

    private Tensor CriticInput(Tensor observations, Tensor states) =>
        _centralCritic ? states.unsqueeze(0).expand(_agents, states.shape[0], _stateSize) : observations; // [N, E, C]

    private void WriteStates()
    {
        long start = Stopwatch.GetTimestamp();
        Span<float> states = StateSpan;
        for (int e = 0; e < _envs; e++) _env.WriteState(e, states.Slice(e * _stateSize, _stateSize));
        Timings.Environment += Seconds(start, Stopwatch.GetTimestamp());
    }

    /// <summary>Stores the step's rewards, dones and alive flags, extends the agents' paths and tallies finished episodes.</summary>
    private void RecordStep(int t, EpisodeTally episodes)
    {
        int slots = _envs * _agents, offset = t * slots;
        ReadOnlySpan<float> rewards = _env.Rewards;
        ReadOnlySpan<byte> terminated = _env.Terminated, truncated = _env.Truncated, alive = _env.AliveBeforeStep;
        float scale = (float)_hp.RewardScale;
        for (int slot = 0; slot < slots; slot++)
        {
            _rewards[offset + slot] = rewards[slot] * scale;
            _dones[offset + slot] = (byte)(terminated[slot] | truncated[slot]);
            _alive[offset + slot] = alive[slot];
            if (terminated[slot] != 0) AppendToPath(slot, Scenario.Agents[slot % _agents].Destination);
        }
        ReadOnlySpan<AgentStatus> status = _env.Status;
        ReadOnlySpan<int> positions = _env.Positions;
        for (int e = 0; e < _envs; e++)
        {
            if (_env.EpisodeDone[e] != 0)
            {
                episodes.Add(_env.LastEpisode(e), _env.LastEpisodeReturns.Slice(e * _agents, _agents), e, this);
                _pathLength.AsSpan(e * _agents, _agents).Clear();
                continue;
            }
            for (int slot = e * _agents; slot < (e + 1) * _agents; slot++)
                if (status[slot] == AgentStatus.Driving) AppendToPath(slot, positions[slot]);
        }
    }

    private void AppendToPath(int slot, int cell)
    {
        int length = _pathLength[slot];
        if (length < _pathCapacity)
        {
            _paths[slot * _pathCapacity + length] = cell;
            _pathLength[slot] = length + 1;
        }
    }

    private ReadOnlySpan<int> PathOf(int env, int agent)
    {
        int slot = env * _agents + agent;
        return _paths.AsSpan(slot * _pathCapacity, _pathLength[slot]);
    }

    /// <summary><c>[T, E, N]</c> C# array to an <c>[N, T*E]</c> tensor.</summary>
    private Tensor PerAgent(float[] values) =>
        tensor(values, [_steps, _envs, _agents]).permute(2, 0, 1).reshape(_agents, _hp.BatchSize);

    private static Tensor MaskedMean(Tensor values, Tensor mask, Tensor count) => values.mul(mask).sum(1).div(count); // [N, B] -> [N]

    /// <summary><c>[N]</c>: each agent's <c>-mean log pi_i(a_e | o_e)</c> over a batch sampled from its own usable demonstration steps.</summary>
    private Tensor ExpertLoss()
    {
        PreparedDemonstrations demos = _demos!;
        int rows = _hp.ExpertBatchSize;
        Tensor index = rand(_agents, rows, generator: _generator).mul(demos.SamplingCounts).floor().to(ScalarType.Int64); // [N, Be]
        Tensor observations = demos.Observations.gather(1, index.unsqueeze(-1).expand(_agents, rows, _obsSize));      // [N, Be, O]
        Tensor actions = demos.Actions.gather(1, index);                                                               // [N, Be]
        Tensor logProbs = _networks.Logits(observations).log_softmax(-1);                                              // [N, Be, A]
        return logProbs.gather(-1, actions.unsqueeze(-1)).squeeze(-1).mean([1]).neg();                                 // [N]
    }

    /// <summary>
    /// Clips each agent's gradient to <see cref="Hyperparameters.MaxGradNorm"/> over all of that
    /// agent's parameters (CleanRL's global-norm clip, taken per agent so agents stay independent).
    /// </summary>
    private void ClipGradientsPerAgent()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var gradients = new List<Tensor>();
        foreach (Parameter parameter in _networks.parameters())
            if (parameter.grad is { } gradient) gradients.Add(gradient);
        if (gradients.Count == 0) return;
        Tensor squared = stack(gradients.Select(gradient => gradient.mul(gradient).sum([1, 2]))).sum(0);           // [M]
        Tensor coefficient = squared.sqrt().add_(TinyNorm, One).reciprocal_().mul_(_maxGradNorm).clamp_max_(One).view(-1, 1, 1); // [M, 1, 1]
        foreach (Tensor gradient in gradients) gradient.mul_(coefficient);
    }

    private double ExplainedVariance()
    {
        double sum = 0, sumSquares = 0, residualSum = 0, residualSquares = 0;
        long count = 0;
        for (int k = 0; k < _alive.Length; k++)
        {
            if (_alive[k] == 0) continue;
            double target = _returns[k], residual = target - _values[k];
            sum += target; sumSquares += target * target;
            residualSum += residual; residualSquares += residual * residual;
            count++;
        }
        if (count < 2) return double.NaN;
        double variance = sumSquares / count - Math.Pow(sum / count, 2);
        double residualVariance = residualSquares / count - Math.Pow(residualSum / count, 2);
        return variance <= 0 ? double.NaN : 1 - residualVariance / variance;
    }

    /// <summary>Share of usable demonstration steps where the policy's argmax is the demonstrated action.</summary>
    private double DemoAgreement()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        PreparedDemonstrations demos = _demos!;
        Tensor agree = _networks.Logits(demos.Observations).argmax(-1).eq(demos.Actions).to(ScalarType.Float32); // [N, K]
        return agree.mul(demos.StepMask).sum().div(demos.StepMask.sum().clamp_min(One)).item<float>();
    }

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    private void ResetWeights()
    {
        float initial = WeightSchedule?.Initial ?? 0f;
        for (int i = 0; i < _agents; i++) _weights[i] = _demos is not null && _demos.Usable[i] ? initial : 0f;
    }

    /// <summary>What the finished episodes of one rollout showed.</summary>
    private sealed class EpisodeTally(int agents)
    {
        private int _episodes, _arrived, _agentsSeen;
        private double _teamReturn, _congestion, _travelTime;
        private readonly double[] _agentReturn = new double[agents];
        private readonly double[] _dtw = new double[agents], _evidenceReturn = new double[agents];
        private readonly int[] _evidenceCount = new int[agents];

        public void Add(EpisodeSummary summary, ReadOnlySpan<float> returns, int env, Trainer trainer)
        {
            _episodes++;
            _teamReturn += summary.TeamReturn;
            _arrived += summary.Arrived;
            _agentsSeen += summary.Agents;
            _congestion += summary.Congestion;
            if (summary.Arrived > 0) _travelTime += summary.MeanTravelTime * summary.Arrived;
            for (int i = 0; i < agents; i++) _agentReturn[i] += returns[i];
            PreparedDemonstrations? demos = trainer._demos;
            if (demos is null) return;
            int width = trainer.Scenario.Map.Width;
            for (int i = 0; i < agents; i++)
            {
                if (!demos.Usable[i] || _evidenceCount[i] >= trainer._hp.DtwEpisodes) continue;
                double dtw = DynamicTimeWarping.Normalised(trainer.PathOf(env, i), demos.Paths[i], width);
                if (double.IsInfinity(dtw)) continue; // the agent never entered the grid: no path to compare
                _dtw[i] += dtw;
                _evidenceReturn[i] += returns[i];
                _evidenceCount[i]++;
            }
        }

        public AgentEvidence?[] Evidence(PreparedDemonstrations? demos)
        {
            var evidence = new AgentEvidence?[agents];
            if (demos is null) return evidence;
            for (int i = 0; i < agents; i++)
                if (_evidenceCount[i] > 0)
                    evidence[i] = new AgentEvidence(_dtw[i] / _evidenceCount[i], _evidenceReturn[i] / _evidenceCount[i], demos.Returns[i]);
            return evidence;
        }

        public void Report(Dictionary<string, double> metrics, PreparedDemonstrations? demos)
        {
            metrics[MetricNames.Episodes] = _episodes;
            if (_episodes == 0) return;
            metrics[MetricNames.EpisodicReturn] = _teamReturn / _episodes;
            metrics[MetricNames.ArrivalRate] = (double)_arrived / _agentsSeen;
            metrics[MetricNames.Congestion] = _congestion / _episodes;
            if (_arrived > 0) metrics[MetricNames.MeanTravelTime] = _travelTime / _arrived;
            for (int i = 0; i < agents; i++) metrics[MetricNames.AgentReturn(i)] = _agentReturn[i] / _episodes;
            if (demos is null) return;
            double dtwSum = 0;
            int counted = 0;
            for (int i = 0; i < agents; i++)
            {
                if (_evidenceCount[i] == 0) continue;
                dtwSum += _dtw[i] / _evidenceCount[i];
                counted++;
            }
            if (counted > 0) metrics[MetricNames.DemoDtw] = dtwSum / counted;
        }
    }

    // =================================================================================================
    // Acting outside training: greedy or sampled actions, and one recorded episode for the live map
    // =================================================================================================

    /// <summary>
    /// Actions for observations <c>[E', N, O]</c> (flattened) from the current policy: argmax, or sampled
    /// with a generator seeded by <paramref name="sampleSeed"/>. Reference policies are not networks:
    /// use <see cref="RecordEpisode"/> for them.
    /// </summary>
    public int[] Act(ReadOnlySpan<float> observations, bool greedy, long sampleSeed = 0)
    {
        int rows = observations.Length / (_agents * _obsSize);
        if (rows * _agents * _obsSize != observations.Length)
            throw new ArgumentException($"Observations must be [E, {_agents}, {_obsSize}] floats, got {observations.Length}.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)sampleSeed);
        Tensor input = tensor(observations.ToArray(), [rows, _agents, _obsSize]).transpose(0, 1);   // [N, E', O]
        Tensor action = Sample(_networks.Logits(input), greedy, generator).t().contiguous();        // [E', N]
        return [.. action.data<long>().Select(value => (int)value)];
    }

    /// <summary>
    /// Plays one episode in a fresh environment (its own seed and generator, so training's random
    /// streams are untouched) and records every agent's cell and status per step.
    /// </summary>
    public EpisodeTrace RecordEpisode(bool greedy, ulong? seed = null)
    {
        ulong episodeSeed = seed ?? (ulong)Seed * 7919UL + (ulong)Iteration;
        var env = new VectorCityEnv(Scenario, 1, _env.Config, autoReset: false);
        var observations = new float[_agents * _obsSize];
        var actions = new int[_agents];
        env.Reset(episodeSeed, observations);
        var replay = _demos is not null && Algorithm == Algorithm.Demo ? new DemoReplay(_demos.DrivingActions, 1) : null;
        using var generator = new Generator(episodeSeed);
        var positions = new List<int[]> { env.Positions.ToArray() };
        var statuses = new List<AgentStatus[]> { env.Status.ToArray() };
        while (env.EpisodeDone[0] == 0)
        {
            if (replay is not null)
            {
                replay.Choose(env.Status, env.Positions, actions);
            }
            else
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                Tensor input = tensor(observations, [1, _agents, _obsSize]).transpose(0, 1);          // [N, 1, O]
                Tensor logits = Algorithm.Learns() ? _networks.Logits(input) : _networks.Mask(zeros(_agents, 1, Directions.ActionCount), input);
                Tensor action = Sample(logits, greedy, generator).reshape(_agents);                   // [N]
                long[] chosen = action.data<long>().ToArray();
                for (int i = 0; i < _agents; i++) actions[i] = (int)chosen[i];
            }
            env.Step(actions, observations);
            replay?.Observe(env.Positions, env.Terminated, env.EpisodeDone);
            positions.Add(env.Positions.ToArray());
            statuses.Add(env.Status.ToArray());
        }
        return new EpisodeTrace(Scenario.Map.Name, Scenario.Map.Width, Scenario.Map.Height, _agents, Iteration, greedy,
            positions, statuses, env.LastEpisode(0));
    }

    // =================================================================================================
    // Checkpoints: networks, optimiser, iteration, generator state and expert weights, to any stream
    // =================================================================================================

    /// <summary>What a checkpoint says about the run it came from.</summary>
    public sealed record CheckpointHeader(string Algorithm, Hyperparameters Hyperparameters, int Seed, string? WeightSchedule,
        int Agents, int ObservationSize, int StateSize, string EnvVersion, string Scenario, string? Demonstrations);

    public void SaveCheckpoint(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(CheckpointMagic);
        writer.Write(CheckpointFormat);
        var header = new CheckpointHeader(Algorithm.Name(), _hp, Seed, WeightSchedule?.Spec, _agents, _obsSize, _stateSize,
            EnvConfig.EnvVersion, Scenario.Description, Demonstrations?.Provenance);
        writer.Write(JsonSerializer.Serialize(header));
        writer.Write(Iteration);
        writer.Write(GlobalStep);
        _networks.save(writer);
        _optimizer.Save(writer);
        using (Tensor state = _generator.get_state())
        {
            byte[] bytes = state.data<byte>().ToArray();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
        writer.Write(_weights.Length);
        foreach (float weight in _weights) writer.Write(weight);
        writer.Flush();
    }

    /// <summary>Reads only the header of a checkpoint (the stream is left after it).</summary>
    public static CheckpointHeader ReadCheckpointHeader(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        return ReadHeader(reader);
    }

    private static CheckpointHeader ReadHeader(BinaryReader reader)
    {
        string magic;
        try { magic = reader.ReadString(); }
        catch (EndOfStreamException) { throw new InvalidDataException("This is not a LEED Studio checkpoint (it is empty or cut short)."); }
        if (magic != CheckpointMagic) throw new InvalidDataException("This is not a LEED Studio checkpoint.");
        int format = reader.ReadInt32();
        if (format != CheckpointFormat) throw new InvalidDataException($"Checkpoint format {format} is not supported (this build reads format {CheckpointFormat}).");
        return JsonSerializer.Deserialize<CheckpointHeader>(reader.ReadString())
            ?? throw new InvalidDataException("The checkpoint's header is empty.");
    }

    /// <summary>
    /// Rebuilds a trainer from a checkpoint. The environments restart from fresh episodes seeded by
    /// (seed, iteration): a resumed run continues the same policy, optimiser and random streams, but
    /// its episodes are not those an uninterrupted run would have seen (the environment's
    /// mid-episode state is not part of the checkpoint).
    /// </summary>
    public static Trainer LoadCheckpoint(Stream stream, Scenario scenario, ExpertDataset? demonstrations, EnvConfig? environment = null)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        CheckpointHeader header = ReadHeader(reader);
        if (header.Agents != scenario.AgentCount)
            throw new InvalidDataException($"The checkpoint has {header.Agents} agents; the scenario has {scenario.AgentCount}.");
        if (header.EnvVersion != EnvConfig.EnvVersion)
            throw new InvalidDataException($"The checkpoint was trained on environment {header.EnvVersion}; this build runs {EnvConfig.EnvVersion}.");
        var trainer = new Trainer(scenario, demonstrations, AlgorithmNames.Parse(header.Algorithm),
            header.WeightSchedule is null ? null : WeightSchedules.Parse(header.WeightSchedule), header.Hyperparameters, header.Seed, environment);
        if (trainer._obsSize != header.ObservationSize)
            throw new InvalidDataException($"The checkpoint expects observations of {header.ObservationSize} floats; this environment writes {trainer._obsSize}.");
        trainer.Iteration = reader.ReadInt32();
        trainer.GlobalStep = trainer._startGlobalStep = reader.ReadInt64();
        trainer._networks.load(reader);
        trainer._optimizer.Load(reader);
        byte[] state = reader.ReadBytes(reader.ReadInt32());
        using (Tensor stateTensor = tensor(state, ScalarType.Byte)) trainer._generator.set_state(stateTensor);
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++) trainer._weights[i] = reader.ReadSingle();
        trainer.RestartEpisodes();
        return trainer;
    }

    private void RestartEpisodes()
    {
        _env.Reset((ulong)Seed ^ ((ulong)Iteration * 0x9E3779B97F4A7C15UL), ObservationSpan);
        Array.Clear(_pathLength);
        _replay?.Reset();
    }

    public void Dispose()
    {
        _networks.Dispose();
        _optimizer.Dispose();
        foreach (Scalar scalar in new[] { _clip, _negativeClip, _ratioLow, _ratioHigh, _entropyCoefficient, _valueCoefficient, _maxGradNorm, _usableAgents })
            scalar.Dispose();
        _generator.Dispose();
        _demos?.Dispose();
        foreach (Tensor buffer in new[] { _observations, _states, _actions, _obsStore, _stateStore, _actionStore, _logprobStore })
            buffer.Dispose();
    }
}
