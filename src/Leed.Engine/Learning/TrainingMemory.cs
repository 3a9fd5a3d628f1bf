// How much memory a training run will take, known before anything is allocated, and the refusal when it cannot fit.
using System.Globalization;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Learning;

/// <summary>
/// What a <see cref="Trainer"/> allocates for a scenario and hyperparameters, in bytes: the rollout
/// storage (<c>[T, E, N, ...]</c> tensors and arrays), the environments' buffers, the networks
/// with their gradients and Adam's two moments, and one minibatch's update working set.
/// </summary>
/// <remarks>A lower bound: torch's allocator, the managed heap and the process come on top.</remarks>
public sealed record MemoryEstimate(long RolloutBytes, long EnvironmentBytes, long NetworkBytes, long UpdateBytes)
{
    public long TotalBytes => RolloutBytes + EnvironmentBytes + NetworkBytes + UpdateBytes;

    /// <summary>"524 GB" style, decimal units as memory is usually quoted.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1_000_000_000_000 => (bytes / 1e12).ToString("0.#", CultureInfo.InvariantCulture) + " TB",
        >= 1_000_000_000 => (bytes / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + " GB",
        >= 1_000_000 => (bytes / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + " kB",
    };
}

/// <summary>Requests that cannot fit on this machine are refused here, before allocating, with the estimate in the message.</summary>
public static class TrainingMemory
{
    // Per agent-row of the rollout besides the observation: action (int64), log-prob, reward, value,
    // advantage and return (float32 each), done and alive (a byte each).
    private const int RowBytesBesideObservation = 8 + 4 * 5 + 2;
    // The same rollout flattened per agent for the update: a copy of the observations, and the action
    // (int64), log-prob, value, advantage, return and alive mask (float32) as tensors.
    private const int FlatRowBytesBesideObservation = 8 + 4 * 5;

    public static MemoryEstimate Estimate(Scenario scenario, Algorithm algorithm, Hyperparameters hp, EnvConfig? environment = null)
    {
        environment ??= new EnvConfig();
        AlgorithmInfo info = algorithm.Info();
        long agents = scenario.AgentCount, envs = hp.Envs, steps = hp.Steps;
        long observation = new ObservationLayout(environment.PatchSize).Size;
        long state = VectorCityEnv.StateSizeOf(scenario.AgentCount, environment);
        bool ppo = info.UsesPpo, central = info.CentralizedCritic;
        CityMap map = scenario.Map;

        // The rollout storage (PPO only; see RolloutStorage) and its flattened copy during the update.
        long rows = steps * envs * agents;
        long rollout = ppo
            ? rows * (observation * 4 + RowBytesBesideObservation) + rows * (observation * 4 + FlatRowBytesBesideObservation)
                + (central ? 2 * steps * envs * state * 4 : 0)
            : 0;
        rollout += envs * agents * (environment.ResolveMaxSteps(map.Width, map.Height) + 2L) * 4; // per-episode paths for DTW
        if (info.Policy != PolicyKind.Replay) rollout += rows * Directions.ActionCount * 4; // the rollout's random draws (RolloutPolicy's NoiseAhead)

        long padded = (map.Width + environment.PatchSize - 1L) * (map.Height + environment.PatchSize - 1L);
        long environmentBytes = envs * (map.CellCount + padded * 4L) + envs * agents * (observation * 4 + 40) + envs * state * 4;

        long hidden = hp.HiddenSize, layers = hp.HiddenLayers, members = hp.ShareParameters ? 1 : agents;
        long actorInputs = observation + (hp.ShareParameters ? agents : 0);
        long criticInputs = (central ? state : observation) + (hp.ShareParameters ? agents : 0);
        long parameters = members * (MlpParameters(actorInputs, hidden, layers, Directions.ActionCount) + MlpParameters(criticInputs, hidden, layers, 1));
        long networks = parameters * 4 * 4; // weights, gradients, Adam's first and second moments

        // One minibatch: its inputs gathered, and for the actor and the critic each hidden layer's
        // activations kept for backward plus their gradients, and the logits with theirs.
        long minibatchRows = (long)hp.MinibatchSize * agents;
        long update = ppo ? minibatchRows * 4 * (observation + (central ? state : 0) + 2 * 2 * hidden * layers + 2L * Directions.ActionCount) : 0;
        return new MemoryEstimate(rollout, environmentBytes, networks, update);
    }

    /// <summary>Memory this process may use: physical memory or the container's limit, as the runtime sees it.</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Throws <see cref="ResourceLimitException"/> when the run needs more memory than <see cref="AvailableBytes"/>.</summary>
    public static MemoryEstimate EnsureFits(Scenario scenario, Algorithm algorithm, Hyperparameters hp, EnvConfig? environment = null)
    {
        MemoryEstimate estimate = Estimate(scenario, algorithm, hp, environment);
        long available = AvailableBytes;
        if (estimate.TotalBytes > available)
            throw new ResourceLimitException(estimate.TotalBytes, available,
                $"Training {scenario.AgentCount} agents with {hp.Envs} environments x {hp.Steps} steps needs about " +
                $"{MemoryEstimate.Format(estimate.TotalBytes)} of memory (rollout storage {MemoryEstimate.Format(estimate.RolloutBytes)}, " +
                $"networks {MemoryEstimate.Format(estimate.NetworkBytes)}), but this machine has {MemoryEstimate.Format(available)}. " +
                "Use fewer environments (Envs, --envs), fewer steps per rollout (Steps, --steps) or fewer agents.");
        return estimate;
    }

    private static long MlpParameters(long inputs, long hidden, long layers, long outputs) =>
        layers == 0 ? inputs * outputs + outputs : inputs * hidden + hidden + (layers - 1) * (hidden * hidden + hidden) + hidden * outputs + outputs;
}
