// The MovingAI .map reader: the published format read cell for cell, and every malformed file located.
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;

namespace Leed.Engine.Tests.Maps.Import;

public sealed class MovingAiMapReaderTests
{
    private const string Header = "type octile\nheight 2\nwidth 4\nmap\n";

    private static CityMap Read(string text, string file = "city.map") => MovingAiMapReader.Read(new StringReader(text), file, "city");

    [Fact]
    public void Read_TheFixture_MatchesTheFileCellByCell()
    {
        using StreamReader file = Fixtures.Open("town.map");
        CityMap map = MovingAiMapReader.Read(file, "town.map", "town");

        Assert.Equal((10, 6), (map.Width, map.Height));
        // '.', 'G', 'S' are road; '@', 'O', 'T', 'W' blocked (the fixture uses every one of them).
        Assert.Equal(
            """
            ..........
            .###.##.##
            .###.##.##
            .........#
            .##.##..#.
            .##.##..#.

            """.Replace("\r", ""), map.ToAscii(markIntersections: false));
        Assert.Equal("movingai", map.Source.Kind);
        Assert.False(map.Source.IsSynthetic);
        Assert.Equal("town.map", map.Source.Settings["file"]);
        Assert.True(DateTimeOffset.TryParse(map.Source.Settings["importedAt"], out _));
    }

    [Fact]
    public void Read_KeepsEveryComponent_BecauseScenarioCoordinatesReferToTheWholeGrid()
    {
        using StreamReader file = Fixtures.Open("town.map");
        CityMap map = MovingAiMapReader.Read(file, "town.map", "town");

        Assert.Equal(2, map.Graph.ComponentCount);
        Assert.True(map.IsRoad(9, 5));
    }

    [Theory]
    [InlineData('.', true)]
    [InlineData('G', true)]
    [InlineData('S', true)]
    [InlineData('@', false)]
    [InlineData('O', false)]
    [InlineData('T', false)]
    [InlineData('W', false)]
    public void Read_EachTerrainCharacter_IsRoadOrBlockedAsPublished(char terrain, bool road)
    {
        CityMap map = Read($"type octile\nheight 1\nwidth 2\nmap\n.{terrain}\n");
        Assert.Equal(road, map.IsRoad(1, 0));
    }

    [Fact]
    public void Read_CrlfAndTrailingWhitespace_GiveTheSameMapAsPlainLines()
    {
        CityMap plain = Read(Header + "..@.\nGST.\n");
        CityMap windows = Read("type octile \r\nheight 2\t\r\nwidth 4\r\nmap  \r\n..@. \r\nGST.\t\r\n\r\n");

        Assert.Equal(plain.ToAscii(false), windows.ToAscii(false));
    }

    [Fact]
    public void Read_SidesUpToTheLimit_AreAccepted()
    {
        string rows = string.Concat(Enumerable.Repeat(".\n", MovingAiMapReader.MaxSide));
        CityMap map = Read($"type octile\nheight {MovingAiMapReader.MaxSide}\nwidth 1\nmap\n{rows}");
        Assert.Equal(MovingAiMapReader.MaxSide, map.Height);
    }

    [Theory]
    [InlineData("", 1, null, "the file is empty")]
    [InlineData("\n", 1, 1, "line 1 is empty")]
    [InlineData("type tile\nheight 2\nwidth 4\nmap\n....\n....\n", 1, 6, "unsupported map type 'tile' (expected 'type octile')")]
    [InlineData("height 2\nwidth 4\nmap\n....\n....\n", 1, 1, "found 'height 2' where the header's 'type' line belongs")]
    [InlineData("type octile\nwidth 4\nheight 2\nmap\n....\n....\n", 2, 1, "found 'width 4' where the header's 'height' line belongs")]
    [InlineData("type octile\nheight two\nwidth 4\nmap\n", 2, 8, "height 'two' is not a whole number")]
    [InlineData("type octile\nheight 0\nwidth 4\nmap\n", 2, 8, "height 0 is not positive")]
    [InlineData("type octile\nheight 2\nwidth -4\nmap\n", 3, 7, "width -4 is not positive")]
    [InlineData("type octile\nheight 2\nwidth 2000\nmap\n", 3, 7, "width 2000 is larger than the limit of 1024")]
    [InlineData("type octile\nheight 2\nwidth 4\n", 4, null, "the file ends inside the header (expected 'map')")]
    [InlineData("type octile\nheight 2\nwidth 4\nmaps\n....\n....\n", 4, 1, "found 'maps' where the header ends")]
    [InlineData(Header + "....\n", 6, null, "the map ends after 1 row(s), but its header says height 2")]
    [InlineData(Header + "...\n....\n", 5, 4, "row 1 has 3 character(s), but the header says width 4")]
    [InlineData(Header + "....\n.....\n", 6, 5, "row 2 has 5 character(s), but the header says width 4")]
    [InlineData(Header + "....\n..X.\n", 6, 3, "unknown terrain character 'X' (expected one of . G S @ O T W)")]
    [InlineData(Header + ". ..\n....\n", 5, 2, "unknown terrain character ' ' (a space)")]
    [InlineData(Header + "....\n....\n....\n", 7, 1, "there is more map data after the 2 row(s)")]
    public void Read_MalformedFile_SaysWhereAndWhat(string text, int line, int? column, string message)
    {
        MapImportException error = Assert.Throws<MapImportException>(() => Read(text));

        Assert.Equal("city.map", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains(message, error.Message);
        Assert.StartsWith($"city.map:{line}" + (column is null ? ":" : $":{column}:"), error.Message);
    }

    [Fact]
    public void Read_UnknownCharacter_MessageReadsLikeACompilerError()
    {
        string text = "type octile\nheight 5\nwidth 12\nmap\n" + string.Concat(Enumerable.Repeat("............\n", 4)) + "...........X\n";
        MapImportException error = Assert.Throws<MapImportException>(() => Read(text));

        Assert.Equal("city.map:9:12: unknown terrain character 'X' (expected one of . G S @ O T W)", error.Message);
        Assert.Equal("one of . G S @ O T W", error.Expected);
        Assert.Equal("'X'", error.Found);
    }
}
