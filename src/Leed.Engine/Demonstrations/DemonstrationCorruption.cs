// Corrupting a share of a set's demonstrations on purpose (longer detours, long waits, dropped agents), to measure how learning copes with bad experts.
using System.Globalization;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Demonstrations;

/// <summary>How a chosen agent's demonstration is spoiled.</summary>
public enum CorruptionKind
{
    /// <summary>A valid route to the destination through a random intermediate intersection: longer, still valid, arriving within the episode.</summary>
    Detour,
    /// <summary>The agent's own valid route with one long wait inserted before its last move, still arriving within the episode.</summary>
    Wait,
    /// <summary>The agent has no demonstration at all.</summary>
    Drop,
}

/// <summary>What happened to one changed agent, in words for the agents table.</summary>
public sealed record CorruptedAgent(int Agent, IReadOnlyList<Instruction> Instructions, string Description);

/// <summary>The result of corrupting a set: which agents changed and how, out of how many that could have been chosen.</summary>
public sealed record CorruptionOutcome(CorruptionKind Kind, double Fraction, int Seed, int Candidates, IReadOnlyList<CorruptedAgent> Changed);

/// <summary>A corruption that cannot be done as asked (bad fraction, too few agents that can take a detour); the message says why.</summary>
public sealed class CorruptionException(string message) : ArgumentException(message);

/// <summary>
/// Chooses <c>round(F x N)</c> of the N agents whose demonstration is valid in the episode (drawn
/// with the seed, so the same seed chooses the same agents) and spoils each as its
/// <see cref="CorruptionKind"/> says. An agent that cannot be spoiled that way (no intersection
/// gives a longer route that still arrives, or no time left for a wait) is passed over for the
/// next one drawn, so exactly the requested number change, or the operation is refused.
/// </summary>
public static class DemonstrationCorruption
{
    public static string Name(this CorruptionKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Reads <c>detour</c>, <c>wait</c> or <c>drop</c>; a <see cref="FormatException"/> lists them otherwise.</summary>
    public static CorruptionKind Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "detour" => CorruptionKind.Detour,
        "wait" => CorruptionKind.Wait,
        "drop" => CorruptionKind.Drop,
        _ => throw new FormatException($"Unknown corruption kind '{text}'. Expected detour, wait or drop."),
    };

    /// <summary>How many of <paramref name="candidates"/> agents a fraction changes: <c>round(F x N)</c>, halves rounded up.</summary>
    public static int ChangedCount(double fraction, int candidates) => (int)Math.Round(fraction * candidates, MidpointRounding.AwayFromZero);

