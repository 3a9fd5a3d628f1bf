// The batched, allocation-free city environment: E environments x N agents in struct-of-arrays buffers.
using Leed.Engine.Maps;

namespace Leed.Engine.Env;

/// <summary>Where an agent is in its life cycle.</summary>
public enum AgentStatus : byte { Waiting = 0, Driving = 1, Arrived = 2, TimedOut = 3 }

/// <summary>
/// What one finished episode of one environment measured. <c>MeanTravelTime</c>: steps from each
/// arrived agent's scheduled departure to its arrival, averaged (NaN when nobody arrived).
/// <c>Congestion</c>: the share of active agent-steps (driving, or due to depart) that were delayed
/// by a blocked move or a full origin.
/// </summary>
public readonly record struct EpisodeSummary(float TeamReturn, int Arrived, int Agents, float MeanTravelTime, float Congestion, int Steps);

/// <summary>
/// E copies of one scenario stepped together. State lives in flat arrays indexed <c>e * N + i</c>;
/// <see cref="Step"/> allocates nothing and writes every agent's observation into the caller's
/// <c>[E, N, ObsSize]</c> buffer. The transition uses only this state and each environment's own
/// seeded generator, so the same seed and actions give the same trajectory, bit for bit.
/// Observation layout (per agent, <see cref="ObservationLayout"/>): road patch, occupancy patch,
/// destination patch (each K x K, row-major, agent at the centre), then 8 scalars, then 5 mask values.
/// </summary>
public sealed class VectorCityEnv
{
    private readonly CityMap _map;
    private readonly int _width, _height, _cells, _agents, _envs, _capacity, _maxSteps;
    private readonly int _patch, _radius, _paddedWidth, _paddedCells;
    private readonly float _stepReward, _delayReward, _arrivalReward, _inverseCapacity;
    private readonly int[] _origin, _destination, _departure;   // [N] (cells, step)
    private readonly byte[] _neighbourMask;                    // [cells] bit m set when move m leads to road
    private readonly int[] _neighbour;                         // [cells * 5] target cell of each move, or -1
    private readonly float[] _roadPadded;                      // [(H + 2r) * (W + 2r)] 1 on road
    private readonly int[] _stateCellOfCell;                   // [cells] coarse state-grid cell

    // Per environment x agent.
    private readonly int[] _position;            // [E*N] cell, -1 when off the grid
    private readonly AgentStatus[] _status;      // [E*N]
    private readonly float[] _rewards;           // [E*N] of the last step
    private readonly byte[] _terminated;         // [E*N] arrived in the last step
    private readonly byte[] _truncated;          // [E*N] timed out in the last step
    private readonly byte[] _delayed;            // [E*N] delayed in the last step: blocked move or no room at departure
    private readonly byte[] _alive;              // [E*N] waiting or driving before the last step
    private readonly float[] _returns;           // [E*N] running episode return
    private readonly float[] _lastReturns;       // [E*N] returns of each env's last finished episode
    private readonly int[] _order;               // [N] scratch: this step's move order

    // Per environment.
    private readonly byte[] _occupancy;          // [E*cells]
    private readonly float[] _occupancyPadded;   // [E*paddedCells] occupancy / capacity
    private readonly int[] _time;                // [E]
    private readonly ulong[] _rng;               // [E] SplitMix state
    private readonly int[] _arrivedCount, _liveCount, _delays, _activeSteps, _episodeIndex; // [E]
    private readonly long[] _travelTimeSum;      // [E]
    private readonly byte[] _episodeDone;        // [E] the last step ended this env's episode
    private readonly EpisodeSummary[] _lastEpisode; // [E]
    private ulong _baseSeed;

