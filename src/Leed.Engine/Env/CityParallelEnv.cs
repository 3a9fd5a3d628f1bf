// The PettingZoo-shaped parallel API over one environment: dictionaries keyed by agent name.
namespace Leed.Engine.Env;

/// <summary>What <see cref="CityParallelEnv.Step"/> returns, keyed by the agents live before the step.</summary>
public sealed record ParallelStepResult(
    IReadOnlyDictionary<string, float[]> Observations,
    IReadOnlyDictionary<string, float> Rewards,
    IReadOnlyDictionary<string, bool> Terminations,
    IReadOnlyDictionary<string, bool> Truncations,
    IReadOnlyDictionary<string, AgentInfo> Infos);

/// <summary>Per-agent extras: status, cell, and the action mask (also inside the observation).</summary>
public sealed record AgentInfo(AgentStatus Status, int Cell, float[] ActionMask);

/// <summary>
/// A thin facade for users and tests (not the training path): <see cref="Reset"/> and
/// <see cref="Step"/> as in PettingZoo's parallel API. Agents leave <see cref="Agents"/> once
/// terminated or truncated and never come back within an episode.
/// </summary>
public sealed class CityParallelEnv
{
    private readonly VectorCityEnv _core;
    private readonly float[] _observations;
    private readonly int[] _actions;

    public CityParallelEnv(Scenario scenario, EnvConfig? config = null)
    {
        _core = new VectorCityEnv(scenario, 1, config, autoReset: false);
        _observations = new float[_core.AgentCount * _core.ObservationSize];
        _actions = new int[_core.AgentCount];
        PossibleAgents = [.. Enumerable.Range(0, _core.AgentCount).Select(Scenario.AgentName)];
    }

    public IReadOnlyList<string> PossibleAgents { get; }

    /// <summary>Agents still live (waiting or driving).</summary>
    public IReadOnlyList<string> Agents { get; private set; } = [];

    public int ObservationSize => _core.ObservationSize;
    public int ActionCount => Maps.Directions.ActionCount;
    public ObservationLayout Layout => _core.Layout;
    public int Time => _core.Time[0];

    public (IReadOnlyDictionary<string, float[]> Observations, IReadOnlyDictionary<string, AgentInfo> Infos) Reset(ulong seed)
    {
        _core.Reset(seed, _observations);
        Agents = PossibleAgents;
        return (ObservationsOf(Agents), InfosOf(Agents));
    }

    /// <summary>Actions for live agents (missing ones Stay); names that are not live are rejected.</summary>
    public ParallelStepResult Step(IReadOnlyDictionary<string, int> actions)
    {
        if (Agents.Count == 0) throw new InvalidOperationException("The episode is over: call Reset first.");
        Array.Clear(_actions);
        foreach ((string agent, int action) in actions)
        {
            int index = IndexOf(agent);
            if (!Agents.Contains(agent)) throw new ArgumentException($"{agent} is not live in this episode.");
            if ((uint)action >= ActionCount) throw new ArgumentException($"{agent}: action {action} is not in 0..{ActionCount - 1}.");
            _actions[index] = action;
        }
        IReadOnlyList<string> before = Agents;
        _core.Step(_actions, _observations);

        var rewards = new Dictionary<string, float>();
        var terminations = new Dictionary<string, bool>();
        var truncations = new Dictionary<string, bool>();
        foreach (string agent in before)
        {
            int i = IndexOf(agent);
            rewards[agent] = _core.Rewards[i];
            terminations[agent] = _core.Terminated[i] != 0;
            truncations[agent] = _core.Truncated[i] != 0;
        }
        Agents = [.. before.Where(agent => !terminations[agent] && !truncations[agent])];
        return new ParallelStepResult(ObservationsOf(before), rewards, terminations, truncations, InfosOf(before));
    }

    /// <summary>The global state (for centralized critics).</summary>
    public float[] State()
    {
        var state = new float[_core.StateSize];
        _core.WriteState(0, state);
        return state;
    }

    public EpisodeSummary LastEpisode => _core.LastEpisode(0);

    private static int IndexOf(string agent) =>
        agent.StartsWith("Agent_", StringComparison.Ordinal) && int.TryParse(agent.AsSpan(6), out int index)
            ? index : throw new ArgumentException($"Unknown agent '{agent}'.");

    private Dictionary<string, float[]> ObservationsOf(IEnumerable<string> agents) => agents.ToDictionary(agent => agent,
        agent => _observations.AsSpan(IndexOf(agent) * ObservationSize, ObservationSize).ToArray());

    private Dictionary<string, AgentInfo> InfosOf(IEnumerable<string> agents) => agents.ToDictionary(agent => agent, agent =>
    {
        int i = IndexOf(agent);
        float[] mask = _observations.AsSpan(i * ObservationSize + Layout.MaskOffset, ActionCount).ToArray();
        return new AgentInfo(_core.Status[i], _core.Positions[i], mask);
    });
}
