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

    public CityMap? Find(string name) => PresetMaps.IsPreset(name) ? PresetMaps.Get(name) : Stored.Find(name);

    /// <summary>The agents imported with a map (.scen), or null: presets and maps imported alone have none.</summary>
    public Scenario? FindScenario(string name) => PresetMaps.IsPreset(name) ? null : Stored.FindScenario(name);
}
