// The MovingAI .scen reader: the first N rows become the agents, and every bad row is located.
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;

namespace Leed.Engine.Tests.Maps.Import;

public sealed class MovingAiScenarioReaderTests
{
    private static readonly CityMap Town = LoadTown();

    private static CityMap LoadTown()
    {
        using StreamReader file = Fixtures.Open("town.map");
        return MovingAiMapReader.Read(file, "town.map", "town");
    }

    private static Scenario Read(string text, int? agents = null) =>
        MovingAiScenarioReader.Read(new StringReader(text), "town.scen", Town, agents);

    private static (int, int, int, int, int) Agent(CityMap map, AgentSpec agent)
    {
        (int ox, int oy) = map.Coordinates(agent.Origin);
        (int dx, int dy) = map.Coordinates(agent.Destination);
        return (ox, oy, dx, dy, agent.Departure);
    }

    [Fact]
    public void Read_TheFixture_GivesOneAgentPerRowInFileOrder_AllDepartingAtZero()
    {
        using StreamReader file = Fixtures.Open("town.scen");
        Scenario scenario = MovingAiScenarioReader.Read(file, "town.scen", Town);

        Assert.Equal([(0, 0, 9, 0, 0), (0, 5, 7, 5, 0), (4, 1, 6, 4, 0), (9, 0, 0, 3, 0)],
            scenario.Agents.Select(agent => Agent(Town, agent)));
        Assert.Contains("town.scen", scenario.Description);
    }

    [Fact]
    public void Read_WithAgentCount_TakesTheFirstRows()
    {
        using StreamReader file = Fixtures.Open("town.scen");
        Scenario scenario = MovingAiScenarioReader.Read(file, "town.scen", Town, agents: 2);

        Assert.Equal([(0, 0, 9, 0, 0), (0, 5, 7, 5, 0)], scenario.Agents.Select(agent => Agent(Town, agent)));
    }

    [Fact]
    public void Read_MoreAgentsThanRows_SaysHowManyThereAre()
    {
        using StreamReader file = Fixtures.Open("town.scen");
        MapImportException error = Assert.Throws<MapImportException>(() => MovingAiScenarioReader.Read(file, "town.scen", Town, agents: 5));

        Assert.Equal(6, error.Line);
        Assert.Contains("5 agents were asked for, but the file has only 4 row(s)", error.Message);
    }

    [Fact]
    public void Read_AnOriginInsideASegment_BecomesAnExtraNodeOfTheScenarioGraph()
    {
        Scenario scenario = Read("version 1\n0\ttown.map\t10\t6\t4\t1\t6\t4\t5\n");

        Assert.Equal(-1, Town.Graph.IntersectionAt(Town.Index(4, 1)));
        Assert.True(scenario.OriginNode(0) >= scenario.Graph.NaturalIntersectionCount);
        Assert.NotNull(scenario.Graph.ShortestRoute(scenario.OriginNode(0), scenario.DestinationNode(0)));
    }

    [Fact]
    public void Read_VersionOnePointZero_SpacesCrlfAndBlankLines_AreAccepted()
    {
        Scenario scenario = Read("version 1.0\r\n\r\n0  town.map 10 6   0 0 9 0 9.0 \r\n\r\n");

        Assert.Equal([(0, 0, 9, 0, 0)], scenario.Agents.Select(agent => Agent(Town, agent)));
    }

    private const string Good = "0\ttown.map\t10\t6\t0\t0\t9\t0\t9\n";

    [Theory]
    [InlineData("", 1, null, "the file is empty")]
    [InlineData("version 2\n" + Good, 1, 1, "found 'version 2' where the 'version 1' header belongs")]
    [InlineData("version 1\n\n", 3, null, "the file has no scenario rows")]
    [InlineData("version 1\n0\ttown.map\t10\t6\t0\t0\t9\t0\n", 2, 24, "the row has 8 field(s) (expected 9 fields: bucket map width height")]
    [InlineData("version 1\n0\ttown.map\t10\t6\t0\t0\t9\t0\t9\t7\n", 2, 27, "the row has 10 field(s)")]
    [InlineData("version 1\nx\ttown.map\t10\t6\t0\t0\t9\t0\t9\n", 2, 1, "bucket 'x' is not a whole number")]
    [InlineData("version 1\n0\ttown.map\t32\t6\t0\t0\t9\t0\t9\n", 2, 12, "the row is for a map 32 wide, but the map is 10 wide")]
    [InlineData("version 1\n0\ttown.map\t10\t7\t0\t0\t9\t0\t9\n", 2, 15, "the row is for a map 7 high, but the map is 6 high")]
    [InlineData("version 1\n0\ttown.map\t10\t6\ta\t0\t9\t0\t9\n", 2, 17, "startX 'a' is not a whole number")]
    [InlineData("version 1\n0\ttown.map\t10\t6\t0\t0\t9\t6\t9\n", 2, 23, "goalY 6 is outside the map (expected 0 to 5)")]
    [InlineData("version 1\n0\ttown.map\t10\t6\t10\t0\t9\t0\t9\n", 2, 17, "startX 10 is outside the map (expected 0 to 9)")]
    [InlineData("version 1\n0\ttown.map\t10\t6\t1\t1\t9\t0\t9\n", 2, 17, "the start (1, 1) is on a blocked cell")]
    [InlineData("version 1\n" + Good + "\n0\ttown.map\t10\t6\t0\t0\t1\t4\t9\n", 4, 21, "the goal (1, 4) is on a blocked cell")]
    [InlineData("version 1\n0\ttown.map\t10\t6\t0\t0\t9\t4\t9\n", 2, 21, "the goal (9, 4) cannot be reached from the start (0, 0)")]
    [InlineData("version 1\n0\ttown.map\t10\t6\t0\t0\t0\t0\t0\n", 2, 21, "the goal (0, 0) is the start cell")]
    [InlineData("version 1\n0\ttown.map\t10\t6\t0\t0\t9\t0\tabc\n", 2, 25, "optimalLength 'abc' is not a number")]
    public void Read_MalformedRow_SaysWhereAndWhat(string text, int line, int? column, string message)
    {
        MapImportException error = Assert.Throws<MapImportException>(() => Read(text));

        Assert.Equal("town.scen", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Read_RowsAfterTheRequestedAgents_AreNotRead()
    {
        Scenario scenario = Read("version 1\n" + Good + "this row is never read\n", agents: 1);
        Assert.Equal(1, scenario.AgentCount);
    }
}