    public VectorCityEnv(Scenario scenario, int envs, EnvConfig? config = null, bool autoReset = true)
    {
        config ??= new EnvConfig();
        config.Validate();
        if (envs < 1) throw new ArgumentException($"Need at least one environment, got {envs}.");
        Scenario = scenario;
        Config = config;
        AutoReset = autoReset;
        _map = scenario.Map;
        (_width, _height, _cells) = (_map.Width, _map.Height, _map.CellCount);
        (_agents, _envs) = (scenario.AgentCount, envs);
        _capacity = config.CellCapacity;
        _inverseCapacity = 1f / _capacity;
        _maxSteps = config.ResolveMaxSteps(_width, _height);
        (_stepReward, _delayReward, _arrivalReward) = (config.StepReward, config.DelayReward, config.ArrivalReward);
        _patch = config.PatchSize;
        _radius = _patch / 2;
        _paddedWidth = _width + 2 * _radius;
        _paddedCells = _paddedWidth * (_height + 2 * _radius);
        Layout = new ObservationLayout(_patch);
        StateSize = StateSizeOf(_agents, config);

        _origin = [.. scenario.Agents.Select(agent => agent.Origin)];
        _destination = [.. scenario.Agents.Select(agent => agent.Destination)];
        _departure = [.. scenario.Agents.Select(agent => agent.Departure)];

        _neighbour = new int[_cells * Directions.ActionCount];
        _neighbourMask = new byte[_cells];
        _roadPadded = new float[_paddedCells];
        _stateCellOfCell = new int[_cells];
        for (int cell = 0; cell < _cells; cell++)
        {
            int x = cell % _width, y = cell / _width;
            for (int move = 0; move < Directions.ActionCount; move++)
            {
                int target = move == 0 ? cell : RoadGraph.Step(_map, cell, move);
                _neighbour[cell * Directions.ActionCount + move] = target;
                if (target >= 0 && move > 0) _neighbourMask[cell] |= (byte)(1 << move);
            }
            if (_map.IsRoad(cell)) _roadPadded[(y + _radius) * _paddedWidth + x + _radius] = 1f;
            _stateCellOfCell[cell] = (y * config.StateGrid / _height) * config.StateGrid + x * config.StateGrid / _width;
        }

        int slots = _envs * _agents;
        _position = new int[slots];
        _status = new AgentStatus[slots];
        _rewards = new float[slots];
        _terminated = new byte[slots];
        _truncated = new byte[slots];
        _delayed = new byte[slots];
        _alive = new byte[slots];
        _returns = new float[slots];
        _lastReturns = new float[slots];
        _order = new int[_agents];
        _occupancy = new byte[_envs * _cells];
        _occupancyPadded = new float[_envs * _paddedCells];
        _time = new int[_envs];
        _rng = new ulong[_envs];
        _arrivedCount = new int[_envs];
        _liveCount = new int[_envs];
        _delays = new int[_envs];
        _activeSteps = new int[_envs];
        _episodeIndex = new int[_envs];
        _travelTimeSum = new long[_envs];
        _episodeDone = new byte[_envs];
        _lastEpisode = new EpisodeSummary[_envs];
    }

    public Scenario Scenario { get; }
    public EnvConfig Config { get; }
    public bool AutoReset { get; }
    public int EnvCount => _envs;
    public int AgentCount => _agents;
    public int MaxSteps => _maxSteps;

    /// <summary>Floats in the global state of one environment (MAPPO's critic input): per agent 6, the coarse occupancy grid, the time.</summary>
    public static int StateSizeOf(int agents, EnvConfig config) => agents * 6 + config.StateGrid * config.StateGrid + 1;
    public ObservationLayout Layout { get; }
    public int ObservationSize => Layout.Size;
    public int StateSize { get; }

    /// <summary>Rewards of the last step, <c>[E*N]</c>.</summary>
    public ReadOnlySpan<float> Rewards => _rewards;
    /// <summary>1 where the agent arrived in the last step, <c>[E*N]</c>.</summary>
    public ReadOnlySpan<byte> Terminated => _terminated;
    /// <summary>1 where the agent was cut off by the step limit in the last step, <c>[E*N]</c>.</summary>
    public ReadOnlySpan<byte> Truncated => _truncated;
    /// <summary>
    /// 1 where the agent was delayed in the last step, <c>[E*N]</c>: it tried to move into a full cell, or
    /// was due to depart and its origin was full (what <see cref="EpisodeSummary.Congestion"/> counts).
    /// </summary>
    public ReadOnlySpan<byte> Delayed => _delayed;
    /// <summary>1 where the agent was live (waiting or driving) when the last step began, <c>[E*N]</c>.</summary>
    public ReadOnlySpan<byte> AliveBeforeStep => _alive;
    /// <summary>Current status, <c>[E*N]</c> (after an auto-reset: the new episode's).</summary>
    public ReadOnlySpan<AgentStatus> Status => _status;
    /// <summary>Current cell of each agent, -1 off the grid, <c>[E*N]</c>.</summary>
    public ReadOnlySpan<int> Positions => _position;
    /// <summary>Steps taken in each environment's current episode, <c>[E]</c>.</summary>
    public ReadOnlySpan<int> Time => _time;
    /// <summary>1 where the last step ended that environment's episode, <c>[E]</c>.</summary>
    public ReadOnlySpan<byte> EpisodeDone => _episodeDone;
    /// <summary>Per-agent returns of each environment's last finished episode, <c>[E*N]</c>.</summary>
    public ReadOnlySpan<float> LastEpisodeReturns => _lastReturns;
    public EpisodeSummary LastEpisode(int env) => _lastEpisode[env];

