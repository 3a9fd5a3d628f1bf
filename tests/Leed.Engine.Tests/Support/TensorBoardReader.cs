// Reads TensorBoard event files back for tests, checking every frame's CRCs with a CRC32C computed here (not the exporter's).
using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Leed.Engine.Tests.Support;

/// <summary>One decoded event: its wall time and step, and either a file version or scalar values.</summary>
public sealed record ReadEvent(double WallTime, long Step, string? FileVersion, IReadOnlyList<(string Tag, float Value)> Values);

/// <summary>
/// An independent reader of TFRecord-framed <c>tensorflow.Event</c> records. It verifies each
/// record's length CRC and data CRC, and decodes only the fields TensorBoard's scalars use,
/// refusing anything else, so an exporter that writes a wrong field number or wire type fails.
/// </summary>
public static class TensorBoardReader
{
    public static IReadOnlyList<ReadEvent> Read(byte[] file)
    {
        var events = new List<ReadEvent>();
        int offset = 0;
        while (offset < file.Length)
        {
            if (file.Length - offset < 12) throw new InvalidDataException($"A record header is cut short at byte {offset}.");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(offset));
            uint lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
            if (lengthCrc != Masked(file.AsSpan(offset, 8))) throw new InvalidDataException($"The length CRC of the record at byte {offset} is wrong.");
            if (length > (ulong)(file.Length - offset - 16)) throw new InvalidDataException($"The record at byte {offset} claims {length} bytes; the file is shorter.");
            ReadOnlySpan<byte> data = file.AsSpan(offset + 12, (int)length);
            uint dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 12 + (int)length));
            if (dataCrc != Masked(data)) throw new InvalidDataException($"The data CRC of the record at byte {offset} is wrong.");
            events.Add(DecodeEvent(data));
            offset += 16 + (int)length;
        }
        return events;
    }

    /// <summary>CRC-32C bit by bit (no table), or with the SSE 4.2 instruction where the processor has it.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        if (Sse42.IsSupported)
        {
            foreach (byte value in data) crc = Sse42.Crc32(crc, value);
            return ~crc;
        }
        foreach (byte value in data)
        {
            crc ^= value;
            for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0x82F63B78u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    private static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
    }

    private static ReadEvent DecodeEvent(ReadOnlySpan<byte> data)
    {
        double wallTime = 0;
        long step = 0;
        string? version = null;
        var values = new List<(string, float)>();
        var reader = new ProtoReader(data);
        while (!reader.Done)
        {
            (int field, int wire) = reader.Tag();
            switch (field, wire)
            {
                case (1, 1): wallTime = BitConverter.Int64BitsToDouble((long)reader.Fixed64()); break;
                case (2, 0): step = (long)reader.Varint(); break;
                case (3, 2): version = Encoding.UTF8.GetString(reader.Bytes()); break;
                case (5, 2): values.AddRange(DecodeSummary(reader.Bytes())); break;
                default: throw new InvalidDataException($"Unexpected Event field {field} with wire type {wire}.");
            }
        }
        return new ReadEvent(wallTime, step, version, values);
    }

    private static List<(string, float)> DecodeSummary(ReadOnlySpan<byte> data)
    {
        var values = new List<(string, float)>();
        var reader = new ProtoReader(data);
        while (!reader.Done)
        {
            (int field, int wire) = reader.Tag();
            if ((field, wire) != (1, 2)) throw new InvalidDataException($"Unexpected Summary field {field} with wire type {wire}.");
            var value = new ProtoReader(reader.Bytes());
            string? tag = null;
            float? simple = null;
            while (!value.Done)
            {
                (int f, int w) = value.Tag();
                switch (f, w)
                {
                    case (1, 2): tag = Encoding.UTF8.GetString(value.Bytes()); break;
                    case (2, 5): simple = BitConverter.Int32BitsToSingle((int)value.Fixed32()); break;
                    default: throw new InvalidDataException($"Unexpected Summary.Value field {f} with wire type {w}.");
                }
            }
            values.Add((tag ?? throw new InvalidDataException("A value has no tag."), simple ?? throw new InvalidDataException($"{tag} has no simple_value.")));
        }
        return values;
    }

    private ref struct ProtoReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public readonly bool Done => _at >= _data.Length;

        public (int Field, int Wire) Tag()
        {
            ulong tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte next = _data[_at++];
                value |= (ulong)(next & 0x7F) << shift;
                if (next < 0x80) return value;
            }
        }

        public ulong Fixed64()
        {
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_data[_at..]);
            _at += 8;
            return value;
        }

        public uint Fixed32()
        {
            uint value = BinaryPrimitives.ReadUInt32LittleEndian(_data[_at..]);
            _at += 4;
            return value;
        }

        public ReadOnlySpan<byte> Bytes()
        {
            int length = (int)Varint();
            ReadOnlySpan<byte> bytes = _data.Slice(_at, length);
            _at += length;
            return bytes;
        }
    }
}
