// Imported maps (and their .scen agents) kept in the store's `maps` collection.
using System.Text.RegularExpressions;
using Leed.Engine.Env;
using Leed.Engine.Storage;
using LiteDB;

namespace Leed.Engine.Maps;

/// <summary>A name is taken by a preset or by a stored map (without overwrite).</summary>
public sealed class MapNameTakenException(string message) : Exception(message);

/// <summary>One stored map as a LiteDB document. Cells are packed 8 to a byte to keep 1024x1024 maps small.</summary>
public sealed class StoredMapDocument
{
    [BsonId] public string Name { get; set; } = "";
    public int Width { get; set; }
    public int Height { get; set; }

    /// <summary>Road bits, row-major, least significant bit first.</summary>
    public byte[] Cells { get; set; } = [];

    public string SourceKind { get; set; } = "";
    public string SourceDescription { get; set; } = "";
    public Dictionary<string, string> Settings { get; set; } = [];

    /// <summary>The .scen agents, or null when the map was imported without one.</summary>
    public List<StoredAgent>? Agents { get; set; }

    public string? ScenarioDescription { get; set; }
}

/// <summary>An agent by coordinates, so the document reads without knowing the row-major layout.</summary>
public sealed class StoredAgent
{
    public int OriginX { get; set; }
    public int OriginY { get; set; }
    public int DestinationX { get; set; }
    public int DestinationY { get; set; }
    public int Departure { get; set; }
}

/// <summary>
/// Save, find, list and delete imported maps. Names are unique ignoring case (LiteDB compares
/// ids that way) and may never be a preset's.
/// </summary>
public sealed partial class MapRepository(ILeedStore store)
{
    public const string CollectionName = "maps";
    public const int MaxNameLength = 64;

    private ILiteCollection<StoredMapDocument> Maps => store.Collection<StoredMapDocument>(CollectionName);

    /// <summary>Why <paramref name="name"/> cannot name a map, or null when it can.</summary>
    public static string? NameProblem(string name) =>
        name.Length is 0 or > MaxNameLength || !NamePattern().IsMatch(name)
            ? $"'{name}' cannot name a map: use 1 to {MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit."
            : null;

    /// <summary>
    /// Stores <paramref name="map"/> (and <paramref name="scenario"/>'s agents) in one transaction.
    /// Throws <see cref="MapNameTakenException"/> when a preset has the name, or a stored map has it and
    /// <paramref name="overwrite"/> is false.
    /// </summary>
    public void Save(CityMap map, Scenario? scenario = null, bool overwrite = false)
    {
        if (NameProblem(map.Name) is string problem) throw new ArgumentException(problem, nameof(map));
        if (scenario is not null && scenario.Map != map) throw new ArgumentException("The scenario belongs to another map.", nameof(scenario));
        if (PresetMaps.All.Any(preset => string.Equals(preset.Name, map.Name, StringComparison.OrdinalIgnoreCase)))
            throw new MapNameTakenException($"'{map.Name}' is the name of a built-in map; choose another name.");

        StoredMapDocument document = ToDocument(map, scenario);
        store.InTransaction(() =>
        {
            if (!overwrite && Maps.FindById(map.Name) is StoredMapDocument existing)
                throw new MapNameTakenException($"A map named '{existing.Name}' is already stored; choose another name or overwrite it.");
            if (overwrite) Maps.Delete(map.Name); // the old id may differ in case
            Maps.Insert(document);
            return 0;
        });
    }

    public bool Exists(string name) => Maps.Exists(Query.EQ("_id", name));

    public CityMap? Find(string name) => Maps.FindById(name) is StoredMapDocument document ? ToMap(document) : null;

    /// <summary>The stored .scen agents of a map, or null when it has none (or no such map).</summary>
    public Scenario? FindScenario(string name)
    {
        if (Maps.FindById(name) is not StoredMapDocument { Agents: not null } document) return null;
        CityMap map = ToMap(document);
        AgentSpec[] agents = [.. document.Agents.Select(agent =>
            new AgentSpec(map.Index(agent.OriginX, agent.OriginY), map.Index(agent.DestinationX, agent.DestinationY), agent.Departure))];
        return new Scenario(map, agents, document.ScenarioDescription ?? "stored agents", ScenarioSource.MapRows(agents.Length));
    }

    /// <summary>Every stored map, by name.</summary>
    public IReadOnlyList<CityMap> List() =>
        [.. Maps.FindAll().Select(ToMap).OrderBy(map => map.Name, StringComparer.Ordinal)];

    /// <summary>Deletes a stored map; false when there was none.</summary>
    public bool Delete(string name) => store.InTransaction(() => Maps.Delete(name));

    private static StoredMapDocument ToDocument(CityMap map, Scenario? scenario)
    {
        ReadOnlySpan<bool> cells = map.Cells;
        var packed = new byte[(cells.Length + 7) / 8];
        for (int i = 0; i < cells.Length; i++) if (cells[i]) packed[i >> 3] |= (byte)(1 << (i & 7));
        return new StoredMapDocument
        {
            Name = map.Name,
            Width = map.Width,
            Height = map.Height,
            Cells = packed,
            SourceKind = map.Source.Kind,
            SourceDescription = map.Source.Description,
            Settings = new Dictionary<string, string>(map.Source.Settings),
            Agents = scenario?.Agents.Select(agent =>
            {
                (int ox, int oy) = map.Coordinates(agent.Origin);
                (int dx, int dy) = map.Coordinates(agent.Destination);
                return new StoredAgent { OriginX = ox, OriginY = oy, DestinationX = dx, DestinationY = dy, Departure = agent.Departure };
            }).ToList(),
            ScenarioDescription = scenario?.Description,
        };
    }

    private static CityMap ToMap(StoredMapDocument document)
    {
        var road = new bool[document.Width * document.Height];
        for (int i = 0; i < road.Length; i++) road[i] = (document.Cells[i >> 3] & (1 << (i & 7))) != 0;
        return new CityMap(document.Name, document.Width, document.Height, road,
            new MapSource(document.SourceKind, document.SourceDescription, document.Settings));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();
}
