// A finished run's whole metric series in one compressed, column-per-metric document: what Compare and the Live page read back quickly.
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Leed.Engine.Runs;

/// <summary>
/// The metric rows of a run (one document per iteration, appended as it trains, the record of truth)
/// read back one document at a time cost about 50 µs each on a busy machine: a Compare of 20 runs of
/// 10,000 iterations would wait seconds. Once a run has stopped, its rows are also kept here as
/// columns (iterations, global steps, wall seconds, then one column per metric, NaN where a row lacks
/// it), deflated, in one document per run, valid while the run's last iteration is
/// <see cref="LastIteration"/> (a continued run appends rows and the columns are built again).
/// </summary>
public sealed class StoredSeries
{
    /// <summary>The run's id: one document per run.</summary>
    public string Id { get; set; } = "";
    public int Rows { get; set; }
    public int LastIteration { get; set; }
    public string[] Names { get; set; } = [];
    /// <summary>Deflated little-endian columns: int32 iterations, int64 global steps, float64 wall seconds, then one float64 column per name.</summary>
    public byte[] Columns { get; set; } = [];

    public static StoredSeries From(string runId, IReadOnlyList<MetricRecord> rows)
    {
        string[] names = [.. rows.SelectMany(row => row.Values.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        int count = rows.Count;
        var iterations = new int[count];
        var steps = new long[count];
        var wall = new double[count];
        var values = new double[names.Length * count];
        Array.Fill(values, double.NaN);
        var column = names.Select((name, index) => (name, index)).ToDictionary(pair => pair.name, pair => pair.index, StringComparer.Ordinal);
        for (int row = 0; row < count; row++)
        {
            MetricRecord record = rows[row];
            (iterations[row], steps[row], wall[row]) = (record.Iteration, record.GlobalStep, record.WallSeconds);
            foreach ((string name, double value) in record.Values) values[column[name] * count + row] = value;
        }
        using var raw = new MemoryStream();
        using (var deflate = new DeflateStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(MemoryMarshal.AsBytes(iterations.AsSpan()));
            deflate.Write(MemoryMarshal.AsBytes(steps.AsSpan()));
            deflate.Write(MemoryMarshal.AsBytes(wall.AsSpan()));
            deflate.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return new StoredSeries
        {
            Id = runId, Rows = count, LastIteration = count == 0 ? 0 : rows[^1].Iteration, Names = names, Columns = raw.ToArray(),
        };
    }

    public IReadOnlyList<MetricRecord> ToRecords()
    {
        int count = Rows;
        var iterations = new int[count];
        var steps = new long[count];
        var wall = new double[count];
        var values = new double[Names.Length * count];
        using (var inflate = new DeflateStream(new MemoryStream(Columns), CompressionMode.Decompress))
        {
            inflate.ReadExactly(MemoryMarshal.AsBytes(iterations.AsSpan()));
            inflate.ReadExactly(MemoryMarshal.AsBytes(steps.AsSpan()));
            inflate.ReadExactly(MemoryMarshal.AsBytes(wall.AsSpan()));
            inflate.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        // Rows are views into the columns rather than a dictionary each: 10,000 rows of 50 metrics are 10,000 small objects, not 500,000 entries.
        var columnOf = new Dictionary<string, int>(Names.Length, StringComparer.Ordinal);
        for (int name = 0; name < Names.Length; name++) columnOf[Names[name]] = name;
        var records = new MetricRecord[count];
        for (int row = 0; row < count; row++)
            records[row] = new MetricRecord(iterations[row], steps[row], wall[row], new ColumnRow(Names, columnOf, values, count, row));
        return records;
    }

    /// <summary>One row of the columns as a read-only dictionary of the metrics it has (NaN cells are absent).</summary>
    private sealed class ColumnRow(string[] names, Dictionary<string, int> columnOf, double[] values, int rows, int row) : IReadOnlyDictionary<string, double>
    {
        private double At(int column) => values[column * rows + row];

        public bool TryGetValue(string key, out double value)
        {
            value = columnOf.TryGetValue(key, out int column) ? At(column) : double.NaN;
            return !double.IsNaN(value);
        }

        public double this[string key] => TryGetValue(key, out double value) ? value : throw new KeyNotFoundException($"This row has no metric '{key}'.");
        public bool ContainsKey(string key) => TryGetValue(key, out _);

        public IEnumerable<string> Keys
        {
            get
            {
                for (int column = 0; column < names.Length; column++)
                    if (!double.IsNaN(At(column))) yield return names[column];
            }
        }

        public IEnumerable<double> Values
        {
            get
            {
                for (int column = 0; column < names.Length; column++)
                    if (!double.IsNaN(At(column))) yield return At(column);
            }
        }

        public int Count
        {
            get
            {
                int count = 0;
                for (int column = 0; column < names.Length; column++)
                    if (!double.IsNaN(At(column))) count++;
                return count;
            }
        }

        public IEnumerator<KeyValuePair<string, double>> GetEnumerator()
        {
            for (int column = 0; column < names.Length; column++)
                if (!double.IsNaN(At(column))) yield return new KeyValuePair<string, double>(names[column], At(column));
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
