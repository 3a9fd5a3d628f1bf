// A map plus its agents (origin, destination, departure), and seeded generation of them.
using Leed.Engine.Maps;

namespace Leed.Engine.Env;

/// <summary>One vehicle: origin and destination cells, and the step it departs.</summary>
public sealed record AgentSpec(int Origin, int Destination, int Departure);

/// <summary>
/// A map and its agents. Its graph adds origins and destinations that lie inside segments as extra
/// nodes, numbered after the map's intersections in agent order (origin, then destination).
/// </summary>
public sealed class Scenario
{
    private RoadGraph? _graph;

    /// <param name="source">Where the agents came from (default: given by hand, <see cref="ScenarioKind.Custom"/>).</param>
    public Scenario(CityMap map, IReadOnlyList<AgentSpec> agents, string description, ScenarioSource? source = null)
    {
        for (int i = 0; i < agents.Count; i++)
        {
            AgentSpec agent = agents[i];
            if (!map.IsRoad(agent.Origin)) throw new ArgumentException($"Agent_{i}: origin {map.Coordinates(agent.Origin)} is not a road cell.");
            if (!map.IsRoad(agent.Destination)) throw new ArgumentException($"Agent_{i}: destination {map.Coordinates(agent.Destination)} is not a road cell.");
            if (agent.Departure < 0) throw new ArgumentException($"Agent_{i}: departure must be 0 or later, got {agent.Departure}.");
            if (map.Graph.ComponentOf(agent.Origin) != map.Graph.ComponentOf(agent.Destination))
                throw new ArgumentException($"Agent_{i}: destination {map.Coordinates(agent.Destination)} cannot be reached from origin {map.Coordinates(agent.Origin)}.");
        }
        if (source is not null && source.Agents != agents.Count)
            throw new ArgumentException($"The scenario's source says {source.Agents} agents but {agents.Count} were given.", nameof(source));
        Map = map;
        Agents = agents;
        Description = description;
        Source = source ?? ScenarioSource.Custom(agents.Count);
    }

    public CityMap Map { get; }
    public IReadOnlyList<AgentSpec> Agents { get; }
    public int AgentCount => Agents.Count;

    /// <summary>How the scenario was made ("generated, seed 7, min distance 10" or "from file.scen").</summary>
    public string Description { get; }

    /// <summary>Where the agents came from: the map's .scen rows, a generator seed, or by hand.</summary>
    public ScenarioSource Source { get; }

    /// <summary>What sets, instruction files and runs record of this scenario.</summary>
    public ScenarioIdentity Identity => ScenarioIdentity.Of(this);

    /// <summary>The map's graph with the agents' origins and destinations as nodes.</summary>
    public RoadGraph Graph => _graph ??= RoadGraph.Build(Map, [.. Agents.SelectMany(agent => new[] { agent.Origin, agent.Destination })]);

    public int OriginNode(int agent) => Graph.IntersectionAt(Agents[agent].Origin);
    public int DestinationNode(int agent) => Graph.IntersectionAt(Agents[agent].Destination);

    public static string AgentName(int agent) => $"Agent_{agent}";
}

/// <summary>Options for <see cref="ScenarioGenerator"/>.</summary>
public sealed record ScenarioOptions
{
    /// <summary>Minimum shortest-path distance (moves) between an agent's origin and destination; null = a quarter of (Width + Height)/2.</summary>
    public int? MinDistance { get; init; }

    /// <summary>Departures are drawn uniformly from 0 to this step inclusive.</summary>
    public int DepartureWindow { get; init; } = 5;

    /// <summary>Hotspot centres (cells) that attract destinations, e.g. downtown; empty for uniform.</summary>
    public IReadOnlyList<int> Hotspots { get; init; } = [];

    /// <summary>How strongly hotspots attract (0 = uniform): weight = 1 + Strength * exp(-d / radius).</summary>
    public double HotspotStrength { get; init; } = 4;

    /// <summary>Vehicles one cell holds (the environment's <see cref="EnvConfig.CellCapacity"/>): the map holds at most its road cells times this.</summary>
    public int CellCapacity { get; init; } = new EnvConfig().CellCapacity;

    /// <summary>True when every option has its default, so a seed and an agent count alone make the scenario again.</summary>
    public bool IsDefault
    {
        get
        {
            var defaults = new ScenarioOptions();
            return MinDistance == defaults.MinDistance && DepartureWindow == defaults.DepartureWindow && Hotspots.Count == 0
                && HotspotStrength == defaults.HotspotStrength && CellCapacity == defaults.CellCapacity;
        }
    }
}

