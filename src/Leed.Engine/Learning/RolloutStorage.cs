// The rollout's storage in CleanRL's (num_steps, num_envs, ...) layout, and the same rollout flattened per agent for the update.
using Leed.Engine.Env;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// Preallocated once per trainer, for the algorithms that use PPO. Tensors are what the networks
/// read again in the update; arrays are what GAE reads and writes. The agent axis comes after the
/// environment axis, as the environment writes it.
/// </summary>
internal sealed class RolloutStorage : IDisposable
{
    private readonly int _steps, _envs, _agents;

    /// <param name="stateSize">The global state's size when the critic reads it (centralized critic), else null.</param>
    public RolloutStorage(int steps, int envs, int agents, int observationSize, int? stateSize)
    {
        (_steps, _envs, _agents) = (steps, envs, agents);
        Observations = zeros(steps, envs, agents, observationSize);                          // [T, E, N, O]
        States = stateSize is { } size ? zeros(steps, envs, size) : null;                    // [T, E, S]
        Actions = zeros(steps, envs, agents, dtype: ScalarType.Int64);                       // [T, E, N]
        Logprobs = zeros(steps, envs, agents);                                               // [T, E, N]
        int rows = steps * envs * agents;
        (Rewards, Values, Advantages, Returns) = (new float[rows], new float[rows], new float[rows], new float[rows]);
        (Dones, Alive) = (new byte[rows], new byte[rows]);
        NextValues = new float[envs * agents];
    }

    public Tensor Observations { get; }
    public Tensor? States { get; }
    public Tensor Actions { get; }
    public Tensor Logprobs { get; }
    /// <summary><c>[T, E, N]</c> scaled rewards.</summary>
    public float[] Rewards { get; }
    /// <summary><c>[T, E, N]</c> terminated or truncated.</summary>
    public byte[] Dones { get; }
    /// <summary><c>[T, E, N]</c> alive when the step began.</summary>
    public byte[] Alive { get; }
    /// <summary><c>[T, E, N]</c> the critic's values of the rollout, for GAE.</summary>
    public float[] Values { get; }
    public float[] Advantages { get; }
    public float[] Returns { get; }
    /// <summary><c>[E, N]</c> the critic's values after the last step.</summary>
    public float[] NextValues { get; }

    /// <summary>Stores step <paramref name="t"/>'s scaled rewards, dones (terminated or truncated) and alive flags.</summary>
    public void Record(int t, VectorCityEnv env, float rewardScale)
    {
        int slots = _envs * _agents, offset = t * slots;
        ReadOnlySpan<float> rewards = env.Rewards;
        ReadOnlySpan<byte> terminated = env.Terminated, truncated = env.Truncated, alive = env.AliveBeforeStep;
        for (int slot = 0; slot < slots; slot++)
        {
            Rewards[offset + slot] = rewards[slot] * rewardScale;
            Dones[offset + slot] = (byte)(terminated[slot] | truncated[slot]);
            Alive[offset + slot] = alive[slot];
        }
    }

    /// <summary>Observations per agent, <c>[T, E, N, O] -> [N, T*E, O]</c>.</summary>
    public Tensor ObservationsPerAgent() => Observations.permute(2, 0, 1, 3).reshape(_agents, _steps * _envs, Observations.shape[3]);

    /// <summary>Global states as one row set, <c>[T, E, S] -> [1, T*E, S]</c>; null without a centralized critic.</summary>
    public Tensor? StatesFlat() => States?.reshape(1, _steps * _envs, States.shape[2]);

    /// <summary>The rollout flattened per agent, after GAE; <paramref name="values"/> is <c>[N, T*E]</c> from the batched critic pass.</summary>
    public RolloutBatch Flatten(Tensor observations, Tensor? states, Tensor values) => new(
        observations,
        states,
        Actions.permute(2, 0, 1).reshape(_agents, _steps * _envs),
        Logprobs.permute(2, 0, 1).reshape(_agents, _steps * _envs),
        values,
        PerAgent(Advantages),
        PerAgent(Returns),
        PerAgent(Array.ConvertAll(Alive, alive => (float)alive)));

    /// <summary><c>[T, E, N]</c> C# array to an <c>[N, T*E]</c> tensor.</summary>
    private Tensor PerAgent(float[] values) => tensor(values, [_steps, _envs, _agents]).permute(2, 0, 1).reshape(_agents, _steps * _envs);

    public void Dispose()
    {
        Observations.Dispose();
        States?.Dispose();
        Actions.Dispose();
        Logprobs.Dispose();
    }
}

/// <summary>
/// One rollout per agent, <c>B = T*E</c> rows each (every agent's rows go through its own network).
/// <see cref="States"/> is <c>[1, B, S]</c>, shared by the agents' critics, or null without a centralized critic.
/// </summary>
internal sealed record RolloutBatch(Tensor Observations, Tensor? States, Tensor Actions, Tensor Logprobs, Tensor Values,
    Tensor Advantages, Tensor Returns, Tensor Alive)
{
    /// <summary>The same rows of every agent: a minibatch.</summary>
    public RolloutBatch Rows(Tensor index) => new(
        Observations.index_select(1, index),     // [N, mb, O]
        States?.index_select(1, index),          // [1, mb, S]
        Actions.index_select(1, index),          // [N, mb]
        Logprobs.index_select(1, index),         // [N, mb]
        Values.index_select(1, index),           // [N, mb]
        Advantages.index_select(1, index),       // [N, mb]
        Returns.index_select(1, index),          // [N, mb]
        Alive.index_select(1, index));           // [N, mb]
}
