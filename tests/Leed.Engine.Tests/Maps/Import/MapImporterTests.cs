// The import entry point: formats by extension, names from file names, missing files, and the samples.
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;

namespace Leed.Engine.Tests.Maps.Import;

public sealed class MapImporterTests
{
    [Theory]
    [InlineData("maps/arena.map", MapFormat.MovingAi)]
    [InlineData("Orlando.OSM", MapFormat.Osm)]
    public void InferFormat_KnowsTheTwoExtensions(string path, MapFormat format) =>
        Assert.Equal(format, MapImporter.InferFormat(path));

    [Theory]
    [InlineData("city.txt", "the extension '.txt' does not tell the format")]
    [InlineData("city", "the file has no extension")]
    public void InferFormat_OtherExtensions_AskForTheFormat(string path, string message)
    {
        var error = Assert.Throws<MapImportException>(() => MapImporter.InferFormat(path));
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("/data/arena.map", "arena")]
    [InlineData("Orlando Downtown (2024).osm", "Orlando-Downtown-2024")]
    [InlineData("___.map", "imported")]
    public void DefaultName_IsTheFileNameMadeSafe(string path, string name)
    {
        Assert.Equal(name, MapImporter.DefaultName(path));
        Assert.Null(MapRepository.NameProblem(name));
    }

    [Fact]
    public void Import_AMissingFile_SaysWhichFile()
    {
        var error = Assert.Throws<MapImportException>(() => MapImporter.Import(new MapImportRequest("/no/such/folder/city.map")));
        Assert.Equal("city.map", error.File);
        Assert.Contains("no such file", error.Message);
    }

    [Fact]
    public void Import_TheMovingAiSample_GivesAConnectedTownWithEightAgents()
    {
        MapImportResult result = MapImporter.Import(new MapImportRequest(Fixtures.Sample("sample-town.map"))
        {
            ScenarioPath = Fixtures.Sample("sample-town.scen"),
        });

        Assert.Equal("sample-town", result.Map.Name);
        Assert.Equal((24, 16), (result.Map.Width, result.Map.Height));
        Assert.Equal(1, result.Map.Graph.ComponentCount);
        Assert.Equal(8, result.Scenario!.AgentCount);
    }

    [Fact]
    public void Import_TheOsmSample_IsTheDowntownFixture()
    {
        MapImportResult result = MapImporter.Import(new MapImportRequest(Fixtures.Sample("downtown.osm")) { Name = "orlando-sample" });

        using StreamReader fixture = Fixtures.Open("downtown.osm");
        CityMap expected = OsmMapReader.Read(fixture, "downtown.osm", "downtown");
        Assert.Equal("orlando-sample", result.Map.Name);
        Assert.Equal(expected.ToAscii(false), result.Map.ToAscii(false));
        Assert.Null(result.Scenario);
    }

    [Fact]
    public void Import_AScenarioWithAnOsmMap_IsRefused() =>
        Assert.Throws<ArgumentException>(() => MapImporter.Import(new MapImportRequest(Fixtures.Sample("downtown.osm"))
        {
            ScenarioPath = Fixtures.Sample("sample-town.scen"),
        }));
}
