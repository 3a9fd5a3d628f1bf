// Greedy evaluation of a checkpoint's policy: K fresh episodes on a scenario, summarised as the training charts name them.
using Leed.Engine.Env;

namespace Leed.Engine.Learning;

/// <summary>Mean, sample standard deviation, minimum and maximum of one measure over the evaluated episodes.</summary>
public sealed class EvaluationStat
{
    public double Mean { get; set; }
    public double Std { get; set; }
    public double Min { get; set; }
    public double Max { get; set; }

    /// <summary>The statistics of <paramref name="values"/>; null when there are none (for example no agent arrived).</summary>
    public static EvaluationStat? Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return null;
        double mean = values.Average();
        double std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(value => (value - mean) * (value - mean)) / (values.Count - 1));
        return new EvaluationStat { Mean = mean, Std = std, Min = values.Min(), Max = values.Max() };
    }
}

/// <summary>What the episodes of one evaluation measured, per episode, as <see cref="EpisodeSummary"/> defines the measures.</summary>
/// <param name="Return">The team return (sum over agents) of each episode.</param>
/// <param name="ArrivalRate">The share of agents that arrived, per episode.</param>
/// <param name="TravelTime">Mean steps from departure to arrival of the arrived agents, over the episodes where any arrived; null when none did.</param>
/// <param name="Congestion">The share of live agent-steps that were delayed, per episode.</param>
public sealed record PolicyEvaluation(int Episodes, int Iteration, CheckpointHeader Checkpoint, EvaluationStat Return, EvaluationStat ArrivalRate,
    EvaluationStat? TravelTime, EvaluationStat Congestion, double MeanSteps);

/// <summary>
/// Plays a checkpoint's policy by argmax (no sampling, no exploration) on fresh episodes of a
/// scenario with the same number of agents. Only network policies have anything to evaluate: the
/// reference policies (replayed demonstrations, uniform random) are refused, since a greedy
/// version of them is not the policy that was run.
/// </summary>
public static class Evaluation
{
    public const int MaxEpisodes = 1000;

    /// <summary>Episodes played side by side in one batch: enough to fill a forward pass, few enough to stay small.</summary>
    private const int BatchEnvs = 32;

    /// <param name="seed">Seeds the environments' move order; the same seed gives the same episodes.</param>
    /// <exception cref="ArgumentException">The episodes are out of range, the policy is a reference policy, or the scenario does not fit the checkpoint.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is not readable by this build.</exception>
    public static PolicyEvaluation Run(Stream checkpoint, Scenario scenario, int episodes, ulong seed = 1, EnvConfig? environment = null)
    {
        if (episodes is < 1 or > MaxEpisodes) throw new ArgumentException($"--episodes must be from 1 to {MaxEpisodes}, got {episodes}.");
        CheckpointHeader header = Checkpoint.ReadHeader(checkpoint);
        checkpoint.Seek(0, SeekOrigin.Begin);
        AlgorithmInfo algorithm = Algorithms.Parse(header.Algorithm).Info();
        if (!algorithm.Learns)
            throw new ArgumentException($"{algorithm.Name} is a reference policy ({algorithm.Description}) with no learned network to evaluate greedily; " +
                "evaluate a run of a learning algorithm instead.");
        if (header.Agents != scenario.AgentCount)
            throw new ArgumentException($"The checkpoint has one policy per agent for {header.Agents} agents; the scenario has {scenario.AgentCount}.");

        var probe = new VectorCityEnv(scenario, 1, environment, autoReset: false);
        (_, int iteration, AgentNetworks networks) = Checkpoint.LoadPolicy(checkpoint, probe.ObservationSize, probe.Layout.MaskOffset);
        using (networks)
        {
            var returns = new List<double>(episodes);
            var arrival = new List<double>(episodes);
            var travel = new List<double>(episodes);
            var congestion = new List<double>(episodes);
            double steps = 0;
            for (int first = 0, batch = 0; first < episodes; first += BatchEnvs, batch++)
            {
                int envs = Math.Min(BatchEnvs, episodes - first);
                foreach (EpisodeSummary summary in PlayBatch(networks, scenario, envs, environment, seed + (ulong)batch * 0x9E3779B97F4A7C15UL))
                {
                    returns.Add(summary.TeamReturn);
                    arrival.Add(summary.Agents == 0 ? 0 : (double)summary.Arrived / summary.Agents);
                    if (summary.Arrived > 0) travel.Add(summary.MeanTravelTime);
                    congestion.Add(summary.Congestion);
                    steps += summary.Steps;
                }
            }
            return new PolicyEvaluation(episodes, iteration, header, EvaluationStat.Of(returns)!, EvaluationStat.Of(arrival)!,
                EvaluationStat.Of(travel), EvaluationStat.Of(congestion)!, steps / episodes);
        }
    }

    /// <summary>One episode in each of <paramref name="envs"/> environments, played to its end by argmax.</summary>
    private static EpisodeSummary[] PlayBatch(AgentNetworks networks, Scenario scenario, int envs, EnvConfig? environment, ulong seed)
    {
        int agents = scenario.AgentCount;
        var env = new VectorCityEnv(scenario, envs, environment, autoReset: false);
        var observations = new float[envs * agents * env.ObservationSize]; // [E, N, O]
        env.Reset(seed, observations);
        var finished = new EpisodeSummary?[envs];
        int remaining = envs;
        while (remaining > 0)
        {
            // A finished environment keeps its agents off the grid, so its actions are ignored.
            int[] actions = Acting.Act(networks, observations, greedy: true, sampleSeed: 0); // [E, N]
            env.Step(actions, observations);
            for (int e = 0; e < envs; e++)
            {
                if (finished[e] is not null || env.EpisodeDone[e] == 0) continue;
                finished[e] = env.LastEpisode(e);
                remaining--;
            }
        }
        return [.. finished.Select(summary => summary!.Value)];
    }
}
