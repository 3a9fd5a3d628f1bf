// Picks the scenario a command or page means: a map's own (from a .scen import) or a generated one.
using Leed.Engine.Maps;

namespace Leed.Engine.Env;

public static class ScenarioResolver
{
    public const int DefaultAgents = 20;
    public const int DefaultSeed = 1;

    /// <summary>
    /// The map's stored scenario when it has one and neither <paramref name="agents"/> nor
    /// <paramref name="seed"/> is given; otherwise a generated scenario (defaults: 20 agents, seed 1).
    /// </summary>
    public static (Scenario Scenario, int? Seed) Resolve(MapCatalog catalog, CityMap map, int? agents, int? seed)
    {
        if (agents is null && seed is null && catalog.FindScenario(map.Name) is { } own) return (own, null);
        int chosenSeed = seed ?? DefaultSeed;
        return (ScenarioGenerator.Generate(map, agents ?? DefaultAgents, chosenSeed), chosenSeed);
    }
}
