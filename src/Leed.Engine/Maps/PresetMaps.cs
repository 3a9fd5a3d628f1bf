// The built-in synthetic cities, generated deterministically from a seed.
namespace Leed.Engine.Maps;

/// <summary>A built-in map: its name, size and the seed that generates it.</summary>
public sealed record PresetInfo(string Name, int Size, ulong Seed, string Description);

/// <summary>
/// Synthetic cities: irregular blocks, unbroken arterials, a diagonal expressway drawn as a
/// staircase, and blocked lakes and parks. They are synthetic, not real places, and say so.
/// </summary>
public static class PresetMaps
{
    public const string Small = "synthetic-small";
    public const string Medium = "synthetic-medium";
    public const string Large = "synthetic-large";

    public static IReadOnlyList<PresetInfo> All { get; } =
    [
        new(Small, 16, 16, "Synthetic 16x16 test town: a few irregular blocks and one park. Generated, not a real city."),
        new(Medium, 48, 48, "Synthetic 48x48 city: irregular blocks, arterials, a diagonal expressway, a lake and parks. Generated, not a real city."),
        new(Large, 96, 96, "Synthetic 96x96 city: irregular blocks, arterials, a diagonal expressway, lakes and parks. Generated, not a real city."),
    ];

    public static bool IsPreset(string name) => All.Any(preset => preset.Name == name);

    private static readonly Dictionary<string, CityMap> Cache = [];

    /// <summary>The preset named <paramref name="name"/> (cached; maps are immutable).</summary>
    public static CityMap Get(string name)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(name, out CityMap? map)) return map;
            PresetInfo info = All.FirstOrDefault(preset => preset.Name == name)
                ?? throw new KeyNotFoundException($"No preset named '{name}'. Presets: {string.Join(", ", All.Select(p => p.Name))}.");
            map = Generate(info);
            Cache[name] = map;
            return map;
        }
    }

    public static CityMap Generate(PresetInfo info)
    {
        int size = info.Size;
        var random = new SplitMix(info.Seed * 0x2545F4914F6CDD1DUL + (ulong)size);
        var road = new bool[size * size];

        // Streets at irregular spacing; the border ring is a street too.
        List<int> columns = StreetLines(ref random, size), rows = StreetLines(ref random, size);
        foreach (int x in columns) for (int y = 0; y < size; y++) road[y * size + x] = true;
        foreach (int y in rows) for (int x = 0; x < size; x++) road[y * size + x] = true;

        // Arterials: one column and one row near the middle run unbroken across the city.
        int arterialColumn = columns[columns.Count / 2], arterialRow = rows[rows.Count / 2];

        // Remove some street pieces between crossings so blocks merge irregularly and dead ends appear.
        int removals = size / 4;
        for (int i = 0; i < removals; i++)
        {
            bool vertical = random.Next(2) == 0;
            List<int> lines = vertical ? columns : rows, across = vertical ? rows : columns;
            int line = lines[random.Next(1, lines.Count - 2)];
            if (line == (vertical ? arterialColumn : arterialRow)) continue;
            int k = random.Next(across.Count - 1);
            for (int t = across[k] + 1; t < across[k + 1]; t++)
                road[vertical ? t * size + line : line * size + t] = false;
        }

        // A diagonal expressway from the north-west to the south-east: a staircase of three-cell steps
        // (moves are 4-connected, so a diagonal road is a staircase).
        if (size >= 32)
        {
            int x = 0, y = 0;
            while (x < size && y < size)
            {
                for (int k = 0; k < 3 && x < size; k++) road[y * size + x++] = true;
                x--;
                for (int k = 0; k < 3 && y < size; k++) road[y++ * size + x] = true;
                y--;
                x++;
            }
        }

        // Lakes and parks: blocked ellipses.
        int areas = size < 32 ? 1 : size / 16;
        for (int i = 0; i < areas; i++)
        {
            int cx = random.Next(size / 6, size - size / 6), cy = random.Next(size / 6, size - size / 6);
            int rx = random.Next(2, Math.Max(3, size / 10)), ry = random.Next(2, Math.Max(3, size / 10));
            for (int y = cy - ry; y <= cy + ry; y++)
                for (int x = cx - rx; x <= cx + rx; x++)
                {
                    if ((uint)x >= (uint)size || (uint)y >= (uint)size) continue;
                    double dx = (x - cx) / (double)rx, dy = (y - cy) / (double)ry;
                    if (dx * dx + dy * dy <= 1.0) road[y * size + x] = false;
                }
        }

        MapOps.KeepLargestComponent(road, size, size);
        var settings = new Dictionary<string, string> { ["seed"] = info.Seed.ToString(), ["size"] = size.ToString() };
        return new CityMap(info.Name, size, size, road, new MapSource("preset", info.Description, settings));
    }

    /// <summary>Street positions 0, ..., size-1 with gaps of 3 to 6 cells (smaller towns: 3 to 4).</summary>
    private static List<int> StreetLines(ref SplitMix random, int size)
    {
        var lines = new List<int> { 0 };
        int maxGap = size < 32 ? 4 : 6;
        while (true)
        {
            int next = lines[^1] + random.Next(3, maxGap);
            if (next >= size - 2) break;
            lines.Add(next);
        }
        lines.Add(size - 1);
        return lines;
    }
}
