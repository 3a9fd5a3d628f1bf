// One recorded episode as the store keeps it: per-step positions, statuses and blocked flags, compressed.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Leed.Engine.Runs;

/// <summary>
/// One recorded episode of one run after one iteration, stored compactly. Every array is step-major
/// (agent fastest) and deflated. Positions (cells, -1 off the grid) are written, from
/// <see cref="DeltaFormat"/> on, as each agent's change since the previous step in zigzag
/// variable-length bytes: a vehicle moves one cell or none per step, so most changes are 0, ±1 or
/// ±width and take one or two bytes before deflating. A 100-agent episode of 768 steps on the
/// large preset stores in a few tens of kilobytes.
/// </summary>
public sealed class StoredSnapshot
{
    /// <summary>Positions as raw little-endian 32-bit cells (snapshots stored before <see cref="DeltaFormat"/>).</summary>
    public const int RawFormat = 0;

    /// <summary>Positions as zigzag varint deltas per agent; blocked flags and the scenario key are stored.</summary>
    public const int DeltaFormat = 1;

    /// <summary>"{run id}/{iteration}": one document per run and iteration.</summary>
    public string Id { get; set; } = "";
    public string RunId { get; set; } = "";
    public int Iteration { get; set; }
    public int Agents { get; set; }
    public int Steps { get; set; }
    public int Format { get; set; }
    public byte[] Positions { get; set; } = [];
    public byte[] Statuses { get; set; } = [];
    /// <summary>Blocked flags, deflated; empty when the snapshot has none.</summary>
    public byte[] Blocked { get; set; } = [];
    public int[] Destinations { get; set; } = [];
    public string? Scenario { get; set; }
    /// <summary>The stored arrays' size, what a run's snapshot byte cap counts.</summary>
    public long Bytes { get; set; }
    /// <summary>The thinning stride in force when this snapshot was stored (<see cref="SnapshotThinning"/>); 0 in older snapshots.</summary>
    public int Stride { get; set; }

    public static string IdOf(string runId, int iteration) => $"{runId}/{iteration}";

    public static StoredSnapshot From(string runId, EpisodeSnapshot snapshot)
    {
        int agents = snapshot.Destinations.Length, steps = snapshot.Positions.Count;
        var positions = new MemoryStream(steps * agents * 2);
        var statuses = new byte[steps * agents];
        bool hasBlocked = snapshot.Blocked.Count == steps;
        var blocked = hasBlocked ? new byte[steps * agents] : [];
        int[] previous = new int[agents];
        for (int step = 0; step < steps; step++)
        {
            int[] cells = snapshot.Positions[step];
            for (int agent = 0; agent < agents; agent++)
            {
                WriteVarint(positions, Zigzag(cells[agent] - previous[agent]));
                previous[agent] = cells[agent];
            }
            snapshot.Statuses[step].CopyTo(statuses, step * agents);
            if (hasBlocked) snapshot.Blocked[step].CopyTo(blocked, step * agents);
        }
        var stored = new StoredSnapshot
        {
            Id = IdOf(runId, snapshot.Iteration), RunId = runId, Iteration = snapshot.Iteration, Agents = agents, Steps = steps,
            Format = DeltaFormat, Positions = Deflate(positions.ToArray()), Statuses = Deflate(statuses),
            Blocked = hasBlocked ? Deflate(blocked) : [], Destinations = snapshot.Destinations, Scenario = snapshot.ScenarioKey,
        };
        stored.Bytes = stored.Positions.Length + stored.Statuses.Length + stored.Blocked.Length + stored.Destinations.Length * sizeof(int);
        return stored;
    }

    public EpisodeSnapshot ToSnapshot()
    {
        int count = Steps * Agents;
        int[] cells = Format == RawFormat ? ReadRaw(Inflate(Positions, count * sizeof(int)), count) : ReadDeltas(InflateAll(Positions), Agents, count);
        byte[] statuses = Inflate(Statuses, count);
        byte[]? blocked = Blocked.Length > 0 ? Inflate(Blocked, count) : null;
        var positionSteps = new int[Steps][];
        var statusSteps = new byte[Steps][];
        var blockedSteps = blocked is null ? [] : new byte[Steps][];
        for (int step = 0; step < Steps; step++)
        {
            positionSteps[step] = cells.AsSpan(step * Agents, Agents).ToArray();
            statusSteps[step] = statuses.AsSpan(step * Agents, Agents).ToArray();
            if (blocked is not null) blockedSteps[step] = blocked.AsSpan(step * Agents, Agents).ToArray();
        }
        return new EpisodeSnapshot(Iteration, positionSteps, statusSteps, Destinations) { Blocked = blockedSteps, ScenarioKey = Scenario };
    }

    private static uint Zigzag(int value) => (uint)((value << 1) ^ (value >> 31));

    private static int Unzigzag(uint value) => (int)(value >> 1) ^ -(int)(value & 1);

    private static void WriteVarint(MemoryStream output, uint value)
    {
        while (value >= 0x80)
        {
            output.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        output.WriteByte((byte)value);
    }

    private static int[] ReadDeltas(byte[] bytes, int agents, int count)
    {
        var cells = new int[count];
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            uint value = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (at >= bytes.Length || shift > 28) throw new InvalidDataException($"A stored episode's positions end early or are corrupt (value {i} of {count}).");
                byte next = bytes[at++];
                value |= (uint)(next & 0x7F) << shift;
                if (next < 0x80) break;
            }
            cells[i] = (i >= agents ? cells[i - agents] : 0) + Unzigzag(value);
        }
        return cells;
    }

    private static int[] ReadRaw(byte[] bytes, int count)
    {
        var cells = new int[count];
        for (int i = 0; i < count; i++) cells[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * sizeof(int)));
        return cells;
    }

    private static byte[] Deflate(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal)) deflate.Write(raw);
        return output.ToArray();
    }

    private static byte[] Inflate(byte[] packed, int length)
    {
        var raw = new byte[length];
        using var inflate = new DeflateStream(new MemoryStream(packed), CompressionMode.Decompress);
        inflate.ReadExactly(raw);
        return raw;
    }

    private static byte[] InflateAll(byte[] packed)
    {
        using var inflate = new DeflateStream(new MemoryStream(packed), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        inflate.CopyTo(raw);
        return raw.ToArray();
    }
}
