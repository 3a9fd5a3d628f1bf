// Acting outside training: actions for given observations, and one recorded episode for the live map.
using Leed.Engine.Env;
using TorchSharp;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>One episode's agent positions per step, for the live map.</summary>
/// <param name="Positions">Per step (step 0 is before the first move), every agent's cell; -1 off the grid.</param>
/// <param name="Statuses">Per step, every agent's status.</param>
public sealed record EpisodeTrace(string Map, int Width, int Height, int Agents, int Iteration, bool Greedy,
    IReadOnlyList<int[]> Positions, IReadOnlyList<AgentStatus[]> Statuses, EpisodeSummary Summary)
{
    /// <summary>Per step, 1 for every agent delayed in the step that led there (<see cref="VectorCityEnv.Delayed"/>); step 0 has none.</summary>
    public IReadOnlyList<byte[]> Delayed { get; init; } = [];
}

/// <summary>
/// Uses a trainer's current policy without touching its training state: every call has its own
/// environment and generator, so training's random streams and episodes are untouched.
/// </summary>
internal static class Acting
{
    /// <summary>Actions <c>[E', N]</c> (flattened) for observations <c>[E', N, O]</c> (flattened), by argmax or sampled.</summary>
    public static int[] Act(AgentNetworks networks, ReadOnlySpan<float> observations, bool greedy, long sampleSeed)
    {
        int agents = networks.Agents, size = networks.ObservationSize;
        int rows = observations.Length / (agents * size);
        if (rows * agents * size != observations.Length)
            throw new ArgumentException($"Observations must be [E, {agents}, {size}] floats, got {observations.Length}.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)sampleSeed);
        Tensor input = tensor(observations.ToArray(), [rows, agents, size]).transpose(0, 1);         // [N, E', O]
        Tensor action = Trainer.Sample(networks.Logits(input), greedy, generator).t().contiguous();   // [E', N]
        return [.. action.data<long>().Select(value => (int)value)];
    }

    /// <summary>Share of usable demonstration steps where the policy's argmax is the demonstrated action (<c>demo/agreement</c>).</summary>
    public static double DemoAgreement(AgentNetworks networks, PreparedDemonstrations demos)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor agree = networks.Logits(demos.Observations).argmax(-1).eq(demos.Actions).to(ScalarType.Float32); // [N, K]
        return agree.mul(demos.StepMask).sum().div(demos.StepMask.sum().clamp_min(HeldScalars.One)).item<float>();
    }

    /// <summary>Plays one episode with <paramref name="trainer"/>'s policy and records every agent's cell and status per step.</summary>
    public static EpisodeTrace RecordEpisode(Trainer trainer, bool greedy, ulong seed)
    {
        Scenario scenario = trainer.Scenario;
        int agents = trainer.AgentCount, size = trainer.ObservationSize;
        var env = new VectorCityEnv(scenario, 1, trainer.EnvironmentConfig, autoReset: false);
        var observations = new float[agents * size];
        var actions = new int[agents];
        env.Reset(seed, observations);
        DemoReplay? replay = trainer.Algorithm.Info().Policy == PolicyKind.Replay ? new DemoReplay(trainer.Prepared!.DrivingActions, 1) : null;
        using var generator = new Generator(seed);
        var positions = new List<int[]> { env.Positions.ToArray() };
        var statuses = new List<AgentStatus[]> { env.Status.ToArray() };
        var delayed = new List<byte[]> { new byte[agents] };
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
                Tensor input = tensor(observations, [1, agents, size]).transpose(0, 1);                   // [N, 1, O]
                Tensor action = Trainer.Sample(RolloutPolicy.Logits(trainer.Networks, trainer.Algorithm.Info().Policy, input), greedy, generator).reshape(agents); // [N]
                long[] chosen = action.data<long>().ToArray();
                for (int i = 0; i < agents; i++) actions[i] = (int)chosen[i];
            }
            env.Step(actions, observations);
            replay?.Observe(env.Positions, env.Terminated, env.EpisodeDone);
            positions.Add(env.Positions.ToArray());
            statuses.Add(env.Status.ToArray());
            delayed.Add(env.Delayed.ToArray());
        }
        return new EpisodeTrace(scenario.Map.Name, scenario.Map.Width, scenario.Map.Height, agents, trainer.Iteration, greedy,
            positions, statuses, env.LastEpisode(0)) { Delayed = delayed };
    }
}
