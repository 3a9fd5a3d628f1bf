// The rollout's storage in CleanRL's (num_steps, num_envs, ...) layout, and the same rollout flattened per agent for the update.
using System.Runtime.InteropServices;
using Leed.Engine.Env;
using Leed.Engine.Maps;
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
    private readonly Tensor _rowScalars; // what the loss reads per row, packed for one gather per minibatch

    /// <param name="stateSize">The global state's size when the critic reads it (centralized critic), else null.</param>
    public RolloutStorage(int steps, int envs, int agents, int observationSize, int? stateSize)
    {
        (_steps, _envs, _agents) = (steps, envs, agents);
        Observations = zeros(steps, envs, agents, observationSize);                          // [T, E, N, O]
        States = stateSize is { } size ? zeros(steps, envs, size) : null;                    // [T, E, S]
        Actions = zeros(steps, envs, agents, dtype: ScalarType.Int64);                       // [T, E, N]
        Logits = zeros(steps, envs, agents, Directions.ActionCount);                         // [T, E, N, A] masked
        _rowScalars = zeros(steps, envs, agents, RolloutBatch.ScalarCount);                   // [T, E, N, 5]
        int rows = steps * envs * agents;
        (Rewards, Values, Advantages, Returns) = (new float[rows], new float[rows], new float[rows], new float[rows]);
        (Dones, Alive) = (new byte[rows], new byte[rows]);
        NextValues = new float[envs * agents];
    }

    public Tensor Observations { get; }
    public Tensor? States { get; }
    public Tensor Actions { get; }
    /// <summary>The policy's masked logits at each step, for the rollout's log-probabilities in one pass after it.</summary>
    public Tensor Logits { get; }
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

    /// <summary>Step <paramref name="t"/>'s observations <c>[E, N, O]</c> as memory the environment writes into.</summary>
    public Span<float> ObservationsAt(int t)
    {
        using Tensor step = Observations[t];
        return MemoryMarshal.Cast<byte, float>(step.bytes);
    }

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

    /// <summary>Observations per agent, <c>[T, E, N, O] -> [N, T*E, O]</c> (a view: rows stay where the rollout wrote them).</summary>
    public Tensor ObservationsPerAgent() => ObservationRows.transpose(0, 1);

    /// <summary>Global states as one row set, <c>[T, E, S] -> [1, T*E, S]</c>; null without a centralized critic.</summary>
    public Tensor? StatesFlat() => States?.view(1, _steps * _envs, States.shape[2]);

    private Tensor ObservationRows => Observations.view(_steps * _envs, _agents, Observations.shape[3]); // [B, N, O]

    /// <summary>
    /// The rollout as rows for the update, after GAE and with <see cref="Values"/> filled: every
    /// tensor keeps the rollout's row-major <c>[T*E, N, ...]</c> layout, so a minibatch is one
    /// contiguous gather per tensor along its first axis (gathering along the second axis of an
    /// agent-major copy cost as much as a first-layer matmul; see bench/RESULTS.md).
    /// </summary>
    public RolloutBatch Flatten()
    {
        int rows = _steps * _envs * _agents;
        using Tensor logprobTensor = Logits.log_softmax(-1).gather(-1, Actions.unsqueeze(-1)).squeeze(-1); // [T, E, N]
        ReadOnlySpan<float> logprobs = MemoryMarshal.Cast<byte, float>(logprobTensor.bytes);
        Span<float> scalars = MemoryMarshal.Cast<byte, float>(_rowScalars.bytes);
        for (int k = 0; k < rows; k++)
        {
            Span<float> row = scalars.Slice(k * RolloutBatch.ScalarCount, RolloutBatch.ScalarCount);
            (row[RolloutBatch.Logprob], row[RolloutBatch.Value], row[RolloutBatch.Advantage], row[RolloutBatch.Return], row[RolloutBatch.Alive]) =
                (logprobs[k], Values[k], Advantages[k], Returns[k], Alive[k]);
        }
        return new RolloutBatch(ObservationRows, States?.view(_steps * _envs, States.shape[2]), Actions.view(_steps * _envs, _agents),
            _rowScalars.view(_steps * _envs, _agents, RolloutBatch.ScalarCount));
    }

    public void Dispose()
    {
        Observations.Dispose();
        States?.Dispose();
        Actions.Dispose();
        Logits.Dispose();
        _rowScalars.Dispose();
    }
}

/// <summary>
/// One rollout as rows <c>B = T*E</c>, each with every agent's data: observations <c>[B, N, O]</c>,
/// global states <c>[B, S]</c> (centralized critic, else null), actions <c>[B, N]</c> and the per-row
/// scalars <c>[B, N, 5]</c> (old log-probability, value, advantage, return, alive).
/// </summary>
internal sealed record RolloutBatch(Tensor Observations, Tensor? States, Tensor Actions, Tensor Scalars)
{
    /// <summary>The per-row scalars, in this order.</summary>
    public const int Logprob = 0, Value = 1, Advantage = 2, Return = 3, Alive = 4, ScalarCount = 5;

    /// <summary>The same rows of agents <paramref name="first"/>.. (<paramref name="count"/> of them), each agent's rows for its own network: a minibatch.</summary>
    public Minibatch Rows(Tensor index, int first, int count) => new(
        Agents(Observations, first, count).index_select(0, index).transpose(0, 1),                    // [n, mb, O] view
        States?.index_select(0, index).unsqueeze(0),                                                 // [1, mb, S]
        Agents(Actions, first, count).index_select(0, index).t(),                                    // [n, mb]
        Agents(Scalars, first, count).index_select(0, index).permute(2, 1, 0).contiguous());         // [5, n, mb], a field after another

    private static Tensor Agents(Tensor rows, int first, int count) => first == 0 && count == rows.shape[1] ? rows : rows.narrow(1, first, count);
}

/// <summary>
/// One minibatch per agent (of a slice of <c>n</c> agents), <c>mb</c> rows each (every agent's rows go through its own network).
/// <see cref="States"/> is <c>[1, mb, S]</c>, shared by the agents' critics, or null without a centralized critic;
/// <see cref="Scalars"/> is <c>[5, n, mb]</c>, the fields in <see cref="RolloutBatch"/>'s order.
/// </summary>
internal sealed record Minibatch(Tensor Observations, Tensor? States, Tensor Actions, Tensor Scalars);
