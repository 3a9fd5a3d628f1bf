// Small hand-drawn worlds for the environment tests: ASCII maps, agents placed by coordinates, step helpers.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Env;

/// <summary>A hand-drawn map ('.' road, '#' blocked) and helpers to place agents on it by (x, y).</summary>
internal sealed class TestWorld(params string[] rows)
{
    /// <summary>One row of six road cells: (0,0) .. (5,0).</summary>
    public static TestWorld Corridor => new("......");

    /// <summary>A plus: arms of two cells around the junction (2,2).</summary>
    public static TestWorld Plus => new(
        "##.##",
        "##.##",
        ".....",
        "##.##",
        "##.##");

    public CityMap Map { get; } = CityMap.FromAscii("test", string.Join('\n', rows));

    public int Cell(int x, int y) => Map.Index(x, y);

    public AgentSpec Agent((int X, int Y) origin, (int X, int Y) destination, int departure = 0) =>
        new(Cell(origin.X, origin.Y), Cell(destination.X, destination.Y), departure);

    public Scenario Scenario(params AgentSpec[] agents) => new(Map, agents, "hand-drawn test scenario");

    /// <summary>A facade env, already reset with seed 0.</summary>
    public CityParallelEnv Env(EnvConfig? config, params AgentSpec[] agents) => Env(config, 0, agents);

    /// <summary>A facade env, already reset with <paramref name="seed"/>.</summary>
    public CityParallelEnv Env(EnvConfig? config, ulong seed, params AgentSpec[] agents)
    {
        var env = new CityParallelEnv(Scenario(agents), config);
        env.Reset(seed);
        return env;
    }
}

internal static class EnvTestExtensions
{
    /// <summary>Steps with <paramref name="moves"/>[i] for Agent_i, sending actions only for agents still live.</summary>
    public static ParallelStepResult StepAll(this CityParallelEnv env, params Move[] moves)
    {
        var actions = new Dictionary<string, int>();
        for (int i = 0; i < moves.Length; i++)
        {
            string agent = Scenario.AgentName(i);
            if (env.Agents.Contains(agent)) actions[agent] = (int)moves[i];
        }
        return env.Step(actions);
    }

    /// <summary>A mask as a string in action order Stay, North, East, South, West, e.g. "10110".</summary>
    public static string MaskString(ReadOnlySpan<float> mask)
    {
        var text = new char[mask.Length];
        for (int i = 0; i < mask.Length; i++) text[i] = mask[i] == 1f ? '1' : mask[i] == 0f ? '0' : '?';
        return new string(text);
    }

    public static string MaskOf(this CityParallelEnv env, float[] observation) =>
        MaskString(observation.AsSpan(env.Layout.MaskOffset, env.ActionCount));
}
