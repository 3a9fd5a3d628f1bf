// The OpenStreetMap reader: roads rasterised 4-connected, non-roads and fragments dropped, bad files located.
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;

namespace Leed.Engine.Tests.Maps.Import;

public sealed class OsmMapReaderTests
{
    private static CityMap ReadFixture(OsmImportOptions? options = null)
    {
        using StreamReader file = Fixtures.Open("downtown.osm");
        return OsmMapReader.Read(file, "downtown.osm", "downtown", options);
    }

    private static CityMap Read(string xml, OsmImportOptions? options = null) =>
        OsmMapReader.Read(new StringReader(xml), "city.osm", "city", options);

    // The fixture's nodes sit at the centres of 10 m cells; rows 0-2 and 3 also have nodes outside
    // the bounds (Orange Avenue to the north, Central Boulevard to the east) that must be clipped.
    private const string Downtown =
        """
        #####.##############
        #####.##############
        #####.##############
        ....................
        #####.####.###.#####
        #####.####.###.#####
        #####.####.###.#####
        #####.########.#####
        #####...........####
        #####.#########...##
        #####.###########...
        #####.#############.

        """;

    [Fact]
    public void Read_TheFixture_DrawsTheStreets_DropsTheFootwayServiceRoadBuildingAndFragment()
    {
        CityMap map = ReadFixture();

        Assert.Equal((20, 12), (map.Width, map.Height));
        Assert.Equal(Downtown.Replace("\r", ""), map.ToAscii(markIntersections: false));
        Assert.Equal(1, map.Graph.ComponentCount);
        Assert.Equal("osm", map.Source.Kind);
        Assert.Equal("10", map.Source.Settings["metresPerCell"]);
        Assert.Contains("OpenStreetMap contributors", map.Source.Description);
    }

    [Fact]
    public void Read_TheFixture_KeepsTheDeadEndAsAnIntersection()
    {
        CityMap map = ReadFixture();
        // Court Lane ends at (10, 6): a road cell with one road neighbour.
        Assert.True(map.Graph.IntersectionAt(map.Index(10, 6)) >= 0);
        Assert.False(map.IsRoad(10, 7));
    }

    [Fact]
    public void Read_WithFootwaysAsked_DrawsTheFootwayToo()
    {
        var kinds = new HashSet<string> { "primary", "secondary", "tertiary", "residential", "unclassified", "footway" };
        CityMap map = ReadFixture(new OsmImportOptions { HighwayKinds = kinds });

        Assert.All(Enumerable.Range(6, 7), x => Assert.True(map.IsRoad(x, 10), $"({x}, 10) should be road"));
        Assert.False(map.IsRoad(16, 5)); // the service road is still left out
    }

    [Fact]
    public void Read_AtTwentyMetresPerCell_GivesAHalfSizeGrid()
    {
        CityMap map = ReadFixture(new OsmImportOptions { MetresPerCell = 20 });

        Assert.Equal((10, 6), (map.Width, map.Height));
        Assert.Equal(1, map.Graph.ComponentCount);
        Assert.Equal("20", map.Source.Settings["metresPerCell"]);
    }

    [Theory]
    [InlineData(0, 0, 5, 3)]
    [InlineData(5, 3, 0, 0)]
    [InlineData(0, 7, 7, 0)]
    [InlineData(2, 2, 2, 9)]
    [InlineData(0, 0, 9, 1)]
    [InlineData(3, 0, 4, 9)]
    [InlineData(4, 4, 4, 4)]
    public void DrawCells_AnyLine_IsAStaircaseOfFourConnectedStepsBetweenItsEnds(int x0, int y0, int x1, int y1)
    {
        const int size = 10;
        var road = new bool[size * size];
        OsmMapReader.DrawCells(road, size, x0, y0, x1, y1);

        // A 4-connected monotone path between the ends has exactly |dx| + |dy| + 1 cells.
        Assert.Equal(Math.Abs(x1 - x0) + Math.Abs(y1 - y0) + 1, road.Count(cell => cell));
        Assert.True(road[y0 * size + x0] && road[y1 * size + x1]);
        var map = new CityMap("line", size, size, road, new MapSource("test", "", new Dictionary<string, string>()));
        Assert.Equal(1, map.Graph.ComponentCount);
    }

    private const string Head = "<?xml version=\"1.0\"?>\n<osm version=\"0.6\">\n";
    private const string TwoNodes = " <node id=\"1\" lat=\"28.54\" lon=\"-81.38\"/>\n <node id=\"2\" lat=\"28.541\" lon=\"-81.379\"/>\n";
    private const string Street = " <way id=\"7\">\n  <nd ref=\"1\"/>\n  <nd ref=\"2\"/>\n  <tag k=\"highway\" v=\"residential\"/>\n </way>\n";

