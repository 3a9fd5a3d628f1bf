// The road graph derived from a map: intersections, segments, adjacency, components, distances.
namespace Leed.Engine.Maps;

/// <summary>A chain of degree-2 road cells between two intersections.</summary>
/// <param name="Id">Index in <see cref="RoadGraph.Segments"/>.</param>
/// <param name="A">Intersection at one end (the smaller id).</param>
/// <param name="B">Intersection at the other end.</param>
/// <param name="Cells">Every cell from A's cell to B's cell inclusive, in order.</param>
public sealed record Segment(int Id, int A, int B, int[] Cells)
{
    /// <summary>Moves needed to drive from A to B.</summary>
    public int Length => Cells.Length - 1;

    public int Other(int intersection) => intersection == A ? B : A;

    /// <summary>The cells from <paramref name="from"/>'s cell to the other end's cell.</summary>
    public IEnumerable<int> CellsFrom(int from) => from == A ? Cells : Cells.Reverse();
}

/// <summary>One way out of an intersection: to <paramref name="Neighbour"/> along <paramref name="Segment"/>.</summary>
public readonly record struct RoadLink(int Neighbour, int Segment, int Length);

/// <summary>
/// Intersections are road cells whose road-neighbour count is not 2, or whose two road
/// neighbours are not opposite (corners); they are numbered row-major. Extra nodes (scenario
/// origins and destinations inside segments) are numbered after them and split their segment.
/// </summary>
public sealed class RoadGraph
{
    private readonly int[] _intersectionOfCell;
    private readonly List<RoadLink>[] _links;
    private readonly int[] _componentOfCell;

    private RoadGraph(CityMap map, int[] intersectionCells, int naturalCount, int[] intersectionOfCell,
        List<Segment> segments, List<RoadLink>[] links, int[] componentOfCell, int componentCount)
    {
        Map = map;
        IntersectionCells = intersectionCells;
        NaturalIntersectionCount = naturalCount;
        _intersectionOfCell = intersectionOfCell;
        Segments = segments;
        _links = links;
        _componentOfCell = componentOfCell;
        ComponentCount = componentCount;
    }

    public CityMap Map { get; }

    /// <summary>The cell of every intersection (then every extra node), by id.</summary>
    public IReadOnlyList<int> IntersectionCells { get; }

    /// <summary>How many of the nodes are the map's own intersections (the rest are scenario nodes).</summary>
    public int NaturalIntersectionCount { get; }

    public int IntersectionCount => IntersectionCells.Count;

    public IReadOnlyList<Segment> Segments { get; }

    /// <summary>Connected components of road cells.</summary>
    public int ComponentCount { get; }

    /// <summary>The intersection id at a cell, or -1.</summary>
    public int IntersectionAt(int cell) => _intersectionOfCell[cell];

    /// <summary>Component id of a road cell, or -1 for blocked cells.</summary>
    public int ComponentOf(int cell) => _componentOfCell[cell];

    /// <summary>Adjacent intersections with the segment that joins them.</summary>
    public IReadOnlyList<RoadLink> Links(int intersection) => _links[intersection];

    public bool AreAdjacent(int from, int to)
    {
        foreach (RoadLink link in _links[from]) if (link.Neighbour == to) return true;
        return false;
    }

    /// <summary>The shortest segment from <paramref name="from"/> to adjacent <paramref name="to"/>, or null.</summary>
    public Segment? SegmentBetween(int from, int to)
    {
        Segment? best = null;
        foreach (RoadLink link in _links[from])
            if (link.Neighbour == to && (best is null || link.Length < best.Length)) best = Segments[link.Segment];
        return best;
    }

    public static RoadGraph Build(CityMap map) => Build(map, []);

    /// <summary>Derives the graph; <paramref name="extraNodeCells"/> become nodes after the map's own, in order.</summary>
    public static RoadGraph Build(CityMap map, IReadOnlyList<int> extraNodeCells)
    {
        int width = map.Width, cells = map.CellCount;
        var intersectionOfCell = new int[cells];
        Array.Fill(intersectionOfCell, -1);
        var intersectionCells = new List<int>();
        for (int cell = 0; cell < cells; cell++)
        {
            if (map.IsRoad(cell) && IsNaturalIntersection(map, cell))
            {
                intersectionOfCell[cell] = intersectionCells.Count;
                intersectionCells.Add(cell);
            }
        }
        int natural = intersectionCells.Count;
        foreach (int cell in extraNodeCells)
        {
            if (!map.IsRoad(cell)) throw new ArgumentException($"Scenario node at cell {map.Coordinates(cell)} is not a road cell.");
            if (intersectionOfCell[cell] >= 0) continue; // already a node
            intersectionOfCell[cell] = intersectionCells.Count;
            intersectionCells.Add(cell);
        }

        var segments = new List<Segment>();
        var links = new List<RoadLink>[intersectionCells.Count];
        for (int i = 0; i < links.Length; i++) links[i] = [];
        var chain = new List<int>();
        for (int id = 0; id < intersectionCells.Count; id++)
        {
            int start = intersectionCells[id];
            for (int move = 1; move < Directions.ActionCount; move++)
            {
                int previous = start;
                int current = Step(map, start, move);
                if (current < 0) continue;
                chain.Clear();
                chain.Add(start);
                // Walk the degree-2 chain until the next node; every closed loop has a corner, so this ends.
                while (intersectionOfCell[current] < 0)
                {
                    chain.Add(current);
                    int next = -1;
                    for (int m = 1; m < Directions.ActionCount; m++)
                    {
                        int candidate = Step(map, current, m);
                        if (candidate >= 0 && candidate != previous) { next = candidate; break; }
                    }
                    previous = current;
                    current = next;
                }
                int end = intersectionOfCell[current];
                chain.Add(current);
                // Each segment is walked from both ends; keep it once, from its smaller end.
                // (A segment from a node back to itself cannot happen: a loop has corners.)
                if (end < id) continue;
                var segment = new Segment(segments.Count, id, end, chain.ToArray());
                segments.Add(segment);
                links[id].Add(new RoadLink(end, segment.Id, segment.Length));
                links[end].Add(new RoadLink(id, segment.Id, segment.Length));
            }
        }
        // Links in a stable order: by neighbour id, then length.
        foreach (List<RoadLink> list in links) list.Sort((a, b) => a.Neighbour != b.Neighbour ? a.Neighbour.CompareTo(b.Neighbour) : a.Length.CompareTo(b.Length));

        (int[] componentOfCell, int componentCount) = LabelComponents(map);
        return new RoadGraph(map, intersectionCells.ToArray(), natural, intersectionOfCell, segments, links, componentOfCell, componentCount);
    }

