// TensorBoard's event file format, written directly: TFRecord framing with masked CRC32C around hand-encoded Event protos.
using System.Buffers.Binary;
using System.Text;

namespace Leed.Engine.Export;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord frames use it, and
/// TFRecord's mask over it. Table-driven and portable; event files are written once per export.
/// </summary>
public static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte value in data) crc = Table[(crc ^ value) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>TFRecord stores CRCs masked (rotated right by 15 bits plus a constant), so CRCs of data that holds CRCs stay well distributed.</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint entry = i;
            for (int bit = 0; bit < 8; bit++) entry = (entry & 1) != 0 ? (entry >> 1) ^ 0x82F63B78u : entry >> 1;
            table[i] = entry;
        }
        return table;
    }
}

/// <summary>
/// Writes TensorBoard event records to a stream. Each record is TFRecord-framed: the data's length
/// (uint64, little-endian), the masked CRC32C of those 8 bytes, the data, the masked CRC32C of the
/// data. The data is a serialised <c>tensorflow.Event</c>: <c>wall_time</c> (field 1, double),
/// <c>step</c> (2, int64), and either <c>file_version</c> (3, string) or <c>summary</c> (5), whose
/// repeated <c>value</c> (1) each carry a <c>tag</c> (1, string) and a <c>simple_value</c> (2, float).
/// Only these fields are written, so the proto encoding is done here by hand (no generated code).
/// </summary>
public sealed class TensorBoardEventWriter(Stream stream)
{
    /// <summary>What every event file starts with.</summary>
    public const string FileVersion = "brain.Event:2";

    private readonly MemoryStream _event = new();
    private readonly MemoryStream _summary = new();
    private readonly MemoryStream _value = new();

    /// <summary>Records written so far.</summary>
    public int Records { get; private set; }

    public void WriteFileVersion(double wallTime)
    {
        _event.SetLength(0);
        WriteTag(_event, 1, WireType.Fixed64);
        WriteDouble(_event, wallTime);
        WriteTag(_event, 3, WireType.LengthDelimited);
        WriteBytes(_event, Encoding.UTF8.GetBytes(FileVersion));
        WriteRecord(_event);
    }

    /// <summary>One event with one summary holding every (tag, value) given.</summary>
    public void WriteScalars(double wallTime, long step, IEnumerable<KeyValuePair<string, float>> values)
    {
        _summary.SetLength(0);
        Span<byte> bits = stackalloc byte[4];
        foreach ((string tag, float value) in values)
        {
            _value.SetLength(0);
            WriteTag(_value, 1, WireType.LengthDelimited);
            WriteBytes(_value, Encoding.UTF8.GetBytes(tag));
            WriteTag(_value, 2, WireType.Fixed32);
            BinaryPrimitives.WriteSingleLittleEndian(bits, value);
            _value.Write(bits);
            WriteTag(_summary, 1, WireType.LengthDelimited);
            WriteBytes(_summary, _value.GetBuffer().AsSpan(0, (int)_value.Length));
        }
        _event.SetLength(0);
        WriteTag(_event, 1, WireType.Fixed64);
        WriteDouble(_event, wallTime);
        WriteTag(_event, 2, WireType.Varint);
        WriteVarint(_event, unchecked((ulong)step));
        WriteTag(_event, 5, WireType.LengthDelimited);
        WriteBytes(_event, _summary.GetBuffer().AsSpan(0, (int)_summary.Length));
        WriteRecord(_event);
    }

    private void WriteRecord(MemoryStream data)
    {
        ReadOnlySpan<byte> bytes = data.GetBuffer().AsSpan(0, (int)data.Length);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)bytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        stream.Write(header);
        stream.Write(bytes);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(bytes));
        stream.Write(footer);
        Records++;
    }

    private enum WireType { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 }

    private static void WriteTag(Stream target, int field, WireType type) => WriteVarint(target, (ulong)((field << 3) | (int)type));

    private static void WriteVarint(Stream target, ulong value)
    {
        while (value >= 0x80)
        {
            target.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        target.WriteByte((byte)value);
    }

    private static void WriteDouble(Stream target, double value)
    {
        Span<byte> bits = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(bits, value);
        target.Write(bits);
    }

    private static void WriteBytes(Stream target, ReadOnlySpan<byte> bytes)
    {
        WriteVarint(target, (ulong)bytes.Length);
        target.Write(bytes);
    }
}
