// One entry point for imports: picks the format, reads the files, names the map.
using System.Text;
using System.Text.RegularExpressions;
using Leed.Engine.Env;

namespace Leed.Engine.Maps.Import;

public enum MapFormat { MovingAi, Osm }

/// <summary>What to import and how.</summary>
/// <param name="MapPath">The .map or .osm file.</param>
public sealed record MapImportRequest(string MapPath)
{
    /// <summary>A MovingAI .scen file with the agents (MovingAI maps only).</summary>
    public string? ScenarioPath { get; init; }

    /// <summary>The format; null infers it from the extension (.map, .osm).</summary>
    public MapFormat? Format { get; init; }

    /// <summary>The map's name; null derives it from the file name.</summary>
    public string? Name { get; init; }

    /// <summary>How many of the .scen file's rows become agents; null takes them all.</summary>
    public int? Agents { get; init; }

    /// <summary>OpenStreetMap only: resolution and highway kinds.</summary>
    public OsmImportOptions Osm { get; init; } = new();
}

/// <summary>An imported map and, for a .scen import, its agents. Nothing is saved yet.</summary>
public sealed record MapImportResult(CityMap Map, Scenario? Scenario)
{
    /// <summary>What `maps import` prints and the local API answers.</summary>
    public MapImportSummary Summary => new(Map.Name, Map.Width, Map.Height, Map.RoadCellCount, Map.Graph.IntersectionCount,
        Map.Graph.Segments.Count, Map.Graph.ComponentCount, Scenario?.AgentCount ?? 0);
}

/// <summary>An imported map's statistics, with the JSON names `maps import` prints.</summary>
public sealed record MapImportSummary(string Name, int Width, int Height, int RoadCells, int Intersections, int Segments, int Components, int Agents);

public static partial class MapImporter
{
    /// <summary>Reads the files of <paramref name="request"/>; every problem with them is a <see cref="MapImportException"/>.</summary>
    public static MapImportResult Import(MapImportRequest request) => Import(request, ReadFile);

    /// <summary>
    /// The same import from contents already in memory (an upload, a file sent to the local API):
    /// the request's paths are only names, for the format and for the messages' locations.
    /// </summary>
    public static MapImportResult ImportText(MapImportRequest request, string mapText, string? scenarioText)
    {
        if ((request.ScenarioPath is null) != (scenarioText is null))
            throw new ArgumentException("A scenario needs both its file name and its contents.", nameof(scenarioText));
        return Import(request, (path, read) =>
        {
            using var reader = new StringReader(path == request.MapPath ? mapText : scenarioText!);
            return read(reader);
        });
    }

    private static MapImportResult Import(MapImportRequest request, Func<string, Func<TextReader, object>, object> readFile)
    {
        string mapFile = Path.GetFileName(request.MapPath);
        MapFormat format = request.Format ?? InferFormat(request.MapPath);
        if (request.ScenarioPath is not null && format != MapFormat.MovingAi)
            throw new ArgumentException("A .scen file goes with a MovingAI map only.", nameof(request));
        string name = request.Name ?? DefaultName(request.MapPath);
        if (MapRepository.NameProblem(name) is string problem) throw new ArgumentException(problem, nameof(request));

        var map = (CityMap)readFile(request.MapPath, text => format == MapFormat.MovingAi
            ? MovingAiMapReader.Read(text, mapFile, name)
            : OsmMapReader.Read(text, mapFile, name, request.Osm));
        Scenario? scenario = request.ScenarioPath is string scen
            ? (Scenario)readFile(scen, text => MovingAiScenarioReader.Read(text, Path.GetFileName(scen), map, request.Agents))
            : null;
        return new MapImportResult(map, scenario);
    }

    /// <summary>.map is MovingAI, .osm is OpenStreetMap XML; anything else needs the format given.</summary>
    public static MapFormat InferFormat(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".map" => MapFormat.MovingAi,
        ".osm" => MapFormat.Osm,
        string other => throw new MapImportException(Path.GetFileName(path), null, null,
            other.Length == 0 ? "the file has no extension to tell its format by" : $"the extension '{other}' does not tell the format",
            "a .map (MovingAI) or .osm (OpenStreetMap XML) file, or the format given explicitly", other),
    };

    /// <summary>The file's name without its extension, with characters a map name cannot hold replaced by '-'.</summary>
    public static string DefaultName(string path)
    {
        string name = NotAllowed().Replace(Path.GetFileNameWithoutExtension(path), "-").Trim('-', '.', '_');
        if (name.Length > MapRepository.MaxNameLength) name = name[..MapRepository.MaxNameLength];
        return name.Length == 0 ? "imported" : name;
    }

    private static object ReadFile(string path, Func<TextReader, object> read)
    {
        string file = Path.GetFileName(path);
        StreamReader reader;
        try
        {
            reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            string problem = error is FileNotFoundException or DirectoryNotFoundException ? $"no such file: {Path.GetFullPath(path)}" : $"cannot read the file: {error.Message}";
            throw new MapImportException(file, null, null, problem);
        }
        using (reader) return read(reader);
    }

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex NotAllowed();
}