    /// <summary>Breadth-first distances in moves from <paramref name="source"/> to every cell (-1 unreachable).</summary>
    public int[] CellDistancesFrom(int source)
    {
        var distance = new int[Map.CellCount];
        Array.Fill(distance, -1);
        if (!Map.IsRoad(source)) return distance;
        var queue = new Queue<int>();
        distance[source] = 0;
        queue.Enqueue(source);
        while (queue.Count > 0)
        {
            int cell = queue.Dequeue();
            for (int move = 1; move < Directions.ActionCount; move++)
            {
                int next = Step(Map, cell, move);
                if (next >= 0 && distance[next] < 0)
                {
                    distance[next] = distance[cell] + 1;
                    queue.Enqueue(next);
                }
            }
        }
        return distance;
    }

    /// <summary>Dijkstra over the graph: the intersections of a shortest route (inclusive), or null.</summary>
    public IReadOnlyList<int>? ShortestRoute(int from, int to)
    {
        var distance = new int[IntersectionCount];
        var previous = new int[IntersectionCount];
        Array.Fill(distance, int.MaxValue);
        Array.Fill(previous, -1);
        var frontier = new PriorityQueue<int, int>();
        distance[from] = 0;
        frontier.Enqueue(from, 0);
        while (frontier.TryDequeue(out int node, out int cost))
        {
            if (cost > distance[node]) continue;
            if (node == to) break;
            foreach (RoadLink link in _links[node])
            {
                int candidate = cost + link.Length;
                if (candidate < distance[link.Neighbour])
                {
                    distance[link.Neighbour] = candidate;
                    previous[link.Neighbour] = node;
                    frontier.Enqueue(link.Neighbour, candidate);
                }
            }
        }
        if (distance[to] == int.MaxValue) return null;
        var route = new List<int>();
        for (int node = to; node >= 0; node = previous[node]) route.Add(node);
        route.Reverse();
        return route;
    }

    /// <summary>Shortest distance in moves from <paramref name="source"/> to every node (<see cref="int.MaxValue"/> if unreachable).</summary>
    public int[] DistancesFrom(int source)
    {
        var distance = new int[IntersectionCount];
        Array.Fill(distance, int.MaxValue);
        var frontier = new PriorityQueue<int, int>();
        distance[source] = 0;
        frontier.Enqueue(source, 0);
        while (frontier.TryDequeue(out int node, out int cost))
        {
            if (cost > distance[node]) continue;
            foreach (RoadLink link in _links[node])
            {
                int candidate = cost + link.Length;
                if (candidate < distance[link.Neighbour])
                {
                    distance[link.Neighbour] = candidate;
                    frontier.Enqueue(link.Neighbour, candidate);
                }
            }
        }
        return distance;
    }

    /// <summary>Length in moves of a shortest route between two nodes, or -1.</summary>
    public int ShortestDistance(int from, int to)
    {
        IReadOnlyList<int>? route = ShortestRoute(from, to);
        if (route is null) return -1;
        int length = 0;
        for (int i = 1; i < route.Count; i++) length += SegmentBetween(route[i - 1], route[i])!.Length;
        return length;
    }

    /// <summary>The neighbouring road cell in direction <paramref name="move"/>, or -1.</summary>
    public static int Step(CityMap map, int cell, int move)
    {
        int x = cell % map.Width + Directions.Dx[move];
        int y = cell / map.Width + Directions.Dy[move];
        return map.IsRoad(x, y) ? y * map.Width + x : -1;
    }

    private static bool IsNaturalIntersection(CityMap map, int cell)
    {
        int x = cell % map.Width, y = cell / map.Width;
        bool north = map.IsRoad(x, y - 1), south = map.IsRoad(x, y + 1);
        bool east = map.IsRoad(x + 1, y), west = map.IsRoad(x - 1, y);
        int degree = (north ? 1 : 0) + (south ? 1 : 0) + (east ? 1 : 0) + (west ? 1 : 0);
        if (degree != 2) return true;
        return !((north && south) || (east && west)); // a corner
    }

    private static (int[] Components, int Count) LabelComponents(CityMap map)
    {
        var component = new int[map.CellCount];
        Array.Fill(component, -1);
        int count = 0;
        var stack = new Stack<int>();
        for (int seed = 0; seed < map.CellCount; seed++)
        {
            if (!map.IsRoad(seed) || component[seed] >= 0) continue;
            component[seed] = count;
            stack.Push(seed);
            while (stack.Count > 0)
            {
                int cell = stack.Pop();
                for (int move = 1; move < Directions.ActionCount; move++)
                {
                    int next = Step(map, cell, move);
                    if (next >= 0 && component[next] < 0)
                    {
                        component[next] = count;
                        stack.Push(next);
                    }
                }
            }
            count++;
        }
        return (component, count);
    }
}
