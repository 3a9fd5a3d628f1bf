// Reusable conformance checks for the PettingZoo-shaped facade, in the spirit of PettingZoo's parallel_api_test.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Support;

/// <summary>What a conformance run exercised, so a caller can insist that arrivals and timeouts both happened.</summary>
public sealed record ConformanceReport(int Episodes, int Steps, int Terminations, int Truncations, int DelayedSteps);

/// <summary>
/// Drives a <see cref="CityParallelEnv"/> with random valid actions for several episodes and checks
/// the parallel API's promises at every step. Half the actions head for the agent's destination so
/// that runs include arrivals and congestion as well as timeouts.
/// </summary>
public static class ParallelEnvConformance
{
    public static ConformanceReport Check(Scenario scenario, EnvConfig? config = null, int episodes = 3, ulong seed = 1)
    {
        config ??= new EnvConfig();
        CityMap map = scenario.Map;
        int maxSteps = config.ResolveMaxSteps(map.Width, map.Height);
        // Distances to each agent's destination (moves are reversible, so distances from it).
        int[][] toDestination = [.. scenario.Agents.Select(agent => map.Graph.CellDistancesFrom(agent.Destination))];
        var env = new CityParallelEnv(scenario, config);
        var random = new SplitMix(seed);
        int observationSize = env.ObservationSize, actionCount = env.ActionCount, stateSize = env.State().Length;
        Assert.Equal(Directions.ActionCount, actionCount);
        int totalSteps = 0, terminations = 0, truncations = 0, delayed = 0;

        for (int episode = 0; episode < episodes; episode++)
        {
            var (observations, infos) = env.Reset(seed + (ulong)episode);
            Assert.Equal(env.PossibleAgents, env.Agents);
            AssertKeys(env.PossibleAgents, observations.Keys, "Reset observations");
            AssertKeys(env.PossibleAgents, infos.Keys, "Reset infos");
            foreach (string agent in env.Agents) AssertObservation(env, map, agent, observations[agent], infos[agent]);

            var finished = new HashSet<string>();
            int steps = 0;
            while (env.Agents.Count > 0)
            {
                Assert.True(steps < maxSteps, $"Episode {episode} is still running after MaxSteps = {maxSteps} steps.");
                string[] before = [.. env.Agents];
                var actions = new Dictionary<string, int>();
                foreach (string agent in before)
                    actions[agent] = ChooseAction(ref random, env, map, observations[agent], infos[agent].Cell, toDestination[Index(agent)]);

                ParallelStepResult result = env.Step(actions);
                steps++;

                AssertKeys(before, result.Observations.Keys, $"step {steps} observations");
                AssertKeys(before, result.Rewards.Keys, $"step {steps} rewards");
                AssertKeys(before, result.Terminations.Keys, $"step {steps} terminations");
                AssertKeys(before, result.Truncations.Keys, $"step {steps} truncations");
                AssertKeys(before, result.Infos.Keys, $"step {steps} infos");
                foreach (string agent in before)
                {
                    Assert.DoesNotContain(agent, finished);
                    Assert.Equal(observationSize, result.Observations[agent].Length);
                    float reward = result.Rewards[agent];
                    Assert.True(float.IsFinite(reward), $"{agent} got reward {reward} at step {steps}.");
                    bool terminated = result.Terminations[agent], truncated = result.Truncations[agent];
                    Assert.False(terminated && truncated, $"{agent} is both terminated and truncated at step {steps}.");
                    if (terminated || truncated) finished.Add(agent);
                    if (terminated) terminations++;
                    if (truncated) truncations++;
                    AgentStatus status = result.Infos[agent].Status;
                    bool blocked = status == AgentStatus.Driving && reward == config.StepReward + config.DelayReward;
                    bool heldAtOrigin = status == AgentStatus.Waiting && reward == config.DelayReward && reward != 0f;
                    if (blocked || heldAtOrigin) delayed++;
                    AssertObservation(env, map, agent, result.Observations[agent], result.Infos[agent]);
                }
                Assert.Equal(before.Where(agent => !finished.Contains(agent)), env.Agents);

                float[] state = env.State();
                Assert.Equal(stateSize, state.Length);
                Assert.All(state, value => Assert.True(float.IsFinite(value)));
                (observations, infos) = (result.Observations, result.Infos);
            }
            Assert.Equal(env.PossibleAgents.Count, finished.Count);
            totalSteps += steps;
        }
        Assert.Equal(observationSize, env.ObservationSize);
        return new ConformanceReport(episodes, totalSteps, terminations, truncations, delayed);
    }

