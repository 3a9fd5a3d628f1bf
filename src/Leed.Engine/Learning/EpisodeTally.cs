// What a rollout's finished episodes showed: the episode metrics, and LEED's evidence (each agent's path against its demonstration).
using Leed.Engine.Env;

namespace Leed.Engine.Learning;

/// <summary>
/// The cells each agent of each environment has visited in its current episode, in order (the
/// destination last when it arrived): what DTW compares with the demonstration's path. Capacity
/// is the episode's step limit plus two, so a path is never cut short.
/// </summary>
internal sealed class AgentPaths(int envs, int agents, int capacity)
{
    private readonly int[] _cells = new int[envs * agents * capacity]; // [E, N, capacity]
    private readonly int[] _length = new int[envs * agents];           // [E, N]

    /// <summary>
    /// After a step: an arrival adds the destination, a driving agent its cell; a finished episode
    /// goes to <paramref name="episodes"/> with its paths, which are then forgotten.
    /// </summary>
    public void Record(VectorCityEnv env, Scenario scenario, EpisodeTally episodes)
    {
        ReadOnlySpan<byte> terminated = env.Terminated;
        for (int slot = 0; slot < envs * agents; slot++)
            if (terminated[slot] != 0) Append(slot, scenario.Agents[slot % agents].Destination);
        ReadOnlySpan<AgentStatus> status = env.Status;
        ReadOnlySpan<int> positions = env.Positions;
        for (int e = 0; e < envs; e++)
        {
            if (env.EpisodeDone[e] != 0)
            {
                episodes.Add(env.LastEpisode(e), env.LastEpisodeReturns.Slice(e * agents, agents), e, this);
                Clear(e);
                continue;
            }
            for (int slot = e * agents; slot < (e + 1) * agents; slot++)
                if (status[slot] == AgentStatus.Driving) Append(slot, positions[slot]);
        }
    }

    /// <param name="slot"><c>env * agents + agent</c>.</param>
    private void Append(int slot, int cell)
    {
        int length = _length[slot];
        if (length >= capacity) return;
        _cells[slot * capacity + length] = cell;
        _length[slot] = length + 1;
    }

    public ReadOnlySpan<int> Of(int env, int agent)
    {
        int slot = env * agents + agent;
        return _cells.AsSpan(slot * capacity, _length[slot]);
    }

    private void Clear(int env) => _length.AsSpan(env * agents, agents).Clear();

    public void ClearAll() => Array.Clear(_length);
}

/// <summary>
/// Sums over the episodes that finished in one rollout. With demonstrations, it also compares up
/// to <paramref name="dtwEpisodes"/> finished paths per agent with the agent's demonstration by
/// normalised DTW: the evidence LEED's dynamic weight reads, and <c>demo/dtw</c>.
/// </summary>
internal sealed class EpisodeTally(int agents, PreparedDemonstrations? demos, int dtwEpisodes, int mapWidth)
{
    private int _episodes, _arrived, _agentsSeen;
    private double _teamReturn, _congestion, _travelTime;
    private readonly double[] _agentReturn = new double[agents];
    private readonly double[] _dtw = new double[agents], _evidenceReturn = new double[agents];
    private readonly int[] _evidenceCount = new int[agents];

    /// <param name="returns">Every agent's return in that episode.</param>
    /// <param name="paths">The paths, before the environment's are cleared.</param>
    public void Add(EpisodeSummary summary, ReadOnlySpan<float> returns, int env, AgentPaths paths)
    {
        _episodes++;
        _teamReturn += summary.TeamReturn;
        _arrived += summary.Arrived;
        _agentsSeen += summary.Agents;
        _congestion += summary.Congestion;
        if (summary.Arrived > 0) _travelTime += summary.MeanTravelTime * summary.Arrived;
        for (int i = 0; i < agents; i++) _agentReturn[i] += returns[i];
        if (demos is null) return;
        for (int i = 0; i < agents; i++)
        {
            if (!demos.Usable[i] || _evidenceCount[i] >= dtwEpisodes) continue;
            double dtw = DynamicTimeWarping.Normalised(paths.Of(env, i), demos.Paths[i], mapWidth);
            if (double.IsInfinity(dtw)) continue; // the agent never entered the grid: no path to compare
            _dtw[i] += dtw;
            _evidenceReturn[i] += returns[i];
            _evidenceCount[i]++;
        }
    }

    /// <summary>Per agent, what its compared episodes showed; null for agents with none.</summary>
    public AgentEvidence?[] Evidence()
    {
        var evidence = new AgentEvidence?[agents];
        if (demos is null) return evidence;
        for (int i = 0; i < agents; i++)
            if (_evidenceCount[i] > 0)
                evidence[i] = new AgentEvidence(_dtw[i] / _evidenceCount[i], _evidenceReturn[i] / _evidenceCount[i], demos.Returns[i]);
        return evidence;
    }

    /// <summary>Writes the episode metrics; those with nothing to average (no finished episode) stay absent.</summary>
    public void Report(Dictionary<string, double> metrics)
    {
        metrics[MetricNames.Episodes] = _episodes;
        if (_episodes == 0) return;
        metrics[MetricNames.EpisodicReturn] = _teamReturn / _episodes;
        metrics[MetricNames.ArrivalRate] = (double)_arrived / _agentsSeen;
        metrics[MetricNames.Congestion] = _congestion / _episodes;
        if (_arrived > 0) metrics[MetricNames.MeanTravelTime] = _travelTime / _arrived;
        for (int i = 0; i < agents; i++) metrics[MetricNames.AgentReturn(i)] = _agentReturn[i] / _episodes;
        if (demos is null) return;
        double dtwSum = 0;
        int counted = 0;
        for (int i = 0; i < agents; i++)
        {
            if (_evidenceCount[i] == 0) continue;
            dtwSum += _dtw[i] / _evidenceCount[i];
            counted++;
        }
        if (counted > 0) metrics[MetricNames.DemoDtw] = dtwSum / counted;
    }
}
