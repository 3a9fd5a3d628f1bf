// Seeded scenario generation: reproducible, reachable trips between intersections, minimum distance, hotspots.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Env;

public sealed class ScenarioGeneratorTests
{
    private static readonly CityMap Small = PresetMaps.Get(PresetMaps.Small);
    private static readonly CityMap Medium = PresetMaps.Get(PresetMaps.Medium);

    [Fact]
    public void Generate_SameSeed_GivesTheSameAgents_AndAnotherSeedDifferentOnes()
    {
        Scenario first = ScenarioGenerator.Generate(Medium, 50, seed: 12);
        Scenario again = ScenarioGenerator.Generate(Medium, 50, seed: 12);
        Scenario other = ScenarioGenerator.Generate(Medium, 50, seed: 13);

        Assert.Equal(first.Agents, again.Agents);
        Assert.NotEqual(first.Agents, other.Agents);
        Assert.Equal(first.Description, again.Description);
    }

    [Fact]
    public void Generate_EveryTrip_RunsBetweenTwoOfTheMapsIntersectionsThatAreConnected()
    {
        // Three components: trips must stay in the largest (the left grid), never in the two small ones on the right.
        CityMap map = CityMap.FromAscii("two parts",
            """
            ......#...
            .#..#.#...
            ......#...
            .#..#.####
            ......#...
            """);
        RoadGraph graph = map.Graph;

        Scenario scenario = ScenarioGenerator.Generate(map, 30, seed: 2, new ScenarioOptions { MinDistance = 2 });

        Assert.Equal(3, graph.ComponentCount);
        foreach (AgentSpec agent in scenario.Agents)
        {
            Assert.InRange(graph.IntersectionAt(agent.Origin), 0, graph.NaturalIntersectionCount - 1);
            Assert.InRange(graph.IntersectionAt(agent.Destination), 0, graph.NaturalIntersectionCount - 1);
            Assert.True(graph.CellDistancesFrom(agent.Origin)[agent.Destination] > 0);
            Assert.True(map.Coordinates(agent.Origin).X < 6, $"Origin {map.Coordinates(agent.Origin)} is outside the larger component.");
        }
        Assert.Equal(graph.NaturalIntersectionCount, scenario.Graph.IntersectionCount); // no extra nodes needed
    }

    [Theory]
    [InlineData(4)]
    [InlineData(20)]
    [InlineData(26)]   // close to the small town's diameter (30): only a few pairs qualify
    [InlineData(28)]
    public void Generate_EveryTrip_IsAtLeastTheMinimumDistanceLong(int minDistance)
    {
        Scenario scenario = ScenarioGenerator.Generate(Small, 20, seed: 1, new ScenarioOptions { MinDistance = minDistance });

        foreach (AgentSpec agent in scenario.Agents)
            Assert.True(Small.Graph.CellDistancesFrom(agent.Origin)[agent.Destination] >= minDistance,
                $"A trip from {Small.Coordinates(agent.Origin)} to {Small.Coordinates(agent.Destination)} is shorter than {minDistance}.");
        Assert.Contains($"min distance {minDistance}", scenario.Description);
    }

    [Fact]
    public void Generate_MinimumDistanceLongerThanAnyTrip_ThrowsSayingWhatToChange()
    {
        var error = Assert.Throws<ArgumentException>(() => ScenarioGenerator.Generate(Small, 3, seed: 1, new ScenarioOptions { MinDistance = 60 }));

        Assert.Contains("60 moves apart", error.Message);
        Assert.Contains(Small.Name, error.Message);
        Assert.Contains("longest trip is", error.Message);
    }

    [Fact]
    public void Generate_DefaultMinimumDistance_IsAnEighthOfWidthPlusHeight()
    {
        Scenario scenario = ScenarioGenerator.Generate(Medium, 40, seed: 3);

        Assert.Contains("min distance 12", scenario.Description);
        Assert.All(scenario.Agents, agent => Assert.True(Medium.Graph.CellDistancesFrom(agent.Origin)[agent.Destination] >= 12));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(30)]
    public void Generate_Departures_FallInsideTheWindow(int window)
    {
        Scenario scenario = ScenarioGenerator.Generate(Medium, 60, seed: 4, new ScenarioOptions { DepartureWindow = window });

        Assert.All(scenario.Agents, agent => Assert.InRange(agent.Departure, 0, window));
        if (window > 0) Assert.True(scenario.Agents.Select(agent => agent.Departure).Distinct().Count() > 1);
    }

    [Fact]
    public void Generate_NegativeDepartureWindow_IsRejectedClearly()
    {
        var error = Assert.Throws<ArgumentException>(() => ScenarioGenerator.Generate(Small, 2, seed: 1, new ScenarioOptions { DepartureWindow = -1 }));

        Assert.Contains("DepartureWindow", error.Message);
    }

    [Fact]
    public void Generate_NegativeHotspotStrength_IsRejectedClearly()
    {
        var options = new ScenarioOptions { Hotspots = [Small.Index(0, 0)], HotspotStrength = -2 };

        var error = Assert.Throws<ArgumentException>(() => ScenarioGenerator.Generate(Small, 2, seed: 1, options));

        Assert.Contains("HotspotStrength", error.Message);
    }

    [Fact]
    public void Generate_WithAHotspot_DrawsDestinationsClearlyCloserToIt()
    {
        // A hotspot in the north-west corner of the medium city; uniform destinations average about
        // 48 moves (Manhattan) from it, attracted ones should average far less.
        int hotspot = Medium.Index(6, 6);
        double MeanDistanceToHotspot(Scenario scenario) => scenario.Agents.Average(agent =>
        {
            (int x, int y) = Medium.Coordinates(agent.Destination);
            return Math.Abs(x - 6) + Math.Abs(y - 6);
        });

        double uniform = MeanDistanceToHotspot(ScenarioGenerator.Generate(Medium, 120, seed: 5));
        double attracted = MeanDistanceToHotspot(ScenarioGenerator.Generate(Medium, 120, seed: 5,
            new ScenarioOptions { Hotspots = [hotspot], HotspotStrength = 8 }));

        Assert.True(attracted < uniform * 0.8, $"Mean distance to the hotspot: {attracted:F1} with it, {uniform:F1} without.");
        Assert.Contains("1 hotspot", ScenarioGenerator.Generate(Medium, 2, seed: 5, new ScenarioOptions { Hotspots = [hotspot] }).Description);
    }
}