    /// <summary>Starts every environment's first episode; environment e's generator is seeded from (seed, e).</summary>
    public void Reset(ulong seed, Span<float> observations)
    {
        CheckObservationBuffer(observations);
        _baseSeed = seed;
        for (int env = 0; env < _envs; env++)
        {
            _episodeIndex[env] = 0;
            ResetEnv(env);
            _episodeDone[env] = 0;
        }
        Array.Clear(_rewards);
        Array.Clear(_terminated);
        Array.Clear(_truncated);
        Array.Clear(_delayed);
        WriteObservations(observations);
    }

    /// <summary>
    /// Applies one action per agent (<c>[E*N]</c>, values of <see cref="Move"/>) to every environment,
    /// then writes observations. Actions of agents that are not driving are ignored.
    /// </summary>
    public void Step(ReadOnlySpan<int> actions, Span<float> observations)
    {
        if (actions.Length != _envs * _agents) throw new ArgumentException($"Expected {_envs * _agents} actions, got {actions.Length}.");
        CheckObservationBuffer(observations);
        for (int env = 0; env < _envs; env++) StepEnv(env, actions.Slice(env * _agents, _agents));
        WriteObservations(observations);
    }

    private void StepEnv(int env, ReadOnlySpan<int> actions)
    {
        int first = env * _agents;
        int time = _time[env];
        Span<int> position = _position.AsSpan(first, _agents);
        Span<AgentStatus> status = _status.AsSpan(first, _agents);
        Span<float> rewards = _rewards.AsSpan(first, _agents);
        Span<byte> terminated = _terminated.AsSpan(first, _agents), truncated = _truncated.AsSpan(first, _agents);
        Span<byte> delayed = _delayed.AsSpan(first, _agents);
        Span<byte> alive = _alive.AsSpan(first, _agents);
        Span<byte> occupancy = _occupancy.AsSpan(env * _cells, _cells);
        _episodeDone[env] = 0;

        if (_liveCount[env] == 0)
        {
            // A finished episode without auto-reset: nothing moves.
            rewards.Clear(); terminated.Clear(); truncated.Clear(); alive.Clear(); delayed.Clear();
            return;
        }

        // Departures, in agent order: enter at the origin if it has room, else wait (a delay).
        for (int i = 0; i < _agents; i++)
        {
            terminated[i] = 0;
            truncated[i] = 0;
            delayed[i] = 0;
            rewards[i] = 0f;
            AgentStatus s = status[i];
            alive[i] = (byte)(s <= AgentStatus.Driving ? 1 : 0);
            _order[i] = i;
            if (s != AgentStatus.Waiting || _departure[i] > time) continue;
            int origin = _origin[i];
            if (occupancy[origin] < _capacity)
            {
                status[i] = AgentStatus.Driving;
                position[i] = origin;
                AddOccupancy(env, origin, +1);
                rewards[i] = _stepReward;
                _activeSteps[env]++;
                _order[i] = -1; // entered this step: does not move until the next one
            }
            else
            {
                rewards[i] = _delayReward;
                _activeSteps[env]++;
                _delays[env]++;
                delayed[i] = 1;
            }
        }

        // Moves in a random order drawn from this environment's generator.
        ref ulong rng = ref _rng[env];
        for (int k = _agents - 1; k > 0; k--)
        {
            int j = (int)((NextRandom(ref rng) >> 33) % (ulong)(k + 1));
            (_order[k], _order[j]) = (_order[j], _order[k]);
        }
        for (int k = 0; k < _agents; k++)
        {
            int i = _order[k];
            if (i < 0 || status[i] != AgentStatus.Driving) continue;
            rewards[i] += _stepReward;
            _activeSteps[env]++;
            int action = actions[i];
            if ((uint)action >= Directions.ActionCount || action == 0) continue;
            int from = position[i];
            int target = _neighbour[from * Directions.ActionCount + action];
            if (target < 0) continue; // an invalid (masked) move: the vehicle stays
            if (occupancy[target] >= _capacity)
            {
                rewards[i] += _delayReward;
                _delays[env]++;
                delayed[i] = 1;
                continue;
            }
            AddOccupancy(env, from, -1);
            if (target == _destination[i])
            {
                // Arrival: the vehicle leaves the grid at once and frees the cell.
                status[i] = AgentStatus.Arrived;
                position[i] = -1;
                rewards[i] += _arrivalReward;
                terminated[i] = 1;
                _arrivedCount[env]++;
                _liveCount[env]--;
                _travelTimeSum[env] += time + 1 - _departure[i];
            }
            else
            {
                AddOccupancy(env, target, +1);
                position[i] = target;
            }
        }

        time++;
        _time[env] = time;
        Span<float> returns = _returns.AsSpan(first, _agents);
        for (int i = 0; i < _agents; i++) returns[i] += rewards[i];

        bool finished = _liveCount[env] == 0;
        if (!finished && time >= _maxSteps)
        {
            for (int i = 0; i < _agents; i++)
            {
                if (status[i] > AgentStatus.Driving) continue;
                if (status[i] == AgentStatus.Driving) AddOccupancy(env, position[i], -1);
                status[i] = AgentStatus.TimedOut;
                position[i] = -1;
                truncated[i] = 1;
            }
            _liveCount[env] = 0;
            finished = true;
        }
        if (!finished) return;

        _episodeDone[env] = 1;
        float team = 0;
        for (int i = 0; i < _agents; i++) team += returns[i];
        returns.CopyTo(_lastReturns.AsSpan(first, _agents));
        int arrived = _arrivedCount[env];
        _lastEpisode[env] = new EpisodeSummary(
            team, arrived, _agents,
            arrived > 0 ? (float)_travelTimeSum[env] / arrived : float.NaN,
            _activeSteps[env] > 0 ? (float)_delays[env] / _activeSteps[env] : 0f,
            time);
        if (AutoReset)
        {
            _episodeIndex[env]++;
            ResetEnv(env);
        }
    }

