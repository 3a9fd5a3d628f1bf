// Same seed and actions give the same trajectory bit for bit, in one env or E batched ones; different seeds reorder moves.
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Env;

public sealed class DeterminismTests
{
    private static readonly Scenario Busy = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 40, seed: 8);

    /// <summary>
    /// Steps a batched env with a fixed action stream; for every step and environment, one hash of the
    /// raw bits of its observations, rewards, flags and positions (compact, yet any changed bit shows).
    /// </summary>
    private static List<ulong> Trace(VectorCityEnv env, ulong seed, int steps, Func<int, int, int>? actionOf = null)
    {
        int n = env.AgentCount, slots = env.EnvCount * n, size = env.ObservationSize;
        var observations = new float[slots * size];
        var actions = new int[slots];
        var trace = new List<ulong>();
        env.Reset(seed, observations);
        for (int step = 0; step < steps; step++)
        {
            for (int slot = 0; slot < slots; slot++)
                actions[slot] = actionOf?.Invoke(step, slot) ?? (step * 7 + slot * 3) % Directions.ActionCount;
            env.Step(actions, observations);
            for (int e = 0; e < env.EnvCount; e++)
            {
                ulong hash = 14695981039346656037UL;
                void Mix(int value) => hash = (hash ^ (uint)value) * 1099511628211UL;
                foreach (float value in observations.AsSpan(e * n * size, n * size)) Mix(BitConverter.SingleToInt32Bits(value));
                for (int slot = e * n; slot < (e + 1) * n; slot++)
                {
                    Mix(BitConverter.SingleToInt32Bits(env.Rewards[slot]));
                    Mix(env.Terminated[slot] | env.Truncated[slot] << 1);
                    Mix(env.Positions[slot]);
                }
                Mix(env.EpisodeDone[e]);
                trace.Add(hash);
            }
        }
        return trace;
    }

    /// <summary>Environment <paramref name="env"/>'s entries of a trace of <paramref name="envs"/> environments.</summary>
    private static List<ulong> EnvEntries(List<ulong> trace, int envs, int env) => [.. trace.Where((_, k) => k % envs == env)];

    [Fact]
    public void BatchedEnvs_SameSeedAndActions_GiveIdenticalTrajectoriesAcrossInstances()
    {
        var config = new EnvConfig { MaxSteps = 60 }; // several auto-resets in 150 steps

        List<ulong> first = Trace(new VectorCityEnv(Busy, 4, config), 21, 150);
        List<ulong> second = Trace(new VectorCityEnv(Busy, 4, config), 21, 150);

        Assert.Equal(first, second);
        // The four environments are not copies of each other: each has its own move orders.
        Assert.Equal(4, Enumerable.Range(0, 4).Select(e => EnvEntries(first, 4, e)[^1]).Distinct().Count());
    }

    [Fact]
    public void BatchedEnv_Environment0_MatchesASingleEnvironmentWithTheSameSeed()
    {
        int n = Busy.AgentCount;

        List<ulong> single = Trace(new VectorCityEnv(Busy, 1), 4, 120, (step, slot) => (step + slot % n) % Directions.ActionCount);
        List<ulong> batch = Trace(new VectorCityEnv(Busy, 3), 4, 120, (step, slot) => (step + slot % n) % Directions.ActionCount);

        Assert.Equal(single, EnvEntries(batch, 3, 0));
    }

    [Fact]
    public void BatchedEnv_OneEnvironmentsActions_DoNotChangeAnother()
    {
        int n = Busy.AgentCount;

        List<ulong> calm = Trace(new VectorCityEnv(Busy, 2), 5, 100, (step, slot) => slot < n ? (step + slot) % 5 : 0);
        List<ulong> busy = Trace(new VectorCityEnv(Busy, 2), 5, 100, (step, slot) => slot < n ? (step + slot) % 5 : (step * 3 + slot) % 5);

        Assert.Equal(EnvEntries(calm, 2, 0), EnvEntries(busy, 2, 0));
        Assert.NotEqual(EnvEntries(calm, 2, 1), EnvEntries(busy, 2, 1));
    }

    [Fact]
    public void DifferentSeeds_GiveDifferentMoveOrdersSomewhere()
    {
        var config = new EnvConfig { CellCapacity = 1 };
        List<ulong> reference = Trace(new VectorCityEnv(Busy, 1, config), 0, 80);

        int differing = Enumerable.Range(1, 8).Count(seed => !Trace(new VectorCityEnv(Busy, 1, config), (ulong)seed, 80).SequenceEqual(reference));

        Assert.Equal(8, differing);
    }

    [Fact]
    public void Facade_SameSeed_ReplaysTheSameEpisodeAfterReset()
    {
        var env = new CityParallelEnv(Busy);

        List<int> first = ParallelEnvConformance.Trace(env, 3, 100);
        List<int> other = ParallelEnvConformance.Trace(env, 4, 100);
        List<int> again = ParallelEnvConformance.Trace(env, 3, 100);

        ParallelEnvConformance.AssertSameTrace(first, again, "the same seed after Reset");
        Assert.False(first.SequenceEqual(other), "Seeds 3 and 4 gave the same trajectory.");
    }
}
