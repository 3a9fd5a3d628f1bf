// A city as a grid of Road and Blocked cells, with where it came from.
namespace Leed.Engine.Maps;

/// <summary>Where a map came from, stored with it so results can be traced and reproduced.</summary>
/// <param name="Kind">"preset", "movingai" or "osm".</param>
/// <param name="Description">What a user reads: for presets it says plainly that the city is synthetic.</param>
/// <param name="Settings">How it was made: the preset seed, the file name, the metres per cell.</param>
public sealed record MapSource(string Kind, string Description, IReadOnlyDictionary<string, string> Settings)
{
    public bool IsSynthetic => Kind == "preset";
}

/// <summary>
/// A <c>Width x Height</c> grid; a cell is Road (true) or Blocked. Cells are indexed row-major,
/// <c>index = y * Width + x</c>, with y growing southwards (North is y - 1).
/// </summary>
public sealed class CityMap
{
    private readonly bool[] _road;
    private RoadGraph? _graph;
    private string? _hash;

    public CityMap(string name, int width, int height, bool[] road, MapSource source)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), "A map needs at least one cell.");
        if (road.Length != width * height)
            throw new ArgumentException($"Expected {width * height} cells for {width}x{height}, got {road.Length}.", nameof(road));
        Name = name;
        Width = width;
        Height = height;
        _road = road;
        Source = source;
    }

    public string Name { get; }
    public int Width { get; }
    public int Height { get; }
    public MapSource Source { get; }
    public int CellCount => Width * Height;

    /// <summary>The road layout, row-major; do not modify.</summary>
    public ReadOnlySpan<bool> Cells => _road;

    /// <summary>
    /// The first 16 hex digits of the SHA-256 of the size and the road cells (not the name or the
    /// source): what demonstrations and runs record, so a map changed under the same name is noticed.
    /// </summary>
    public string ContentHash => _hash ??= HashCells();

    private string HashCells()
    {
        var bytes = new byte[8 + (_road.Length + 7) / 8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, Width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), Height);
        for (int i = 0; i < _road.Length; i++) if (_road[i]) bytes[8 + (i >> 3)] |= (byte)(1 << (i & 7));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16];
    }

    /// <summary>The road graph (intersections, segments), derived once.</summary>
    public RoadGraph Graph => _graph ??= RoadGraph.Build(this);

    public int Index(int x, int y) => y * Width + x;

    public (int X, int Y) Coordinates(int cell) => (cell % Width, cell / Width);

    public bool InBounds(int x, int y) => (uint)x < (uint)Width && (uint)y < (uint)Height;

    public bool IsRoad(int x, int y) => InBounds(x, y) && _road[y * Width + x];

    public bool IsRoad(int cell) => _road[cell];

    public int RoadCellCount
    {
        get
        {
            int count = 0;
            foreach (bool road in _road) if (road) count++;
            return count;
        }
    }

    /// <summary>Parses the ASCII form written by <see cref="ToAscii"/> ('.' road, '#' blocked, other marks road).</summary>
    public static CityMap FromAscii(string name, string ascii, MapSource? source = null)
    {
        string[] rows = ascii.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int width = rows[0].Length;
        var road = new bool[width * rows.Length];
        for (int y = 0; y < rows.Length; y++)
        {
            if (rows[y].Length != width) throw new FormatException($"Row {y + 1} has {rows[y].Length} cells, expected {width}.");
            for (int x = 0; x < width; x++) road[y * width + x] = rows[y][x] != '#';
        }
        return new CityMap(name, width, rows.Length, road, source ?? new MapSource("ascii", "hand-drawn test map", new Dictionary<string, string>()));
    }

    /// <summary>'#' blocked, '.' road, '+' intersection (when <paramref name="markIntersections"/>).</summary>
    public string ToAscii(bool markIntersections = true)
    {
        var text = new System.Text.StringBuilder((Width + 1) * Height);
        RoadGraph? graph = markIntersections ? Graph : null;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int cell = Index(x, y);
                text.Append(!_road[cell] ? '#' : graph is not null && graph.IntersectionAt(cell) >= 0 ? '+' : '.');
            }
            text.Append('\n');
        }
        return text.ToString();
    }
}
