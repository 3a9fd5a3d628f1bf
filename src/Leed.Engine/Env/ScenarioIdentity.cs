// What a scenario is, wherever it is recorded (a demonstration set, an instruction file's header, a run): its map, where its agents came from, every agent.
using System.Globalization;
using System.Text.RegularExpressions;
using Leed.Engine.Maps;

namespace Leed.Engine.Env;

/// <summary>Where a scenario's agents come from.</summary>
public enum ScenarioKind
{
    /// <summary>The map's own agents (the rows of the <c>.scen</c> imported with it): the first <see cref="ScenarioSource.Agents"/> of them.</summary>
    Map,

    /// <summary>Drawn by <see cref="ScenarioGenerator"/> from <see cref="ScenarioSource.Seed"/> with the default options.</summary>
    Generated,

    /// <summary>Given agent by agent (by a test, or a generator with options other than the defaults).</summary>
    Custom,
}

/// <summary>How a scenario's agents were chosen: enough to make them again on the same map.</summary>
public sealed partial record ScenarioSource(ScenarioKind Kind, int Agents, int? Seed = null)
{
    public static ScenarioSource MapRows(int agents) => new(ScenarioKind.Map, agents);

    public static ScenarioSource Generated(int agents, int seed) => new(ScenarioKind.Generated, agents, seed);

    public static ScenarioSource Custom(int agents) => new(ScenarioKind.Custom, agents);

    /// <summary>"the map's .scen, first 8 rows", "generated, seed 1, 20 agents", "custom, 3 agents": also the header's syntax.</summary>
    public string Describe() => Kind switch
    {
        ScenarioKind.Map => Invariant($"the map's .scen, first {Agents} rows"),
        ScenarioKind.Generated => Invariant($"generated, seed {Seed}, {Agents} agents"),
        _ => Invariant($"custom, {Agents} agents"),
    };

