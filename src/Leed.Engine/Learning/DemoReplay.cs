// The `demo` reference policy: each agent replays its demonstrated actions, holding its place while blocked.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Learning;

/// <summary>
/// Open-loop replay of each agent's demonstrated driving actions, one cursor per environment x
/// agent. A pure time-indexed replay drifts off the route as soon as congestion blocks one move
/// (every later move is then applied one cell early), so the cursor advances only when the
/// previous action took effect: a Stay, a move that changed the cell, or an arrival. A blocked
/// move is simply retried, which keeps the vehicle on its demonstrated route. When the sequence
/// runs out the agent stays. Agents without a valid demonstration stay at their origin.
/// </summary>
public sealed class DemoReplay
{
    private readonly int[][] _sequences; // [N][steps] demonstrated actions while driving
    private readonly int[] _cursor;      // [E*N]
    private readonly int[] _chosen;      // [E*N] the action chosen in the last Choose
    private readonly int[] _cellBefore;  // [E*N]
    private readonly bool[] _wasDriving; // [E*N]
    private readonly int _agents;

    public DemoReplay(int[][] sequences, int envs)
    {
        _sequences = sequences;
        _agents = sequences.Length;
        _cursor = new int[envs * _agents];
        _chosen = new int[envs * _agents];
        _cellBefore = new int[envs * _agents];
        _wasDriving = new bool[envs * _agents];
    }

    /// <summary>Writes every agent's next demonstrated action (Stay when not driving or out of actions).</summary>
    public void Choose(ReadOnlySpan<AgentStatus> status, ReadOnlySpan<int> positions, Span<int> actions)
    {
        for (int slot = 0; slot < actions.Length; slot++)
        {
            int[] sequence = _sequences[slot % _agents];
            bool driving = status[slot] == AgentStatus.Driving;
            int action = driving && _cursor[slot] < sequence.Length ? sequence[_cursor[slot]] : (int)Move.Stay;
            actions[slot] = action;
            _chosen[slot] = action;
            _wasDriving[slot] = driving;
            _cellBefore[slot] = positions[slot];
        }
    }

    /// <summary>Advances the cursors of the actions that took effect in the step just taken.</summary>
    public void Observe(ReadOnlySpan<int> positions, ReadOnlySpan<byte> terminated, ReadOnlySpan<byte> episodeDone)
    {
        for (int slot = 0; slot < _cursor.Length; slot++)
        {
            if (episodeDone[slot / _agents] != 0)
            {
                _cursor[slot] = 0;
                continue;
            }
            if (!_wasDriving[slot]) continue;
            bool tookEffect = _chosen[slot] == (int)Move.Stay || terminated[slot] != 0 || positions[slot] != _cellBefore[slot];
            if (tookEffect) _cursor[slot]++;
        }
    }

    public void Reset() => Array.Clear(_cursor);
}
