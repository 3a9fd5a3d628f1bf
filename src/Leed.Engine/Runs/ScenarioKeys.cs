// A short, stable name for a scenario (its map and its agents), so that runs and episodes on the same scenario can be recognised.
using System.Buffers.Binary;
using System.Security.Cryptography;
using Leed.Engine.Env;

namespace Leed.Engine.Runs;

/// <summary>
/// Two runs can be replayed side by side only when their agents are the same vehicles on the same
/// roads. The key says so without storing the scenario again: the map's name, size and agent count
/// (readable), then a hash of the map's cells and of every agent's origin, destination and departure.
/// </summary>
public static class ScenarioKeys
{
    /// <summary>For example <c>synthetic-small 24x24 n4 5f0c2a9e13b7d406</c>.</summary>
    public static string Of(Scenario scenario)
    {
        var map = scenario.Map;
        var bytes = new byte[map.CellCount + scenario.AgentCount * 3 * sizeof(int)];
        ReadOnlySpan<bool> cells = map.Cells;
        for (int cell = 0; cell < cells.Length; cell++) bytes[cell] = cells[cell] ? (byte)1 : (byte)0;
        Span<byte> agents = bytes.AsSpan(map.CellCount);
        for (int i = 0; i < scenario.AgentCount; i++)
        {
            AgentSpec agent = scenario.Agents[i];
            BinaryPrimitives.WriteInt32LittleEndian(agents[(12 * i)..], agent.Origin);
            BinaryPrimitives.WriteInt32LittleEndian(agents[(12 * i + 4)..], agent.Destination);
            BinaryPrimitives.WriteInt32LittleEndian(agents[(12 * i + 8)..], agent.Departure);
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8));
        return $"{map.Name} {map.Width}x{map.Height} n{scenario.AgentCount} {hash}";
    }
}