    /// <param name="agents">The set's agents, in agent order, with their instructions and stored validity.</param>
    /// <param name="maxSteps">The episode's length: every kept or new list must arrive within it.</param>
    public static CorruptionOutcome Apply(Scenario scenario, IReadOnlyList<AgentDemonstration> agents, CorruptionKind kind, double fraction, int seed, int maxSteps)
    {
        if (!(fraction is >= 0 and <= 1)) throw new CorruptionException($"The fraction must be between 0 and 1, got {fraction.ToString(CultureInfo.InvariantCulture)}.");
        int[] candidates = [.. agents.Where(agent => agent.Valid && InstructionValidator.ValidateAgent(scenario, agent.Agent, agent.Instructions, maxSteps).Valid)
            .Select(agent => agent.Agent)];
        int wanted = ChangedCount(fraction, candidates.Length);

        // A seeded shuffle of the candidates (Fisher-Yates), then the first `wanted` that can be spoiled.
        var random = new SplitMix((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + 0xC0FFEE);
        int[] order = [.. candidates];
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var changed = new List<CorruptedAgent>(wanted);
        foreach (int agent in order)
        {
            if (changed.Count == wanted) break;
            CorruptedAgent? spoiled = kind switch
            {
                CorruptionKind.Drop => new CorruptedAgent(agent, [], "dropped: no demonstration"),
                CorruptionKind.Detour => Detour(scenario, agent, agents[agent].Instructions, maxSteps, ref random),
                _ => InsertWait(scenario, agent, agents[agent].Instructions, maxSteps, ref random),
            };
            if (spoiled is not null) changed.Add(spoiled);
        }
        if (changed.Count < wanted)
        {
            throw new CorruptionException(
                $"Only {changed.Count} of the {candidates.Length} agents with a valid demonstration can take a {kind.Name()} that still arrives within the " +
                $"{maxSteps}-step episode; {wanted} were asked for ({fraction.ToString("0.###", CultureInfo.InvariantCulture)} x {candidates.Length}). Choose a smaller fraction.");
        }
        changed.Sort((a, b) => a.Agent.CompareTo(b.Agent));
        return new CorruptionOutcome(kind, fraction, seed, candidates.Length, changed);
    }

    /// <summary>
    /// Shortest routes origin -> m -> destination through an intersection m drawn among those whose
    /// detour is longer than the agent's own list and still fits its time in the episode, and
    /// whose first leg does not pass the destination (the vehicle would arrive there and stop).
    /// </summary>
    private static CorruptedAgent? Detour(Scenario scenario, int agent, IReadOnlyList<Instruction> own, int maxSteps, ref SplitMix random)
    {
        RoadGraph graph = scenario.Graph;
        int origin = scenario.OriginNode(agent), destination = scenario.DestinationNode(agent);
        long allowance = maxSteps - 1L - scenario.Agents[agent].Departure;
        int ownLength = RouteLength(graph, origin, own);
        int[] fromOrigin = graph.DistancesFrom(origin), toDestination = graph.DistancesFrom(destination);
        var through = new List<int>();
        for (int node = 0; node < graph.IntersectionCount; node++)
        {
            if (node == origin || node == destination || fromOrigin[node] == int.MaxValue || toDestination[node] == int.MaxValue) continue;
            long length = (long)fromOrigin[node] + toDestination[node];
            if (length > ownLength && length <= allowance) through.Add(node);
        }
        // Bounded by the graph: each candidate is tried at most once, in a seeded order.
        while (through.Count > 0)
        {
            int pick = random.Next(through.Count);
            int middle = through[pick];
            through[pick] = through[^1];
            through.RemoveAt(through.Count - 1);
            IReadOnlyList<int>? first = graph.ShortestRoute(origin, middle), second = graph.ShortestRoute(middle, destination);
            if (first is null || second is null || first.Contains(destination)) continue;
            Instruction[] list = [.. first.Skip(1).Concat(second.Skip(1)).Select(node => (Instruction)new MoveTo(agent, node))];
            if (!InstructionValidator.ValidateAgent(scenario, agent, list, maxSteps).Valid) continue;
            return new CorruptedAgent(agent, list, $"detour through Intersection_{middle}: {RouteLength(graph, origin, list)} cells instead of {ownLength}");
        }
        return null;
    }

    /// <summary>The agent's own list with a wait of half its spare time (at least one step) before a move drawn at random.</summary>
    private static CorruptedAgent? InsertWait(Scenario scenario, int agent, IReadOnlyList<Instruction> own, int maxSteps, ref SplitMix random)
    {
        AgentValidation validation = InstructionValidator.ValidateAgent(scenario, agent, own, maxSteps);
        long spare = maxSteps - 1L - scenario.Agents[agent].Departure - validation.ExpectedTravelTime;
        int[] moves = [.. own.Select((instruction, index) => (instruction, index)).Where(pair => pair.instruction is MoveTo).Select(pair => pair.index)];
        if (spare < 1 || moves.Length == 0) return null;
        int steps = (int)Math.Max(1, spare / 2);
        int at = moves[random.Next(moves.Length)];
        var list = new List<Instruction>(own);
        list.Insert(at, new Wait(agent, steps));
        if (!InstructionValidator.ValidateAgent(scenario, agent, list, maxSteps).Valid) return null;
        return new CorruptedAgent(agent, list, $"waits {steps} steps before instruction {at}");
    }

    /// <summary>Cells driven by a list's moves (waits not counted), following it from the origin as far as it is adjacent.</summary>
    private static int RouteLength(RoadGraph graph, int origin, IReadOnlyList<Instruction> list)
    {
        int current = origin, length = 0;
        foreach (Instruction instruction in list)
        {
            if (instruction is not MoveTo move || graph.SegmentBetween(current, move.Intersection) is not { } segment) continue;
            length += segment.Length;
            current = move.Intersection;
        }
        return length;
    }
}
