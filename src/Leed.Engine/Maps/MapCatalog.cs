// Every map a run can use: the built-in presets and the maps imported into the store.
using Leed.Engine.Env;
using Leed.Engine.Storage;

namespace Leed.Engine.Maps;

/// <summary>Looks maps up by name across the presets (first) and the stored, imported maps.</summary>
public sealed class MapCatalog(ILeedStore store)
{
    public static MapCatalog For(ILeedStore store) => new(store);

    public ILeedStore Store { get; } = store;

    /// <summary>The imported maps.</summary>
    public MapRepository Stored { get; } = new(store);

    /// <summary>The presets, then the stored maps by name.</summary>
    public IReadOnlyList<CityMap> List() => [.. PresetMaps.All.Select(preset => PresetMaps.Get(preset.Name)), .. Stored.List()];

    /// <summary>The map of that name, or null (for callers to whom a missing map is not an error, such as a preview).</summary>
    public CityMap? Find(string name) => PresetMaps.IsPreset(name) ? PresetMaps.Get(name) : Stored.Find(name);

    /// <summary>The map of that name.</summary>
    /// <exception cref="MapNotFoundException">No preset or imported map has that name.</exception>
    public CityMap Require(string name) => Find(name) ?? throw new MapNotFoundException(name);

    /// <summary>The agents imported with a map (.scen), or null: presets and maps imported alone have none.</summary>
    public Scenario? FindScenario(string name) => PresetMaps.IsPreset(name) ? null : Stored.FindScenario(name);
}

/// <summary>
/// A map name that names no preset and no imported map. The one message for it, wherever the name
/// came from (a command line, a form, a stored run or demonstration set), says what to do.
/// </summary>
public sealed class MapNotFoundException(string name) : KeyNotFoundException(
    $"No map named '{name}'. `maps list` or the Maps page shows the map names; import one with `maps import FILE` or on the Maps page.")
{
    public string Name { get; } = name;
}
