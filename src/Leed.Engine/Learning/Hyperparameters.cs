// Everything the trainer can be tuned by: one record, stored with every run; derived sizes are computed, never set.
namespace Leed.Engine.Learning;

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

    /// <summary>Threads during the rollout: the agents' networks run in this many groups side by side, each group on its own thread with one torch thread (a rollout step's tensors are too small for torch's own threads). The results do not depend on it.</summary>
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
        if (Minibatches < 1) throw new ArgumentException($"Minibatches must be positive, got {Minibatches}.");
        HyperparameterRules.RequireWholeMinibatches(this);
        if (UpdateEpochs < 1) throw new ArgumentException($"UpdateEpochs must be positive, got {UpdateEpochs}.");
        if (HiddenSize < 1 || HiddenLayers < 0) throw new ArgumentException($"HiddenSize must be positive and HiddenLayers not negative (got {HiddenSize}, {HiddenLayers}).");
        if (LearningRate <= 0 || Gamma is < 0 or > 1 || GaeLambda is < 0 or > 1) throw new ArgumentException("LearningRate must be positive; Gamma and GaeLambda in [0, 1].");
        if (ExpertBatchSize < 1 || DtwEpisodes < 0 || Threads < 1 || RolloutThreads < 1) throw new ArgumentException("ExpertBatchSize and Threads must be positive, DtwEpisodes not negative.");
    }
}
