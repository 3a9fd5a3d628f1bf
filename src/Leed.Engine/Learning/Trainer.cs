// PPO for many agents (IPPO, MAPPO, LEED, BC and two reference policies) in CleanRL's order: read it top to bottom.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Leed.Engine.Env;
using Leed.Engine.Maps;
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
    private readonly Scalar _clip, _negativeClip, _ratioLow, _ratioHigh, _entropyCoefficient, _valueCoefficient, _maxGradNorm, _usableAgents;
    private readonly Generator _generator;
    private readonly PreparedDemonstrations? _demos;
    private readonly DemoReplay? _replay;      // the Replay policy's cursors

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
        _optimizer = new EnsembleAdam(_networks.parameters(), epsilon: 1e-5);
        (_clip, _negativeClip) = (_hp.ClipCoefficient, -_hp.ClipCoefficient);
        (_ratioLow, _ratioHigh) = (1 - _hp.ClipCoefficient, 1 + _hp.ClipCoefficient);
        (_entropyCoefficient, _valueCoefficient, _maxGradNorm) = (_hp.EntropyCoefficient, _hp.ValueCoefficient, _hp.MaxGradNorm);

        if (demonstrations is not null)
        {
            _demos = PreparedDemonstrations.From(demonstrations, scenario, _env.Layout);
            if (_algorithm.NeedsDemonstrations && _demos.UsableAgents == 0)
                throw new ArgumentException($"{_algorithm.Name} needs demonstrations, but no agent has a valid one ({demonstrations.Provenance}).");
            if (_algorithm.Policy == PolicyKind.Replay) _replay = new DemoReplay(_demos.DrivingActions, _envs);
        }
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
        torch.set_num_threads(_hp.RolloutThreads);
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
                using var noGrad = no_grad();
                Tensor observations = _observations.transpose(0, 1);                          // [N, E, O] view
                Tensor logits = PolicyLogits(observations);                                  // [N, E, A]
                Tensor action = Sample(logits, greedy: false, _generator);                   // [N, E] int64
                _actions.copy_(action.t());                                                  // [E, N] int32
                if (_rollout is { } rollout)
                {
                    // Values are not computed here: one batched pass after the rollout gives the same numbers.
                    Tensor logprob = logits.log_softmax(-1).gather(-1, action.unsqueeze(-1)).squeeze(-1); // [N, E]
                    rollout.Observations[t].copy_(_observations);
                    rollout.States?[t].copy_(_states);
                    rollout.Actions[t].copy_(action.t());
                    rollout.Logprobs[t].copy_(logprob.t());
                }
            }
            long stepped = Stopwatch.GetTimestamp();
            Timings.RolloutForward += Seconds(forward, stepped);

            _env.Step(ActionSpan, ObservationSpan);
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
            Tensor observations = stored.ObservationsPerAgent();                                     // [N, B, O]
            Tensor? states = stored.StatesFlat();                                                    // [1, B, S]
            Tensor values;
            using (no_grad())
            {
                values = _networks.Values(CriticInput(observations, states));                        // [N, B]
                values.reshape(_agents, _steps, _envs).permute(1, 2, 0).contiguous().data<float>().CopyTo(stored.Values); // [T, E, N]
                if (_algorithm.CentralizedCritic) WriteStates();
                using var scope = NewDisposeScope();
                Tensor next = CriticInput(_observations.transpose(0, 1), states is null ? null : _states.unsqueeze(0)); // [N, E, C]
                _networks.Values(next).t().contiguous().data<float>().CopyTo(stored.NextValues);    // [E, N]
            }
            Timings.RolloutForward += Seconds(valuesStart, Stopwatch.GetTimestamp());
            Gae.Compute(stored.Rewards, stored.Values, stored.Dones, stored.Alive, stored.NextValues, (float)_hp.Gamma, (float)_hp.GaeLambda,
                stored.Advantages, stored.Returns);

            // Flatten per agent, keeping the agent axis: [T, E, N, ...] -> [N, T*E, ...].
            batch = stored.Flatten(observations, states, values);
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
            // Update: epochs x shuffled minibatches; every agent's rows go through its own network
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
                    Tensor? perAgentLoss = null;                                                              // [N]
                    if (batch is not null)
                    {
                        RolloutBatch mb = batch.Rows(index);
                        Tensor liveRows = mb.Alive.sum(1).clamp_min(One);                                     // [N]
                        Tensor logProbs = _networks.Logits(mb.Observations).log_softmax(-1);                 // [N, mb, A]
                        Tensor newLogprob = logProbs.gather(-1, mb.Actions.unsqueeze(-1)).squeeze(-1);        // [N, mb]
                        Tensor entropy = logProbs.exp().mul(logProbs).sum(-1).neg();                          // [N, mb]
                        Tensor newValue = _networks.Values(CriticInput(mb.Observations, mb.States));          // [N, mb]
                        Tensor logRatio = newLogprob.sub(mb.Logprobs);
                        Tensor ratio = logRatio.exp();                                                        // [N, mb]

                        Tensor approxKl, clipFraction;
                        using (no_grad())
                        {
                            Tensor live = mb.Alive.sum().clamp_min(One);
                            approxKl = ratio.sub(One).sub(logRatio).mul(mb.Alive).sum().div(live);
                            clipFraction = ratio.sub(One).abs().gt(_clip).to(ScalarType.Float32).mul(mb.Alive).sum().div(live);
                        }

                        Tensor advantages = mb.Advantages;                                                    // [N, mb]
                        if (_hp.NormalizeAdvantages)
                        {
                            Tensor mean = MaskedMean(advantages, mb.Alive, liveRows).unsqueeze(1);                    // [N, 1]
                            Tensor centred = advantages.sub(mean);
                            Tensor variance = centred.mul(centred).mul(mb.Alive).sum(1).div(liveRows.sub(One).clamp_min(One)); // [N]
                            advantages = centred.div(variance.sqrt().unsqueeze(1).add(TinyAdvantageScale, One));
                        }

                        // Clipped surrogate, per agent over its live rows.
                        Tensor surrogate = torch.maximum(advantages.neg().mul(ratio), advantages.neg().mul(ratio.clamp(_ratioLow, _ratioHigh)));
                        Tensor policyLoss = MaskedMean(surrogate, mb.Alive, liveRows);                       // [N]

                        Tensor error = newValue.sub(mb.Returns), squaredError = error.mul(error);
                        if (_hp.ClipValueLoss)
                        {
                            Tensor clippedError = mb.Values.add(newValue.sub(mb.Values).clamp(_negativeClip, _clip), One).sub(mb.Returns);
                            squaredError = torch.maximum(squaredError, clippedError.mul(clippedError));
                        }
                        Tensor valueLoss = MaskedMean(squaredError, mb.Alive, liveRows).mul(HeldScalars.Half);           // [N]
                        Tensor entropyLoss = MaskedMean(entropy, mb.Alive, liveRows);                        // [N]

                        // L_clip,i - c_H * H_i + c_V * L_V,i
                        perAgentLoss = policyLoss.sub(entropyLoss.mul(_entropyCoefficient)).add(valueLoss.mul(_valueCoefficient), One);
                        float[] terms = stack([policyLoss.mean(), valueLoss.mean(), entropyLoss.mean(), approxKl, clipFraction]).data<float>().ToArray();
                        ppo = new PpoTerms(terms[0], terms[1], terms[2], terms[3], terms[4]);
                        clipFractionSum += ppo.ClipFraction;
                    }

                    // LEED / BC: + w_i * L_E,i, L_E,i = -mean log pi_i(a_e | o_e) over agent i's own demonstration steps.
                    if (expertWeights is not null)
                    {
                        Tensor agentExpertLoss = ExpertBatches.Loss(_networks, _demos!,
                            ExpertBatches.Indices(_demos!, _hp.ExpertBatchSize, _generator, passingDemoSteps));        // [N]
                        Tensor weighted = expertWeights.mul(agentExpertLoss);
                        perAgentLoss = perAgentLoss is null ? weighted : perAgentLoss.add(weighted, One);
                        expertLoss = agentExpertLoss.mul(_demos!.UsableMask).sum().div(_usableAgents).item<float>();
                    }
                    Tensor loss = (perAgentLoss ?? throw new InvalidOperationException($"{_algorithm.Name} learns but has neither a PPO nor an expert loss.")).sum();
                    long t1 = Stopwatch.GetTimestamp();

                    _optimizer.ZeroGrad();
                    loss.backward();
                    long t2 = Stopwatch.GetTimestamp();
                    _optimizer.ClipGradientNormPerMember(_maxGradNorm);
                    _optimizer.Step(lr);
                    long t3 = Stopwatch.GetTimestamp();

                    minibatches++;
                    Timings.UpdateForward += Seconds(t0, t1);
                    Timings.Backward += Seconds(t1, t2);
                    Timings.Optimizer += Seconds(t2, t3);
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

    /// <summary>One action per row from masked logits <c>[N, B, A]</c>: argmax, or one multinomial draw (masked actions have probability exactly 0).</summary>
    internal static Tensor Sample(Tensor logits, bool greedy, Generator generator)
    {
        if (greedy) return logits.argmax(-1);                                                    // [N, B]
        long agents = logits.shape[0], rows = logits.shape[1];
        Tensor probabilities = logits.softmax(-1).reshape(agents * rows, -1);                    // [N*B, A]
        return multinomial(probabilities, 1, true, generator).reshape(agents, rows);             // [N, B]
    }

    /// <summary>Masked logits <c>[N, B, A]</c> of the algorithm's policy for observations <c>[N, B, O]</c> (the replay policy has none).</summary>
    internal Tensor PolicyLogits(Tensor observations) => _algorithm.Policy == PolicyKind.Network
        ? _networks.Logits(observations)
        : _networks.Mask(zeros(_agents, observations.shape[1], Directions.ActionCount), observations); // uniform over the valid actions

    /// <summary>What each agent's critic reads: the shared global state <c>[1, B, S]</c> when there is one, else its own observations.</summary>
    private Tensor CriticInput(Tensor observations, Tensor? states) =>
        states is null ? observations : states.expand(_agents, states.shape[1], _stateSize);   // [N, B, C]

    private void WriteStates()
    {
        long start = Stopwatch.GetTimestamp();
        Span<float> states = StateSpan;
        for (int e = 0; e < _envs; e++) _env.WriteState(e, states.Slice(e * _stateSize, _stateSize));
        Timings.Environment += Seconds(start, Stopwatch.GetTimestamp());
    }

    private static Tensor MaskedMean(Tensor values, Tensor mask, Tensor count) => values.mul(mask).sum(1).div(count); // [N, B] -> [N]

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
    public static Trainer LoadCheckpoint(Stream stream, Scenario scenario, ExpertDataset? demonstrations, EnvConfig? environment = null) =>
        Checkpoint.Load(stream, scenario, demonstrations, environment);

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
        foreach (Scalar scalar in new[] { _clip, _negativeClip, _ratioLow, _ratioHigh, _entropyCoefficient, _valueCoefficient, _maxGradNorm, _usableAgents })
            scalar.Dispose();
        _generator.Dispose();
        _demos?.Dispose();
        _rollout?.Dispose();
        foreach (Tensor buffer in new[] { _observations, _states, _actions })
            buffer.Dispose();
    }
}
