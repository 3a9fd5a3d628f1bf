// Same seed and actions give the same trajectory bit for bit, in one env or E batched ones; different seeds reorder moves.
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Env;

public sealed class DeterminismTests
{
    private static readonly Scenario Busy = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 40, seed: 8);

    /// <summary>Steps a batched env with a fixed action stream and records every observation, reward and flag as raw bits.</summary>
    private static List<int> Trace(VectorCityEnv env, ulong seed, int steps, Func<int, int, int>? actionOf = null)
    {
        int slots = env.EnvCount * env.AgentCount;
        var observations = new float[slots * env.ObservationSize];
        var actions = new int[slots];
        var trace = new List<int>();
        env.Reset(seed, observations);
        for (int step = 0; step < steps; step++)
        {
            for (int slot = 0; slot < slots; slot++)
                actions[slot] = actionOf?.Invoke(step, slot) ?? (step * 7 + slot * 3) % Directions.ActionCount;
            env.Step(actions, observations);
            foreach (float value in observations) trace.Add(BitConverter.SingleToInt32Bits(value));
            for (int slot = 0; slot < slots; slot++)
                trace.AddRange([BitConverter.SingleToInt32Bits(env.Rewards[slot]), env.Terminated[slot], env.Truncated[slot], env.Positions[slot]]);
            for (int e = 0; e < env.EnvCount; e++) trace.Add(env.EpisodeDone[e]);
        }
        return trace;
    }

    [Fact]
    public void BatchedEnvs_SameSeedAndActions_GiveIdenticalTrajectoriesAcrossInstances()
    {
        var config = new EnvConfig { MaxSteps = 60 }; // several auto-resets in 150 steps

        List<int> first = Trace(new VectorCityEnv(Busy, 4, config), 21, 150);
        List<int> second = Trace(new VectorCityEnv(Busy, 4, config), 21, 150);

        Assert.Equal(first, second);
    }

    [Fact]
    public void BatchedEnv_Environment0_MatchesASingleEnvironmentWithTheSameSeed()
    {
        int n = Busy.AgentCount;
        var single = new VectorCityEnv(Busy, 1);
        var batch = new VectorCityEnv(Busy, 3);
        var one = new float[n * single.ObservationSize];
        var three = new float[3 * n * batch.ObservationSize];
        single.Reset(4, one);
        batch.Reset(4, three);

        for (int step = 0; step < 120; step++)
        {
            int[] actions = [.. Enumerable.Range(0, 3 * n).Select(slot => (step + slot % n) % Directions.ActionCount)];
            single.Step(actions.AsSpan(0, n), one);
            batch.Step(actions, three);
            Assert.Equal(one, three[..one.Length]);
            Assert.Equal(single.Rewards.ToArray(), batch.Rewards[..n].ToArray());
        }
    }

    [Fact]
    public void BatchedEnv_OneEnvironmentsActions_DoNotChangeAnother()
    {
        int n = Busy.AgentCount;
        List<int> Env0Observations(Func<int, int, int> actionOf)
        {
            var env = new VectorCityEnv(Busy, 2);
            List<int> full = Trace(env, 5, 100, actionOf);
            // Keep env 0's observation rows of each step.
            int perStep = 2 * n * env.ObservationSize + 2 * n * 4 + 2;
            return [.. Enumerable.Range(0, 100).SelectMany(step => full.Skip(step * perStep).Take(n * env.ObservationSize))];
        }

        List<int> calm = Env0Observations((step, slot) => slot < n ? (step + slot) % 5 : 0);
        List<int> busy = Env0Observations((step, slot) => slot < n ? (step + slot) % 5 : (step * 3 + slot) % 5);

        Assert.Equal(calm, busy);
    }

    [Fact]
    public void DifferentSeeds_GiveDifferentMoveOrdersSomewhere()
    {
        var config = new EnvConfig { CellCapacity = 1 };
        List<int> reference = Trace(new VectorCityEnv(Busy, 1, config), 0, 80);

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

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }
}
