// `maps import`, `maps list`, `maps show` and `maps delete` end to end, with a temporary data folder.
using System.Text.Json;
using Leed.Dashboard.Cli;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;

namespace Leed.Dashboard.Tests.Cli;

public sealed class MapsVerbsTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leed-maps-cli-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);

    private async Task<(int Exit, string Out, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await CommandLine.RunAsync([.. args, "--data", _data], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string WriteFile(string name, string text)
    {
        string path = Path.Combine(_data, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Import_TheMovingAiSampleWithItsScen_PrintsItsStatistics_AndListShowsIt()
    {
        (int exit, string output, string error) = await Run("maps", "import", Sample("sample-town.map"), "--scen", Sample("sample-town.scen"), "--agents", "5");

        Assert.True(exit == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement stats = json.RootElement;
        using var file = new StreamReader(Sample("sample-town.map"));
        RoadGraph graph = MovingAiMapReader.Read(file, "sample-town.map", "sample-town").Graph;
        Assert.Equal("sample-town", stats.GetProperty("name").GetString());
        Assert.Equal(24, stats.GetProperty("width").GetInt32());
        Assert.Equal(16, stats.GetProperty("height").GetInt32());
        Assert.Equal(184, stats.GetProperty("roadCells").GetInt32());
        Assert.Equal(graph.IntersectionCount, stats.GetProperty("intersections").GetInt32());
        Assert.Equal(graph.Segments.Count, stats.GetProperty("segments").GetInt32());
        Assert.Equal(1, stats.GetProperty("components").GetInt32());
        Assert.Equal(5, stats.GetProperty("agents").GetInt32());

        (_, string list, _) = await Run("maps", "list");
        JsonElement[] maps = [.. JsonDocument.Parse(list).RootElement.EnumerateArray()];
        Assert.Equal([.. PresetMaps.All.Select(preset => preset.Name), "sample-town"], maps.Select(map => map.GetProperty("name").GetString()));
        JsonElement town = maps[^1];
        Assert.Equal("movingai", town.GetProperty("source").GetString());
        Assert.False(town.GetProperty("synthetic").GetBoolean());
        Assert.Equal(24, town.GetProperty("width").GetInt32());
        Assert.Equal(16, town.GetProperty("height").GetInt32());
    }

    [Fact]
    public async Task Import_TheOsmSample_StoresTheRasterisedStreets_AndShowDrawsThem()
    {
        (int exit, string output, string error) = await Run("maps", "import", Sample("downtown.osm"), "--name", "orlando-demo");

        Assert.True(exit == 0, error);
        JsonElement stats = JsonDocument.Parse(output).RootElement;
        Assert.Equal("orlando-demo", stats.GetProperty("name").GetString());
        Assert.Equal((20, 12), (stats.GetProperty("width").GetInt32(), stats.GetProperty("height").GetInt32()));
        Assert.Equal(1, stats.GetProperty("components").GetInt32());
        Assert.Equal(0, stats.GetProperty("agents").GetInt32());

        (int showExit, string ascii, _) = await Run("maps", "show", "orlando-demo");
        Assert.Equal(0, showExit);
        string[] rows = ascii.TrimEnd('\n').Split('\n');
        Assert.Equal(12, rows.Length);
        Assert.Equal("+....+....+...+....+", rows[3]); // Central Boulevard: two ends, a crossing and two T-junctions
        Assert.Equal("#####.####+###.#####", rows[6]); // Court Lane's dead end
    }

    [Theory]
    [InlineData("bad.map", "type octile\nheight 2\nwidth 4\nmap\n....\n..X.\n", "bad.map:6:3: unknown terrain character 'X' (expected one of . G S @ O T W)")]
    [InlineData("short.map", "type octile\nheight 3\nwidth 4\nmap\n....\n", "short.map:6: the map ends after 1 row(s), but its header says height 3")]
    [InlineData("broken.osm", "<osm>\n <node id=\"1\" lat=\"1\" lon=\"1\">\n</osm>\n", "broken.osm:3:3: malformed XML")]
    [InlineData("orphan.osm", "<osm>\n <way id=\"123\">\n  <nd ref=\"456\"/>\n  <tag k=\"highway\" v=\"primary\"/>\n </way>\n</osm>\n",
        "orphan.osm:3:3: way 123 references node 456, which the file does not define")]
    public async Task Import_AMalformedFile_ExitsWithTwo_SaysWhere_AndSavesNothing(string name, string text, string message)
    {
        (_, string before, _) = await Run("maps", "list");

        (int exit, string output, string error) = await Run("maps", "import", WriteFile(name, text));

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(message, error);
        Assert.Contains("Nothing was saved", error);
        (_, string after, _) = await Run("maps", "list");
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Import_AGoodMapWithABadScen_SavesNeitherFile()
    {
        string scen = WriteFile("bad.scen", "version 1\n0\tsample-town.map\t24\t16\t1\t1\t23\t15\t30\n");

        (int exit, _, string error) = await Run("maps", "import", Sample("sample-town.map"), "--scen", scen);

        Assert.Equal(2, exit);
        Assert.Contains("bad.scen:2:25: the start (1, 1) is on a blocked cell", error);
        (int show, _, _) = await Run("maps", "show", "sample-town");
        Assert.Equal(2, show);
    }

    [Fact]
    public async Task Import_TwiceUnderOneName_IsRefused_UnlessOverwriting()
    {
        Assert.Equal(0, (await Run("maps", "import", Sample("sample-town.map"))).Exit);

        (int again, _, string error) = await Run("maps", "import", Sample("sample-town.map"));
        Assert.Equal(2, again);
        Assert.Contains("A map named 'sample-town' is already stored", error);

        (int overwrite, string output, _) = await Run("maps", "import", Sample("sample-town.map"), "--scen", Sample("sample-town.scen"), "--overwrite");
        Assert.Equal(0, overwrite);
        Assert.Equal(8, JsonDocument.Parse(output).RootElement.GetProperty("agents").GetInt32());
    }

    [Fact]
    public async Task Import_UnderAPresetsName_IsRefused()
    {
        (int exit, _, string error) = await Run("maps", "import", Sample("sample-town.map"), "--name", PresetMaps.Small);
        Assert.Equal(2, exit);
        Assert.Contains("built-in", error);
    }

    [Theory]
    [InlineData("samples:downtown.osm --scen x.scen", "--scen goes with a MovingAI map only")]
    [InlineData("samples:sample-town.map --agents 3", "--agents needs --scen FILE")]
    [InlineData("samples:sample-town.map --cell-meters 5", "--cell-meters and --highways are for OpenStreetMap files only")]
    [InlineData("samples:downtown.osm --cell-meters 0", "--cell-meters must be between 1 and 1000")]
    [InlineData("samples:sample-town.map --format tiled", "--format must be movingai or osm")]
    [InlineData("samples:sample-town.map --name has/slash", "--name: 'has/slash' cannot name a map")]
    [InlineData("city.txt", "Cannot tell the format of 'city.txt'")]
    [InlineData("samples:sample-town.map samples:sample-town.scen", "Unexpected argument")]
    public async Task Import_BadUsage_ExitsWithTwoAndSaysWhy(string commandLine, string message)
    {
        string[] args = [.. commandLine.Split(' ').Select(arg => arg.StartsWith("samples:") ? Sample(arg["samples:".Length..]) : arg)];

        (int exit, string output, string error) = await Run(["maps", "import", .. args]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task Import_AFileThatIsNotThere_SaysSo()
    {
        (int exit, _, string error) = await Run("maps", "import", Path.Combine(_data, "missing.map"));
        Assert.Equal(2, exit);
        Assert.Contains("missing.map: no such file", error);
    }

    [Fact]
    public async Task Delete_RemovesAnImportedMap_ButNeverAPreset()
    {
        await Run("maps", "import", Sample("sample-town.map"));

        (int exit, string output, _) = await Run("maps", "delete", "sample-town");
        Assert.Equal(0, exit);
        Assert.True(JsonDocument.Parse(output).RootElement.GetProperty("deleted").GetBoolean());
        Assert.Equal(2, (await Run("maps", "show", "sample-town")).Exit);
        Assert.Equal(2, (await Run("maps", "delete", PresetMaps.Small)).Exit);
    }
}