/// <summary>Seeded origin/destination/departure generation over a map's intersections.</summary>
public static class ScenarioGenerator
{
    public static Scenario Generate(CityMap map, int agents, int seed, ScenarioOptions? options = null)
    {
        options ??= new ScenarioOptions();
        if (agents < 1) throw new ArgumentException($"A scenario needs at least one agent, got {agents}.");
        if (options.DepartureWindow < 0) throw new ArgumentException($"DepartureWindow must be 0 or more steps, got {options.DepartureWindow}.");
        if (options.HotspotStrength < 0) throw new ArgumentException($"HotspotStrength must be 0 or more, got {options.HotspotStrength}.");
        // Bounded before any work: every agent is drawn (and routed) one by one.
        long fits = (long)map.RoadCellCount * options.CellCapacity;
        if (agents > fits)
            throw new ResourceLimitException(agents, fits,
                $"{agents:N0} agents cannot fit on '{map.Name}': its {map.RoadCellCount:N0} road cells hold {options.CellCapacity} vehicles each, " +
                $"{fits:N0} at most. Choose at most {fits:N0} agents, or a larger map.");
        RoadGraph graph = map.Graph;
        var random = new SplitMix((ulong)seed * 0x9E3779B97F4A7C15UL + 0x5EED);

        // Candidates: intersections of the largest component (presets have only one).
        int[] componentSize = new int[graph.ComponentCount];
        for (int cell = 0; cell < map.CellCount; cell++) if (graph.ComponentOf(cell) >= 0) componentSize[graph.ComponentOf(cell)]++;
        int largest = Array.IndexOf(componentSize, componentSize.Max());
        int[] nodes = [.. Enumerable.Range(0, graph.NaturalIntersectionCount)
            .Select(id => graph.IntersectionCells[id]).Where(cell => graph.ComponentOf(cell) == largest)];
        if (nodes.Length < 2) throw new ArgumentException($"Map '{map.Name}' has fewer than two connected intersections.");

        double[] weights = HotspotWeights(map, nodes, options);
        int minDistance = options.MinDistance ?? Math.Max(2, (map.Width + map.Height) / 8);
        var result = new List<AgentSpec>(agents);
        List<(int Origin, double[] Weights)>? farPairs = null;
        for (int i = 0; i < agents; i++)
        {
            AgentSpec? spec = null;
            for (int attempt = 0; attempt < 150 && spec is null; attempt++)
            {
                int origin = nodes[random.Next(nodes.Length)];
                int destination = nodes[Pick(ref random, weights)];
                int[] distance = graph.CellDistancesFrom(origin);
                if (destination != origin && distance[destination] >= minDistance)
                    spec = new AgentSpec(origin, destination, random.Next(0, options.DepartureWindow));
            }
            if (spec is null)
            {
                // The minimum is hard to meet by chance: draw among the pairs that meet it (never
                // shorten the trip, the description promises the minimum).
                farPairs ??= FarPairs(graph, nodes, weights, minDistance, map.Name);
                (int origin, double[] farWeights) = farPairs[random.Next(farPairs.Count)];
                spec = new AgentSpec(origin, nodes[Pick(ref random, farWeights)], random.Next(0, options.DepartureWindow));
            }
            result.Add(spec);
        }
        string hotspots = options.Hotspots.Count > 0 ? $", {options.Hotspots.Count} hotspot(s)" : "";
        // Only the default options can be made again from the seed alone; other options make a custom scenario.
        ScenarioSource source = options.IsDefault ? ScenarioSource.Generated(agents, seed) : ScenarioSource.Custom(agents);
        return new Scenario(map, result, $"generated: seed {seed}, {agents} agents, min distance {minDistance}{hotspots}", source);
    }

    private static double[] HotspotWeights(CityMap map, int[] nodes, ScenarioOptions options)
    {
        var weights = new double[nodes.Length];
        double radius = Math.Max(2, (map.Width + map.Height) / 10.0);
        for (int n = 0; n < nodes.Length; n++)
        {
            (int x, int y) = map.Coordinates(nodes[n]);
            double weight = 1;
            foreach (int hotspot in options.Hotspots)
            {
                (int hx, int hy) = map.Coordinates(hotspot);
                weight += options.HotspotStrength * Math.Exp(-(Math.Abs(x - hx) + Math.Abs(y - hy)) / radius);
            }
            weights[n] = weight;
        }
        return weights;
    }

    /// <summary>Every origin that has a destination at least <paramref name="minDistance"/> away, with only those destinations weighted.</summary>
    private static List<(int Origin, double[] Weights)> FarPairs(RoadGraph graph, int[] nodes, double[] weights, int minDistance, string mapName)
    {
        var pairs = new List<(int, double[])>();
        int longest = 0;
        foreach (int origin in nodes)
        {
            int[] distance = graph.CellDistancesFrom(origin);
            var far = new double[nodes.Length];
            bool any = false;
            for (int n = 0; n < nodes.Length; n++)
            {
                longest = Math.Max(longest, distance[nodes[n]]);
                if (nodes[n] != origin && distance[nodes[n]] >= minDistance) (far[n], any) = (weights[n], true);
            }
            if (any) pairs.Add((origin, far));
        }
        if (pairs.Count == 0)
            throw new ArgumentException($"No two intersections of '{mapName}' are {minDistance} moves apart (the longest trip is {longest} moves); choose a smaller MinDistance.");
        return pairs;
    }

    private static int Pick(ref SplitMix random, double[] weights)
    {
        double total = 0;
        foreach (double weight in weights) total += weight;
        double target = random.NextDouble() * total;
        for (int i = 0; i < weights.Length; i++)
        {
            target -= weights[i];
            if (target < 0) return i;
        }
        // Rounding left a sliver: take the last index that can be drawn at all.
        int last = weights.Length - 1;
        while (last > 0 && weights[last] <= 0) last--;
        return last;
    }
}
