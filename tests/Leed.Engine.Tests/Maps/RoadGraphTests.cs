// Road-graph derivation on hand-drawn maps: intersections, segments, numbering, components, routes and scenario nodes.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Maps;

public sealed class RoadGraphTests
{
    private static CityMap Map(params string[] rows) => CityMap.FromAscii("test", string.Join('\n', rows));

    /// <summary>Intersection cells as "x,y" in id order, and segments as "a-b:length" in id order.</summary>
    private static (string Intersections, string Segments) Describe(RoadGraph graph) =>
        (string.Join(" ", graph.IntersectionCells.Select(cell => $"{cell % graph.Map.Width},{cell / graph.Map.Width}")),
         string.Join(" ", graph.Segments.Select(segment => $"{segment.A}-{segment.B}:{segment.Length}")));

    public static TheoryData<string, string[], string, string> Shapes => new()
    {
        // A straight road: only its two dead ends are intersections; one segment of 4 moves.
        { "straight", ["....."], "0,0 4,0", "0-1:4" },
        // A corner is an intersection even with two road neighbours.
        { "corner", ["...", ".##", ".##"], "0,0 2,0 0,2", "0-1:2 0-2:2" },
        // T junction, numbered row-major: (0,0) (2,0) (4,0) then (2,2).
        { "tee", [".....", "##.##", "##.##"], "0,0 2,0 4,0 2,2", "0-1:2 1-2:2 1-3:2" },
        // X junction with arms of 1 and 2 cells.
        { "cross", ["##.##", "##.##", ".....", "##.##"], "2,0 0,2 2,2 4,2 2,3", "0-2:2 1-2:2 2-3:2 2-4:1" },
        // A ring is split at its four corners: two routes between opposite corners, four segments.
        { "ring", ["....", ".##.", "...."], "0,0 3,0 0,2 3,2", "0-1:3 0-2:2 1-3:2 2-3:3" },
        // Two lanes side by side: every cell has three road neighbours or is a corner.
        { "wide", ["...", "..."], "0,0 1,0 2,0 0,1 1,1 2,1", "0-1:1 0-3:1 1-2:1 1-4:1 2-5:1 3-4:1 4-5:1" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Build_HandDrawnShape_FindsTheExpectedIntersectionsAndSegments(string name, string[] rows, string intersections, string segments)
    {
        RoadGraph graph = Map(rows).Graph;

        (string foundIntersections, string foundSegments) = Describe(graph);
        Assert.True((intersections, segments) == (foundIntersections, foundSegments),
            $"{name}: expected intersections [{intersections}] and segments [{segments}], found [{foundIntersections}] and [{foundSegments}].");
    }

    [Theory]
    [InlineData(new[] { "....." }, 5, 2, 1, 1)]
    [InlineData(new[] { ".#.", "###", "..." }, 5, 4, 1, 3)]           // two isolated cells and a short road
    [InlineData(new[] { "....", ".##.", "....", "#..#" }, 12, 8, 9, 1)]   // a ring with a small loop hanging below
    [InlineData(new[] { "..#..", "..#..", "#####", "....." }, 13, 10, 9, 3)] // two 2x2 squares of corners and a road
    public void Statistics_CountRoadCellsIntersectionsSegmentsAndComponents(string[] rows, int roads, int intersections, int segments, int components)
    {
        CityMap map = Map(rows);

        Assert.Equal((roads, intersections, segments, components),
            (map.RoadCellCount, map.Graph.IntersectionCount, map.Graph.Segments.Count, map.Graph.ComponentCount));
    }

    [Fact]
    public void Build_IsolatedRoadCell_IsAnIntersectionWithoutLinks()
    {
        RoadGraph graph = Map(".#.", "###", "...").Graph;

        int isolated = graph.IntersectionAt(0);
        Assert.Equal(0, isolated);
        Assert.Empty(graph.Links(isolated));
        Assert.Equal(-1, graph.ComponentOf(1));
        Assert.NotEqual(graph.ComponentOf(0), graph.ComponentOf(2));
    }

    [Fact]
    public void Build_Links_GoBothWaysWithTheSegmentLength()
    {
        RoadGraph graph = Map(".....", "##.##", "##.##").Graph;

        Assert.Equal([new RoadLink(0, 0, 2), new RoadLink(2, 1, 2), new RoadLink(3, 2, 2)], graph.Links(1));
        Assert.Equal([new RoadLink(1, 2, 2)], graph.Links(3));
        Assert.True(graph.AreAdjacent(3, 1));
        Assert.False(graph.AreAdjacent(0, 2));
    }

    [Fact]
    public void Segment_Cells_RunFromAToBAndCanBeReadBackwardsWithoutChangingThem()
    {
        CityMap map = Map("....");
        Segment segment = map.Graph.Segments[0];

        Assert.Equal([0, 1, 2, 3], segment.Cells);
        Assert.Equal([3, 2, 1, 0], segment.CellsFrom(segment.B));
        Assert.Equal([0, 1, 2, 3], segment.CellsFrom(segment.A));
        Assert.Equal([0, 1, 2, 3], segment.Cells);
        Assert.Equal(0, segment.Other(1));
    }

    [Fact]
    public void Build_EverySegmentOfEveryPreset_IsAStraightRunOfRoad_SoNoTwoJoinTheSamePair()
    {
        // Because every corner is an intersection, a segment cannot bend; two different segments
        // between one pair of intersections would need a bend, so they never arise.
        foreach (PresetInfo preset in PresetMaps.All)
        {
            RoadGraph graph = PresetMaps.Get(preset.Name).Graph;
            var pairs = new HashSet<(int, int)>();
            foreach (Segment segment in graph.Segments)
            {
                Assert.True(segment.A < segment.B, $"{preset.Name}: segment {segment.Id} runs from {segment.A} to {segment.B}.");
                Assert.True(pairs.Add((segment.A, segment.B)), $"{preset.Name}: two segments join {segment.A} and {segment.B}.");
                Assert.Equal(graph.IntersectionCells[segment.A], segment.Cells[0]);
                Assert.Equal(graph.IntersectionCells[segment.B], segment.Cells[^1]);
                int stride = segment.Cells[1] - segment.Cells[0];
                for (int k = 1; k < segment.Cells.Length; k++)
                {
                    Assert.Equal(stride, segment.Cells[k] - segment.Cells[k - 1]);
                    Assert.True(graph.Map.IsRoad(segment.Cells[k]));
                    if (k < segment.Cells.Length - 1) Assert.Equal(-1, graph.IntersectionAt(segment.Cells[k]));
                }
            }
        }
    }

    [Fact]
    public void ShortestRoute_AcrossABlockyGrid_IsAChainOfAdjacentNodesAsLongAsTheCellDistance()
    {
        // From the north-west corner to the south-east one: several routes, all 5 + 2 = 7 moves.
        RoadGraph graph = Map("......", ".##.#.", "......").Graph;
        int from = graph.IntersectionAt(0), to = graph.IntersectionAt(17);

        IReadOnlyList<int>? route = graph.ShortestRoute(from, to);

        Assert.NotNull(route);
        Assert.Equal(7, graph.ShortestDistance(from, to));
        Assert.Equal(from, route[0]);
        Assert.Equal(to, route[^1]);
        for (int k = 1; k < route.Count; k++) Assert.True(graph.AreAdjacent(route[k - 1], route[k]));
        Assert.Equal(7, route.Zip(route.Skip(1), (a, b) => graph.SegmentBetween(a, b)!.Length).Sum());
        Assert.Equal([from], graph.ShortestRoute(from, from));
        Assert.Equal(0, graph.ShortestDistance(from, from));
    }

    [Fact]
    public void ShortestRoute_BetweenComponents_IsNullAndDistanceIsMinusOne()
    {
        RoadGraph graph = Map("..#..").Graph;

        Assert.Null(graph.ShortestRoute(0, 3));
        Assert.Equal(-1, graph.ShortestDistance(0, 3));
    }

    [Fact]
    public void CellDistancesFrom_CountsMovesAroundBuildings_AndMarksUnreachableOrBlockedAsMinusOne()
    {
        CityMap map = Map(
            "...#.",
            ".#.#.",
            ".....");

        int[] distance = map.Graph.CellDistancesFrom(map.Index(0, 0));

        Assert.Equal([0, 1, 2, -1, 8, /**/ 1, -1, 3, -1, 7, /**/ 2, 3, 4, 5, 6], distance);
        Assert.All(map.Graph.CellDistancesFrom(map.Index(3, 0)), value => Assert.Equal(-1, value));
    }

    [Fact]
    public void ShortestDistance_BetweenPresetIntersections_EqualsTheCellDistance()
    {
        RoadGraph graph = PresetMaps.Get(PresetMaps.Medium).Graph;
        for (int from = 0; from < graph.IntersectionCount; from += 37)
        {
            int[] cells = graph.CellDistancesFrom(graph.IntersectionCells[from]);
            for (int to = 0; to < graph.IntersectionCount; to += 23)
                Assert.Equal(cells[graph.IntersectionCells[to]], graph.ShortestDistance(from, to));
        }
    }

    [Fact]
    public void ScenarioGraph_OriginInsideASegment_BecomesANodeAfterTheMapsOwnAndSplitsTheSegment()
    {
        CityMap map = Map(".......");
        var scenario = new Scenario(map, [new AgentSpec(Origin: 2, Destination: 6, Departure: 0)], "test");

        RoadGraph graph = scenario.Graph;

        Assert.Equal(("0,0 6,0 2,0", "0-2:2 1-2:4"), Describe(graph));
        Assert.Equal((2, 1), (graph.NaturalIntersectionCount, scenario.DestinationNode(0)));
        Assert.Equal(2, scenario.OriginNode(0));
        Assert.Equal(6, graph.ShortestDistance(0, 1));
        // The map's own statistics do not change.
        Assert.Equal(("0,0 6,0", "0-1:6"), Describe(map.Graph));
    }

    [Fact]
    public void ScenarioGraph_ExtraNodes_AreNumberedInAgentOrderOriginThenDestination_AndNeverTwice()
    {
        CityMap map = Map("..........");
        var scenario = new Scenario(map,
        [
            new AgentSpec(Origin: 6, Destination: 0, Departure: 0),  // origin new -> 2, destination is the map's node 0
            new AgentSpec(Origin: 3, Destination: 6, Departure: 0),  // origin new -> 3, destination already node 2
            new AgentSpec(Origin: 9, Destination: 4, Departure: 0),  // origin is the map's node 1, destination new -> 4
        ], "test");

        Assert.Equal([2, 0, 3, 2, 1, 4], Enumerable.Range(0, 3).SelectMany(i => new[] { scenario.OriginNode(i), scenario.DestinationNode(i) }));
        Assert.Equal(("0,0 9,0 6,0 3,0 4,0", "0-3:3 1-2:3 2-4:2 3-4:1"), Describe(scenario.Graph));
    }

    [Fact]
    public void FromAscii_RowsOfDifferentLengths_AreRejectedWithTheRow()
    {
        var error = Assert.Throws<FormatException>(() => Map("...", "..", "..."));

        Assert.Contains("Row 2", error.Message);
    }
}