    [Theory]
    [InlineData(Head + " <node id=\"1\" lat=\"28.54\" lon=\"-81.38\">\n</osm>\n", 4, 3, "malformed XML: The 'node' start tag on line 3 position 3 does not match the end tag of 'osm'")]
    [InlineData("", null, null, "malformed XML: Root element is missing")]
    [InlineData("<!DOCTYPE osm [<!ENTITY big \"x\">]>\n<osm/>\n", null, null, "malformed XML: For security reasons DTD is prohibited")]
    [InlineData("<html>\n</html>\n", 1, 1, "the document is a <html>, not OpenStreetMap XML (expected an <osm> root element)")]
    [InlineData(Head + TwoNodes + " <way id=\"7\">\n  <nd ref=\"1\"/>\n  <nd ref=\"456\"/>\n  <tag k=\"highway\" v=\"primary\"/>\n </way>\n</osm>\n",
        7, 3, "way 7 references node 456, which the file does not define")]
    [InlineData(Head + " <node id=\"1\" lon=\"-81.38\"/>\n" + Street + "</osm>\n", 3, 2, "node 1 has no lat attribute")]
    [InlineData(Head + " <node id=\"1\" lat=\"north\" lon=\"-81.38\"/>\n" + Street + "</osm>\n", 3, 15, "node 1 has lat 'north', which is not a valid latitude")]
    [InlineData(Head + " <node id=\"1\" lat=\"28.54\" lon=\"-181\"/>\n" + Street + "</osm>\n", 3, 27, "node 1 has lon '-181', which is not a valid longitude")]
    [InlineData(Head + " <node lat=\"28.54\" lon=\"-81.38\"/>\n</osm>\n", 3, 2, "node has no id attribute")]
    [InlineData(Head + " <bounds minlat=\"28.55\" minlon=\"-81.38\" maxlat=\"28.54\" maxlon=\"-81.37\"/>\n" + TwoNodes + Street + "</osm>\n",
        3, 2, "<bounds> is empty or inverted")]
    [InlineData(Head + TwoNodes + " <way id=\"8\">\n  <nd ref=\"1\"/>\n  <nd ref=\"2\"/>\n  <tag k=\"building\" v=\"yes\"/>\n </way>\n</osm>\n",
        null, null, "the file has no roads: no <way> has a highway tag")]
    [InlineData(Head + TwoNodes + " <way id=\"8\">\n  <nd ref=\"1\"/>\n  <nd ref=\"2\"/>\n  <tag k=\"highway\" v=\"footway\"/>\n </way>\n</osm>\n",
        null, null, "none of the file's 1 highway way(s) is of a kind that is kept")]
    [InlineData(Head + " <bounds minlat=\"28.50\" minlon=\"-81.40\" maxlat=\"28.51\" maxlon=\"-81.39\"/>\n" + TwoNodes + Street + "</osm>\n",
        3, 2, "none of the 1 kept road(s) passes through the area")]
    [InlineData(Head + " <bounds minlat=\"0\" minlon=\"0\" maxlat=\"0.1\" maxlon=\"0.1\"/>\n" + TwoNodes + Street + "</osm>\n",
        3, 2, "would need a 1112x1112 grid, larger than the limit of 1024x1024; use 11 m per cell or more")]
    public void Read_MalformedFile_SaysWhereAndWhat(string xml, int? line, int? column, string message)
    {
        MapImportException error = Assert.Throws<MapImportException>(() => Read(xml));

        Assert.Equal("city.osm", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Read_TooLargeAtTenMetres_FitsAtTheSuggestedResolution()
    {
        string xml = Head + " <bounds minlat=\"0\" minlon=\"0\" maxlat=\"0.1\" maxlon=\"0.1\"/>\n" +
            " <node id=\"1\" lat=\"0.05\" lon=\"0\"/>\n <node id=\"2\" lat=\"0.05\" lon=\"0.1\"/>\n" + Street + "</osm>\n";
        CityMap map = Read(xml, new OsmImportOptions { MetresPerCell = 11 });

        Assert.True(map.Width <= OsmMapReader.MaxSide && map.Height <= OsmMapReader.MaxSide);
        Assert.Equal(map.Width, map.RoadCellCount); // one street straight across
    }

    [Fact]
    public void Read_WithoutBounds_UsesTheRoadsExtent()
    {
        // Two nodes 0.001 degrees of latitude apart (about 111 m) on one meridian: a 1x12 column of road.
        string xml = Head + " <node id=\"1\" lat=\"28.540\" lon=\"-81.38\"/>\n <node id=\"2\" lat=\"28.541\" lon=\"-81.38\"/>\n" +
            Street + "</osm>\n";
        CityMap map = Read(xml);

        Assert.Equal((1, 12), (map.Width, map.Height));
        Assert.Equal(12, map.RoadCellCount);
    }
}