    /// <summary>Reads what <see cref="Describe"/> writes; null when the text is not one of its forms.</summary>
    public static ScenarioSource? Parse(string text)
    {
        Match match = SourcePattern().Match(text.Trim());
        if (!match.Success) return null;
        int Number(string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
        if (match.Groups["rows"].Success) return MapRows(Number("rows"));
        if (match.Groups["seed"].Success) return Generated(Number("generated"), Number("seed"));
        return Custom(Number("custom"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?:the map's \.scen, first (?<rows>[0-9]{1,6}) rows|generated, seed (?<seed>-?[0-9]{1,10}), (?<generated>[0-9]{1,6}) agents|custom, (?<custom>[0-9]{1,6}) agents)$")]
    private static partial Regex SourcePattern();
}

/// <summary>
/// A scenario's identity: the map's name and content hash (<see cref="CityMap.ContentHash"/>),
/// where the agents came from, and every agent's origin, destination and departure. A
/// demonstration set, an instruction file and a run record it, so what they were made for is
/// never guessed again from options.
/// </summary>
/// <param name="MapHash">Null for sets stored before maps were hashed: the map is then trusted by name.</param>
public sealed record ScenarioIdentity(string Map, string? MapHash, ScenarioSource Source, IReadOnlyList<AgentSpec> Agents)
{
    public static ScenarioIdentity Of(Scenario scenario) => new(scenario.Map.Name, scenario.Map.ContentHash, scenario.Source, scenario.Agents);

    /// <summary>"'sample-town' (the map's .scen, first 8 rows)": how messages name a scenario.</summary>
    public string Describe() => $"'{Map}' ({Source.Describe()})";

    /// <summary>
    /// The scenario on <paramref name="map"/>, which must be the map it was made for: same name and,
    /// when recorded, the same content.
    /// </summary>
    /// <param name="recordedIn">Where the identity was read, for the message (e.g. "h.txt" or "set 3 v1").</param>
    /// <param name="description">The scenario's description (default: its source and where it was recorded).</param>
    /// <exception cref="ScenarioException">The map is another one, or its agents do not fit it.</exception>
    public Scenario On(CityMap map, string recordedIn, string? description = null)
    {
        if (!string.Equals(map.Name, Map, StringComparison.OrdinalIgnoreCase))
            throw new ScenarioException($"{recordedIn} was made for map '{Map}', not '{map.Name}'.");
        if (MapHash is not null && MapHash != map.ContentHash)
            throw new ScenarioException($"{recordedIn} was made for map '{Map}' with content {MapHash}, but the map stored as '{map.Name}' now has content " +
                $"{map.ContentHash} (it was re-imported or changed). Import the map the file was made for again, or make new demonstrations for this one.");
        if (Agents.Any(agent => agent.Origin >= map.CellCount || agent.Destination >= map.CellCount))
            throw new ScenarioException($"{recordedIn}: its agents lie outside map '{map.Name}' ({map.Width}x{map.Height}).");
        try
        {
            return new Scenario(map, Agents, description ?? $"{Source.Describe()} (recorded in {recordedIn})", Source);
        }
        catch (ArgumentException error)
        {
            throw new ScenarioException($"{recordedIn}: its agents do not fit map '{map.Name}': {error.Message}");
        }
    }

    /// <summary>
    /// Why an explicit <c>--map</c>, <c>--agents</c> or scenario seed disagrees with this recorded
    /// scenario, naming both; null when everything given agrees (what is not given always does).
    /// </summary>
    /// <param name="recordedIn">Where the identity was read, e.g. "h.txt" or "set 3 v1".</param>
    /// <param name="asked">What the options alone would choose, described, for the message.</param>
    public string? Disagreement(string recordedIn, string? map, int? agents, int? seed, Func<string> asked)
    {
        bool differs = (map is not null && !string.Equals(map, Map, StringComparison.OrdinalIgnoreCase))
            || (agents is int count && count != Agents.Count)
            || (seed is int s && (Source.Kind != ScenarioKind.Generated || Source.Seed != s));
        return differs
            ? $"{recordedIn} was made for {Describe()}, but the options ask for {asked()}. Leave out --map, --agents and the scenario seed " +
              "to use the recorded scenario, or make demonstrations for the other one."
            : null;
    }

    public const string MapKey = "map", ScenarioKey = "scenario";

    /// <summary>
    /// The header of an instruction file, one <c>#</c> comment line each: the map (name, size, content),
    /// the scenario's source, and every agent by coordinates. <see cref="ScenarioHeader.Read"/> reads it back.
    /// </summary>
    public IEnumerable<string> HeaderLines(CityMap map)
    {
        yield return Invariant($"# {MapKey}: {Map}, {map.Width}x{map.Height} cells, content {MapHash ?? "unknown"}");
        yield return $"# {ScenarioKey}: {Source.Describe()}";
        for (int i = 0; i < Agents.Count; i++)
        {
            AgentSpec agent = Agents[i];
            (int ox, int oy) = map.Coordinates(agent.Origin);
            (int dx, int dy) = map.Coordinates(agent.Destination);
            yield return Invariant($"# {Scenario.AgentName(i)}: origin ({ox},{oy}), destination ({dx},{dy}), departs at step {agent.Departure}");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A scenario that cannot be made or does not match what was asked; the message says which and what to do.</summary>
public sealed class ScenarioException(string message) : ArgumentException(message);

/// <summary>Reads the scenario header of an instruction file (see <see cref="ScenarioIdentity.HeaderLines"/>).</summary>
public static partial class ScenarioHeader
{
    /// <summary>
    /// The identity recorded in the leading <c>#</c> lines of <paramref name="text"/>, or null when they
    /// hold no <c># map:</c> line (a hand-written file). A header that is there but broken is an
    /// error at its line.
    /// </summary>
    /// <param name="fileName">For the located errors, e.g. "h.txt".</param>
    /// <exception cref="ScenarioException">A header line is malformed: file:line and what was expected.</exception>
    public static ScenarioIdentity? Read(string text, string fileName)
    {
        string? map = null, hash = null;
        int width = 0, height = 0;
        ScenarioSource? source = null;
        var agents = new List<(int X0, int Y0, int X1, int Y1, int Departure)>();
        int mapLine = 0;
        string[] lines = text.Split('\n');
        for (int index = 0; index < lines.Length; index++)
        {
            string line = lines[index].TrimEnd('\r');
            // The header is the file's leading comment lines; the first blank or grammar line ends it.
            if (!line.StartsWith('#')) break;
            string body = line[1..].Trim();
            int number = index + 1;
            if (body.StartsWith(ScenarioIdentity.MapKey + ":", StringComparison.Ordinal))
            {
                Match match = MapLine().Match(body);
                if (!match.Success) throw Located(fileName, number, $"expected '# map: NAME, WxH cells, content HASH', got '{line}'");
                (map, mapLine) = (match.Groups["name"].Value, number);
                width = int.Parse(match.Groups["width"].Value, CultureInfo.InvariantCulture);
                height = int.Parse(match.Groups["height"].Value, CultureInfo.InvariantCulture);
                hash = match.Groups["hash"].Value is "unknown" ? null : match.Groups["hash"].Value;
            }
            else if (body.StartsWith(ScenarioIdentity.ScenarioKey + ":", StringComparison.Ordinal))
            {
                source = ScenarioSource.Parse(body[(ScenarioIdentity.ScenarioKey.Length + 1)..])
                    ?? throw Located(fileName, number, "expected '# scenario: the map's .scen, first N rows', '# scenario: generated, seed S, N agents' " +
                        $"or '# scenario: custom, N agents', got '{line}'");
            }
            else if (AgentLine().Match(body) is { Success: true } agent)
            {
                int Number(string group) => int.Parse(agent.Groups[group].Value, CultureInfo.InvariantCulture);
                if (Number("agent") != agents.Count)
                    throw Located(fileName, number, $"expected the line of Agent_{agents.Count} here (agents are listed in order), got Agent_{Number("agent")}");
                if (map is null) throw Located(fileName, number, "the agents' lines must follow the '# map:' line");
                if (Number("ox") >= width || Number("dx") >= width || Number("oy") >= height || Number("dy") >= height)
                    throw Located(fileName, number, Invariant($"Agent_{agents.Count} lies outside the {width}x{height} map"));
                agents.Add((Number("ox"), Number("oy"), Number("dx"), Number("dy"), Number("departure")));
            }
        }
        if (map is null) return null;
        if (source is null) throw Located(fileName, mapLine, "the header names a map but no '# scenario:' line follows");
        if (agents.Count == 0) throw Located(fileName, mapLine, "the header names a map but lists no agents ('# Agent_0: origin (x,y), destination (x,y), departs at step d')");
        if (agents.Count != source.Agents)
            throw Located(fileName, mapLine, Invariant($"the header's scenario has {source.Agents} agents but it lists {agents.Count}"));
        return new ScenarioIdentity(map, hash, source,
            [.. agents.Select(agent => new AgentSpec(agent.Y0 * width + agent.X0, agent.Y1 * width + agent.X1, agent.Departure))]);
    }

    private static ScenarioException Located(string fileName, int line, string message) => new($"{fileName}:{line}: {message}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^map: (?<name>[A-Za-z0-9][A-Za-z0-9._-]*), (?<width>[0-9]{1,4})x(?<height>[0-9]{1,4}) cells, content (?<hash>[0-9a-f]{16}|unknown)$")]
    private static partial Regex MapLine();

    [GeneratedRegex(@"^Agent_(?<agent>[0-9]{1,6}): origin \((?<ox>[0-9]{1,4}),(?<oy>[0-9]{1,4})\), destination \((?<dx>[0-9]{1,4}),(?<dy>[0-9]{1,4})\), departs at step (?<departure>[0-9]{1,6})$")]
    private static partial Regex AgentLine();
}
