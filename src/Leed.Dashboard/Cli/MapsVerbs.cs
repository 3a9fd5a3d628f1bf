// `maps list`, `maps show`, `maps import` and `maps delete`: the maps a run can use.
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;

namespace Leed.Dashboard.Cli;

internal static class MapsVerbs
{
    public static readonly OptionSpec[] ImportOptions =
    [
        Verb.Data,
        new("scen", "MovingAI scenario file whose rows become the agents", ValueName: "FILE"),
        new("format", "movingai or osm (default: from the extension, .map or .osm)", ValueName: "FORMAT"),
        new("cell-meters", "OpenStreetMap: metres per grid cell (default 10)", ValueName: "M"),
        new("highways", "OpenStreetMap: comma-separated highway kinds to keep (default: all but footway, path, cycleway, steps, " +
            "pedestrian, track, service, bridleway, corridor, proposed, construction)", ValueName: "KINDS"),
        new("name", "name of the stored map (default: the file's name without extension)", ValueName: "NAME"),
        new("agents", "how many of the .scen rows become agents (default: all)", ValueName: "N"),
        new("overwrite", "replace a stored map of the same name", IsFlag: true),
    ];

    public static Task<int> ListAsync(VerbContext context)
    {
        var maps = MapCatalog.For(context.Store).List()
            .Select(map => new { map.Name, map.Width, map.Height, source = map.Source.Kind, synthetic = map.Source.IsSynthetic, map.Source.Description });
        context.WriteJson(maps);
        return Task.FromResult(0);
    }

    public static Task<int> ShowAsync(VerbContext context)
    {
        string name = context.Args.Positional(0, "map name (see `maps list`)");
        var catalog = MapCatalog.For(context.Store);
        CityMap map = catalog.Find(name) ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
        RoadGraph graph = map.Graph;
        Scenario? scenario = catalog.FindScenario(name);
        string agents = scenario is null ? "" : $" {scenario.AgentCount} stored agent(s), {scenario.Description}.";
        context.Error.WriteLine($"{map.Name}: {map.Width}x{map.Height}, {map.RoadCellCount} road cells, {graph.IntersectionCount} intersections " +
            $"('+'), {graph.Segments.Count} segments, {graph.ComponentCount} component(s). {map.Source.Description}{agents}");
        context.Out.Write(map.ToAscii());
        return Task.FromResult(0);
    }

    public static Task<int> ImportAsync(VerbContext context)
    {
        ParsedArguments args = context.Args;
        string path = args.Positional(0, "map file (.map or .osm)");
        if (args.Positionals.Count > 1)
            throw new UsageException($"Unexpected argument '{args.Positionals[1]}'; give one map file (a .scen file goes after --scen).");
        MapFormat format = args.Get("format") switch
        {
            null => InferFormat(path),
            "movingai" => MapFormat.MovingAi,
            "osm" => MapFormat.Osm,
            string other => throw new UsageException($"--format must be movingai or osm, got '{other}'."),
        };
        if (format == MapFormat.Osm && args.Has("scen")) throw new UsageException("--scen goes with a MovingAI map only.");
        if (format == MapFormat.MovingAi && (args.Has("cell-meters") || args.Has("highways")))
            throw new UsageException("--cell-meters and --highways are for OpenStreetMap files only.");
        if (args.Has("agents") && !args.Has("scen")) throw new UsageException("--agents needs --scen FILE (the agents come from its rows).");
        string? name = args.Get("name");
        if (name is not null && MapRepository.NameProblem(name) is string problem) throw new UsageException("--name: " + problem);

        var request = new MapImportRequest(path)
        {
            Format = format,
            ScenarioPath = args.Get("scen"),
            Name = name,
            Agents = args.Has("agents") ? args.GetInt("agents", 0, 1, 100_000) : null,
            Osm = new OsmImportOptions
            {
                MetresPerCell = args.GetDouble("cell-meters", 10, 1, 1000),
                HighwayKinds = args.Get("highways")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            },
        };

        MapImportResult imported;
        try
        {
            imported = MapImporter.Import(request);
            MapCatalog.For(context.Store).Stored.Save(imported.Map, imported.Scenario, args.Flag("overwrite"));
        }
        catch (MapImportException error)
        {
            throw new InputException(error.Message + "\nNothing was saved.");
        }
        catch (MapNameTakenException error)
        {
            throw new InputException(error.Message + " Use --name NAME, or --overwrite to replace it. Nothing was saved.");
        }

        CityMap map = imported.Map;
        RoadGraph graph = map.Graph;
        context.Error.WriteLine($"Saved '{map.Name}'. {map.Source.Description} Try `maps show {map.Name}`.");
        context.WriteJson(new
        {
            name = map.Name,
            width = map.Width,
            height = map.Height,
            roadCells = map.RoadCellCount,
            intersections = graph.IntersectionCount,
            segments = graph.Segments.Count,
            components = graph.ComponentCount,
            agents = imported.Scenario?.AgentCount ?? 0,
        });
        return Task.FromResult(0);
    }

    public static Task<int> DeleteAsync(VerbContext context)
    {
        string name = context.Args.Positional(0, "map name (see `maps list`)");
        if (PresetMaps.IsPreset(name)) throw new InputException($"'{name}' is a built-in map and cannot be deleted.");
        if (!MapCatalog.For(context.Store).Stored.Delete(name))
            throw new InputException($"No imported map named '{name}'. Run `maps list` for the names.");
        context.WriteJson(new { name, deleted = true });
        return Task.FromResult(0);
    }

    private static MapFormat InferFormat(string path)
    {
        try
        {
            return MapImporter.InferFormat(path);
        }
        catch (MapImportException)
        {
            throw new UsageException($"Cannot tell the format of '{Path.GetFileName(path)}' from its extension (.map or .osm); pass --format movingai or --format osm.");
        }
    }
}
