// The built-in demonstrator: congestion-aware prioritised planning (space-time A* with a reservation table).
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// Plans agents one after another (earlier departures first, then longer trips). Each agent's
/// route is a space-time A* over (intersection, step): it may wait at an intersection or drive a
/// whole segment, and every cell it would occupy at every step must have room left in a shared
/// reservation table that honours the cell capacity. Routes become the instruction grammar,
/// waits included. No randomness: the same scenario always gives the same set.
/// </summary>
public sealed class PlannerDemonstrator(EnvConfig? config = null) : IDemonstrator
{
    private readonly EnvConfig _config = config ?? new EnvConfig();

    public string Kind => "planner";

    public string Label => DemonstratorFacts.PlannerLabel;

    public Task<DemonstrationSet> GenerateAsync(Scenario scenario, IProgress<DemonstrationProgress>? progress = null, CancellationToken cancellation = default) =>
        Task.FromResult(Generate(scenario, progress, cancellation));

    public DemonstrationSet Generate(Scenario scenario, IProgress<DemonstrationProgress>? progress = null, CancellationToken cancellation = default)
    {
        RoadGraph graph = scenario.Graph;
        CityMap map = scenario.Map;
        int horizon = _config.ResolveMaxSteps(map.Width, map.Height);
        int capacity = _config.CellCapacity;
        var reservations = new byte[(horizon + 2) * map.CellCount]; // [time, cell] vehicles present after step `time`

        int[] order = [.. Enumerable.Range(0, scenario.AgentCount)
            .OrderBy(agent => scenario.Agents[agent].Departure)
            .ThenByDescending(agent => graph.ShortestDistance(scenario.OriginNode(agent), scenario.DestinationNode(agent)))
            .ThenBy(agent => agent)];
        var lists = new IReadOnlyList<Instruction>[scenario.AgentCount];
        int done = 0;
        foreach (int agent in order)
        {
            cancellation.ThrowIfCancellationRequested();
            lists[agent] = PlanAgent(scenario, agent, reservations, horizon, capacity);
            progress?.Report(new DemonstrationProgress(1, ++done, scenario.AgentCount, $"planned Agent_{agent}"));
        }

        var agents = new AgentDemonstration[scenario.AgentCount];
        for (int agent = 0; agent < agents.Length; agent++)
            agents[agent] = AgentDemonstration.From(InstructionValidator.ValidateAgent(scenario, agent, lists[agent], horizon), lists[agent]);
        double validity = agents.Count(agent => agent.Valid) / (double)agents.Length;
        ExecutionResult execution = InstructionExecutor.Execute(scenario, agents, Label, config: _config);
        return new DemonstrationSet(Kind, Label, agents, [new RoundQuality(1, 1.0, validity, execution.ArrivalRate)]);
    }

    private static IReadOnlyList<Instruction> PlanAgent(Scenario scenario, int agent, byte[] reservations, int horizon, int capacity)
    {
        RoadGraph graph = scenario.Graph;
        int cells = scenario.Map.CellCount;
        int origin = scenario.OriginNode(agent), destination = scenario.DestinationNode(agent);
        int originCell = graph.IntersectionCells[origin];
        int[] remaining = graph.DistancesFrom(destination); // the graph is undirected: distances from it are distances to it

        // The vehicle enters at its origin at the end of its departure step, or later if the cell is full.
        int entry = scenario.Agents[agent].Departure + 1;
        while (entry < horizon && reservations[entry * cells + originCell] >= capacity) entry++;

        var parent = new Dictionary<long, long>();
        var frontier = new PriorityQueue<long, int>();
        long Key(int node, int time) => (long)time * graph.IntersectionCount + node;
        long start = Key(origin, entry);
        parent[start] = -1;
        frontier.Enqueue(start, entry + remaining[origin]);
        long goal = -1;
        while (frontier.TryDequeue(out long state, out _))
        {
            int node = (int)(state % graph.IntersectionCount), time = (int)(state / graph.IntersectionCount);
            if (node == destination) { goal = state; break; }
            // Wait one step at this intersection.
            if (time + 1 < horizon && reservations[(time + 1) * cells + graph.IntersectionCells[node]] < capacity)
                TryPush(Key(node, time + 1), state, time + 1 + remaining[node]);
            // Or drive a whole segment to a neighbour, if every cell has room when the vehicle is there.
            foreach (RoadLink link in graph.Links(node))
            {
                Segment segment = graph.SegmentBetween(node, link.Neighbour)!;
                if (segment.Id != link.Segment) continue; // parallel segments: the executor takes the shortest
                int arrival = time + segment.Length;
                if (arrival >= horizon || remaining[link.Neighbour] == int.MaxValue) continue;
                bool free = true, j = false;
                int step = 0;
                foreach (int cell in segment.CellsFrom(node))
                {
                    if (!j) { j = true; continue; } // the starting cell is already ours
                    step++;
                    if (reservations[(time + step) * cells + cell] >= capacity) { free = false; break; }
                }
                if (free) TryPush(Key(link.Neighbour, arrival), state, arrival + remaining[link.Neighbour]);
            }
        }

        void TryPush(long state, long from, int priority)
        {
            if (parent.TryAdd(state, from)) frontier.Enqueue(state, priority);
        }

        if (goal < 0) return InstructionExecutor.ShortestRouteInstructions(scenario, agent); // congestion left no room: free-flow route

        var path = new List<(int Node, int Time)>();
        for (long state = goal; state >= 0; state = parent[state])
            path.Add(((int)(state % graph.IntersectionCount), (int)(state / graph.IntersectionCount)));
        path.Reverse();

        // Reserve every (time, cell) the vehicle occupies; the destination is left at once on arrival.
        for (int time = entry; time <= path[0].Time; time++) reservations[time * cells + originCell]++;
        var instructions = new List<Instruction>();
        int waiting = 0;
        for (int k = 1; k < path.Count; k++)
        {
            (int from, int fromTime) = path[k - 1];
            (int to, int toTime) = path[k];
            if (from == to)
            {
                waiting++;
                reservations[toTime * cells + graph.IntersectionCells[to]]++;
                continue;
            }
            if (waiting > 0) { instructions.Add(new Wait(agent, waiting)); waiting = 0; }
            instructions.Add(new MoveTo(agent, to));
            int step = 0;
            foreach (int cell in graph.SegmentBetween(from, to)!.CellsFrom(from))
            {
                if (step > 0 && !(to == destination && fromTime + step == toTime)) reservations[(fromTime + step) * cells + cell]++;
                step++;
            }
        }
        return instructions;
    }
}
