// The one rule that picks the scenario a command, a page or a run means: the map's own agents (its .scen) or a generated scenario.
using Leed.Engine.Maps;

namespace Leed.Engine.Env;

/// <summary>
/// How a number of agents and a scenario seed choose a scenario on a map. On a map imported with
/// its own agents (a <c>.scen</c>), those agents are used: all of them, or the first N rows with
/// an agent count of N (more than it has is refused, never filled up with generated agents);
/// only a scenario seed asks for a generated scenario there instead. On any other map the scenario
/// is generated (defaults: 20 agents, seed 1).
/// </summary>
public static class ScenarioResolver
{
    public const int DefaultAgents = 20;
    public const int DefaultSeed = 1;

    /// <summary>Where the agents of <paramref name="map"/> come from for these options, without making them.</summary>
    /// <exception cref="ScenarioException">More agents than the map's own scenario has.</exception>
    public static ScenarioSource Choose(MapCatalog catalog, CityMap map, int? agents, int? seed)
    {
        if (seed is null && catalog.FindScenario(map.Name) is { } own)
        {
            if (agents is int count && count > own.AgentCount)
                throw new ScenarioException($"'{map.Name}' has {own.AgentCount} agents of its own (from its .scen), and --agents {count} asks for more. " +
                    $"Ask for at most {own.AgentCount} (the first rows of its .scen), or give a scenario seed for a generated scenario of {count} agents.");
            return ScenarioSource.MapRows(agents ?? own.AgentCount);
        }
        return ScenarioSource.Generated(agents ?? DefaultAgents, seed ?? DefaultSeed);
    }

    /// <summary>The scenario <paramref name="source"/> names on <paramref name="map"/>.</summary>
    /// <exception cref="ScenarioException">The map has no own agents, or fewer than asked; or the source is custom.</exception>
    public static Scenario Build(MapCatalog? catalog, CityMap map, ScenarioSource source)
    {
        switch (source.Kind)
        {
            case ScenarioKind.Generated:
                return ScenarioGenerator.Generate(map, source.Agents, source.Seed ?? DefaultSeed);
            case ScenarioKind.Map:
                Scenario own = catalog?.FindScenario(map.Name)
                    ?? throw new ScenarioException($"'{map.Name}' has no agents of its own (it was imported without a .scen): give a number of agents for a generated scenario.");
                if (source.Agents > own.AgentCount || source.Agents < 1)
                    throw new ScenarioException($"'{map.Name}' has {own.AgentCount} agents of its own (from its .scen); {source.Agents} were asked for.");
                return source.Agents == own.AgentCount
                    ? own
                    : new Scenario(map, [.. own.Agents.Take(source.Agents)], $"{own.Description}; its first {source.Agents}", source);
            default:
                throw new ScenarioException($"A custom scenario ({source.Describe()}) cannot be made again from its description; it must be given agent by agent.");
        }
    }

    /// <summary><see cref="Choose"/> then <see cref="Build"/>, with the sentence that says which scenario was chosen.</summary>
    public static (Scenario Scenario, string Notice) Resolve(MapCatalog catalog, CityMap map, int? agents, int? seed)
    {
        ScenarioSource source = Choose(catalog, map, agents, seed);
        return (Build(catalog, map, source), Notice(catalog, map, source));
    }

    /// <summary>
    /// A recorded scenario (a set's, an instruction file's header), used as recorded: explicit options
    /// that disagree with it are refused with a message naming both scenarios, never followed.
    /// </summary>
    /// <param name="recordedIn">Where it was recorded, e.g. "h.txt" or "set 3 v1".</param>
    /// <exception cref="ScenarioException">The options disagree, or the map changed since (its content hash differs).</exception>
    /// <exception cref="MapNotFoundException">The recorded map is not in the catalogue.</exception>
    public static Scenario Recorded(ScenarioIdentity recorded, string recordedIn, MapCatalog catalog, string? map, int? agents, int? seed,
        string? description = null)
    {
        if (recorded.Disagreement(recordedIn, map, agents, seed, () => Asked(catalog, map ?? recorded.Map, agents, seed)) is string problem)
            throw new ScenarioException(problem);
        return recorded.On(catalog.Require(recorded.Map), recordedIn, description);
    }

    /// <summary>What the options alone would choose, described for a message.</summary>
    private static string Asked(MapCatalog catalog, string mapName, int? agents, int? seed)
    {
        if (catalog.Find(mapName) is not { } map) return $"map '{mapName}'";
        try
        {
            return $"'{map.Name}' ({Choose(catalog, map, agents, seed).Describe()})";
        }
        catch (ScenarioException)
        {
            return $"'{map.Name}' with {agents} agents";
        }
    }

    /// <summary>"using the map's 8 agents from its .scen", "using the first 5 of the map's 8 agents from its .scen", "using a generated scenario: seed 1, 20 agents".</summary>
    public static string Notice(MapCatalog catalog, CityMap map, ScenarioSource source)
    {
        if (source.Kind != ScenarioKind.Map) return $"using a generated scenario on '{map.Name}': seed {source.Seed}, {source.Agents} agents";
        int own = catalog.FindScenario(map.Name)?.AgentCount ?? source.Agents;
        return source.Agents == own
            ? $"using the map's {own} agents from its .scen"
            : $"using the first {source.Agents} of the map's {own} agents from its .scen";
    }
}