    /// <summary>Runs the same seed and actions in two fresh environments and in one environment reset twice; all must match bit for bit.</summary>
    public static void CheckDeterminism(Scenario scenario, EnvConfig? config = null, ulong seed = 1, int steps = 200)
    {
        var first = new CityParallelEnv(scenario, config);
        List<int> a = Trace(first, seed, steps);
        List<int> b = Trace(new CityParallelEnv(scenario, config), seed, steps);
        List<int> again = Trace(first, seed, steps);
        AssertSameTrace(a, b, "two instances");
        AssertSameTrace(a, again, "one instance reset twice");
    }

    /// <summary>Fails at the first differing value (xunit's collection diff is slow on traces this long).</summary>
    public static void AssertSameTrace(List<int> expected, List<int> actual, string what)
    {
        int length = Math.Min(expected.Count, actual.Count), first = 0;
        while (first < length && expected[first] == actual[first]) first++;
        Assert.True(first == length && expected.Count == actual.Count,
            $"{what}: the trajectories differ at value {first} of {expected.Count} / {actual.Count}.");
    }

    /// <summary>Every observation, reward, flag and state of a run with seeded random valid actions, as raw bits.</summary>
    public static List<int> Trace(CityParallelEnv env, ulong seed, int steps)
    {
        var trace = new List<int>();
        var random = new SplitMix(seed ^ 0xA5A5A5A5UL);
        var (observations, _) = env.Reset(seed);
        foreach (string agent in env.Agents) AddFloats(trace, observations[agent]);
        for (int step = 0; step < steps && env.Agents.Count > 0; step++)
        {
            var actions = new Dictionary<string, int>();
            foreach (string agent in env.Agents)
            {
                float[] observation = observations[agent];
                int action = random.Next(env.ActionCount);
                actions[agent] = observation[env.Layout.MaskOffset + action] == 1f ? action : 0;
            }
            ParallelStepResult result = env.Step(actions);
            foreach (string agent in result.Observations.Keys.Order(StringComparer.Ordinal))
            {
                trace.Add(Index(agent));
                AddFloats(trace, result.Observations[agent]);
                trace.Add(BitConverter.SingleToInt32Bits(result.Rewards[agent]));
                trace.Add(result.Terminations[agent] ? 1 : 0);
                trace.Add(result.Truncations[agent] ? 1 : 0);
                trace.Add(result.Infos[agent].Cell);
            }
            AddFloats(trace, env.State());
            observations = result.Observations;
        }
        return trace;
    }

    private static void AddFloats(List<int> trace, float[] values)
    {
        foreach (float value in values) trace.Add(BitConverter.SingleToInt32Bits(value));
    }

    private static int ChooseAction(ref SplitMix random, CityParallelEnv env, CityMap map, float[] observation, int cell, int[] toDestination)
    {
        int maskOffset = env.Layout.MaskOffset;
        if (cell >= 0 && random.Next(2) == 0)
        {
            for (int move = 1; move < env.ActionCount; move++)
            {
                int next = RoadGraph.Step(map, cell, move);
                if (next >= 0 && toDestination[next] < toDestination[cell])
                {
                    Assert.Equal(1f, observation[maskOffset + move]); // a move towards the goal is never masked
                    return move;
                }
            }
        }
        int action;
        do action = random.Next(env.ActionCount); while (observation[maskOffset + action] != 1f);
        return action;
    }

    private static void AssertObservation(CityParallelEnv env, CityMap map, string agent, float[] observation, AgentInfo info)
    {
        Assert.Equal(env.ObservationSize, observation.Length);
        float[] mask = observation[env.Layout.MaskOffset..(env.Layout.MaskOffset + env.ActionCount)];
        Assert.Equal(mask, info.ActionMask);
        Assert.All(mask, value => Assert.True(value is 0f or 1f, $"{agent}: mask value {value} is not 0 or 1."));
        Assert.True(mask[0] == 1f, $"{agent}: Stay is not allowed.");
        for (int move = 1; move < env.ActionCount; move++)
        {
            // Every move the road allows is offered and no other, so no action outside the mask is ever needed.
            bool open = info.Status == AgentStatus.Driving && RoadGraph.Step(map, info.Cell, move) >= 0;
            Assert.True(mask[move] == (open ? 1f : 0f), $"{agent} ({info.Status} at cell {info.Cell}): mask[{(Move)move}] = {mask[move]}.");
        }
        Assert.All(observation, value => Assert.True(float.IsFinite(value)));
    }

    private static void AssertKeys(IEnumerable<string> expected, IEnumerable<string> actual, string what) =>
        Assert.True(expected.Order(StringComparer.Ordinal).SequenceEqual(actual.Order(StringComparer.Ordinal)),
            $"{what}: keys [{string.Join(", ", actual)}] differ from the live agents [{string.Join(", ", expected)}].");

    private static int Index(string agent) => int.Parse(agent.AsSpan("Agent_".Length));
}