    private void ResetEnv(int env)
    {
        int first = env * _agents;
        _rng[env] = EpisodeSeed(_baseSeed, env, _episodeIndex[env]);
        _time[env] = 0;
        _arrivedCount[env] = 0;
        _liveCount[env] = _agents;
        _delays[env] = 0;
        _activeSteps[env] = 0;
        _travelTimeSum[env] = 0;
        _position.AsSpan(first, _agents).Fill(-1);
        _status.AsSpan(first, _agents).Fill(AgentStatus.Waiting);
        _returns.AsSpan(first, _agents).Clear();
        _occupancy.AsSpan(env * _cells, _cells).Clear();
        _occupancyPadded.AsSpan(env * _paddedCells, _paddedCells).Clear();
    }

    private static ulong EpisodeSeed(ulong seed, int env, int episode)
    {
        var mix = new SplitMix(seed ^ ((ulong)env << 32) ^ (ulong)episode * 0xD1B54A32D192ED03UL);
        return mix.NextULong();
    }

    private static ulong NextRandom(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private void AddOccupancy(int env, int cell, int delta)
    {
        int count = _occupancy[env * _cells + cell] += (byte)delta;
        int x = cell % _width, y = cell / _width;
        _occupancyPadded[env * _paddedCells + (y + _radius) * _paddedWidth + x + _radius] = count * _inverseCapacity;
    }

    private void CheckObservationBuffer(Span<float> observations)
    {
        if (observations.Length != _envs * _agents * Layout.Size)
            throw new ArgumentException($"The observation buffer must hold [E={_envs}, N={_agents}, {Layout.Size}] = {_envs * _agents * Layout.Size} floats, got {observations.Length}.");
    }

    private void WriteObservations(Span<float> observations)
    {
        int size = Layout.Size, area = _patch * _patch;
        float inverseWidth = _width > 1 ? 1f / (_width - 1) : 0f, inverseHeight = _height > 1 ? 1f / (_height - 1) : 0f;
        float inverseMaxSteps = 1f / _maxSteps;
        for (int env = 0; env < _envs; env++)
        {
            ReadOnlySpan<float> occupancyPadded = _occupancyPadded.AsSpan(env * _paddedCells, _paddedCells);
            float timeFraction = _time[env] * inverseMaxSteps;
            for (int i = 0; i < _agents; i++)
            {
                int slot = env * _agents + i;
                Span<float> obs = observations.Slice(slot * size, size);
                AgentStatus s = _status[slot];
                if (s > AgentStatus.Driving)
                {
                    obs.Clear();
                    obs[Layout.MaskOffset] = 1f; // only Stay
                    continue;
                }
                bool driving = s == AgentStatus.Driving;
                int cell = driving ? _position[slot] : _origin[i];
                int x = cell % _width, y = cell / _width;
                int destination = _destination[i];
                int dx = destination % _width, dy = destination / _width;

                // Road and occupancy patches: K row copies each from the padded grids.
                Span<float> road = obs.Slice(0, area), occupied = obs.Slice(area, area), marker = obs.Slice(2 * area, area);
                for (int row = 0; row < _patch; row++)
                {
                    int source = (y + row) * _paddedWidth + x; // padded coordinates: (y - r + row + r)
                    _roadPadded.AsSpan(source, _patch).CopyTo(road.Slice(row * _patch, _patch));
                    occupancyPadded.Slice(source, _patch).CopyTo(occupied.Slice(row * _patch, _patch));
                }
                if (driving) occupied[_radius * _patch + _radius] -= _inverseCapacity; // others only
                marker.Clear();
                int ox = dx - x + _radius, oy = dy - y + _radius;
                if ((uint)ox < (uint)_patch && (uint)oy < (uint)_patch) marker[oy * _patch + ox] = 1f;

                Span<float> scalars = obs.Slice(Layout.ScalarOffset, ObservationLayout.ScalarCount);
                scalars[0] = x * inverseWidth;
                scalars[1] = y * inverseHeight;
                scalars[2] = dx * inverseWidth;
                scalars[3] = dy * inverseHeight;
                scalars[4] = (dx - x) * inverseWidth;
                scalars[5] = (dy - y) * inverseHeight;
                scalars[6] = timeFraction;
                scalars[7] = driving ? 1f : 0f;

                Span<float> mask = obs.Slice(Layout.MaskOffset, Directions.ActionCount);
                int bits = driving ? _neighbourMask[cell] : 0;
                mask[0] = 1f;
                mask[1] = (bits >> 1) & 1;
                mask[2] = (bits >> 2) & 1;
                mask[3] = (bits >> 3) & 1;
                mask[4] = (bits >> 4) & 1;
            }
        }
    }

    /// <summary>
    /// The global state of environment <paramref name="env"/> for centralized critics:
    /// per agent (x, y, destination x, y, driving, done), a coarse occupancy map, the step fraction.
    /// Decentralized algorithms must not read it.
    /// </summary>
    public void WriteState(int env, Span<float> state)
    {
        if (state.Length != StateSize) throw new ArgumentException($"The state buffer must hold {StateSize} floats, got {state.Length}.");
        state.Clear();
        float inverseWidth = _width > 1 ? 1f / (_width - 1) : 0f, inverseHeight = _height > 1 ? 1f / (_height - 1) : 0f;
        int grid = Config.StateGrid, gridOffset = _agents * 6;
        float cellsPerStateCell = (float)_cells / (grid * grid);
        for (int i = 0; i < _agents; i++)
        {
            int slot = env * _agents + i;
            AgentStatus s = _status[slot];
            int cell = s == AgentStatus.Driving ? _position[slot] : _origin[i];
            state[i * 6 + 0] = cell % _width * inverseWidth;
            state[i * 6 + 1] = cell / _width * inverseHeight;
            state[i * 6 + 2] = _destination[i] % _width * inverseWidth;
            state[i * 6 + 3] = _destination[i] / _width * inverseHeight;
            state[i * 6 + 4] = s == AgentStatus.Driving ? 1f : 0f;
            state[i * 6 + 5] = s > AgentStatus.Driving ? 1f : 0f;
            if (s == AgentStatus.Driving) state[gridOffset + _stateCellOfCell[cell]] += 1f / (_capacity * cellsPerStateCell);
        }
        state[^1] = _time[env] / (float)_maxSteps;
    }
}

/// <summary>Where each part of an agent's observation sits in its row of the buffer.</summary>
public sealed record ObservationLayout(int PatchSize)
{
    public const int Channels = 3;
    public const int ScalarCount = 8;

    /// <summary>Names of the scalars, in order.</summary>
    public static readonly string[] ScalarNames =
        ["x", "y", "destination x", "destination y", "offset x", "offset y", "step fraction", "driving"];

    public int PatchArea => PatchSize * PatchSize;
    public int ScalarOffset => Channels * PatchArea;
    public int MaskOffset => ScalarOffset + ScalarCount;
    public int Size => MaskOffset + Directions.ActionCount;
}
