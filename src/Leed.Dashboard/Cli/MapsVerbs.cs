// `maps list`, `maps show`, `maps import` and `maps delete`: the maps a run can use.
using System.CommandLine;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;
using Leed.Engine.Storage;
using Leed.Dashboard.LocalApi;

namespace Leed.Dashboard.Cli;

internal static class MapsVerbs
{
    private static readonly Argument<string> Name = CliOptions.Argument("NAME", "map name (see `maps list`)");
    private static readonly Argument<string> MapFile = CliOptions.Argument("FILE", "map file (.map or .osm)");
    private static readonly Option<string?> Scen = CliOptions.Text("--scen", "MovingAI scenario file whose rows become the agents", "FILE");
    private static readonly Option<string?> Format = CliOptions.Choice("--format", "file format (default: from the extension, .map or .osm)", "movingai", "osm");
    private static readonly Option<double> CellMeters = CliOptions.Double("--cell-meters", "OpenStreetMap: metres per grid cell", "M",
        new OsmImportOptions().MetresPerCell, 1, 1000);
    private static readonly Option<string?> Highways = CliOptions.Text("--highways", "OpenStreetMap: comma-separated highway kinds to keep " +
        $"(default: all but {string.Join(", ", OsmImportOptions.ExcludedByDefault)})", "KINDS");
    private static readonly Option<string?> StoredName = CliOptions.Text("--name", "name of the stored map (default: the file's name without extension)", "NAME");
    private static readonly Option<int?> Agents = CliOptions.OptionalInt("--agents", "how many of the .scen rows become agents (default: all)", "N", 1, 100_000);
    private static readonly Option<bool> Overwrite = CliOptions.Flag("--overwrite", "replace a stored map of the same name");

    public static Command Command() => new("maps", "The maps a run can use: the built-in presets and imported maps.")
    {
        CommandLine.Verb("list", "Lists the maps (presets and imported) as JSON.", [CliOptions.Data], ListAsync),
        CommandLine.Verb("show", "Prints a map as ASCII ('+' intersection, '.' road, '#' blocked).", [Name, CliOptions.Data], ShowAsync),
        CommandLine.Verb("import", "Imports a MovingAI .map (with an optional .scen for agents) or an OpenStreetMap .osm file and stores it; " +
            "prints its statistics as JSON.", [MapFile, CliOptions.Data, Scen, Format, CellMeters, Highways, StoredName, Agents, Overwrite], ImportAsync),
        CommandLine.Verb("delete", "Deletes an imported map.", [Name, CliOptions.Data], DeleteAsync),
    };

    private static Task<int> ListAsync(VerbContext context)
    {
        var maps = MapCatalog.For(context.Store).List()
            .Select(map => new { map.Name, map.Width, map.Height, source = map.Source.Kind, synthetic = map.Source.IsSynthetic, map.Source.Description });
        context.WriteJson(maps);
        return Task.FromResult(0);
    }

    private static Task<int> ShowAsync(VerbContext context)
    {
        var catalog = MapCatalog.For(context.Store);
        CityMap map = catalog.Require(context.Get(Name));
        RoadGraph graph = map.Graph;
        Scenario? scenario = catalog.FindScenario(map.Name);
        string agents = scenario is null ? "" : $" {scenario.AgentCount} stored agent(s), {scenario.Description}.";
        context.Error.WriteLine($"{map.Name}: {map.Width}x{map.Height}, {map.RoadCellCount} road cells, {graph.IntersectionCount} intersections " +
            $"('+'), {graph.Segments.Count} segments, {graph.ComponentCount} component(s). {map.Source.Description}{agents}");
        context.Out.Write(map.ToAscii());
        return Task.FromResult(0);
    }

    private static async Task<int> ImportAsync(VerbContext context)
    {
        string path = context.Get(MapFile);
        MapFormat format = context.Get(Format) switch
        {
            null => InferFormat(path),
            "osm" => MapFormat.Osm,
            _ => MapFormat.MovingAi,
        };
        if (format == MapFormat.Osm && context.Has(Scen)) throw new UsageException("--scen goes with a MovingAI map only.");
        if (format == MapFormat.MovingAi && (context.Has(CellMeters) || context.Has(Highways)))
            throw new UsageException("--cell-meters and --highways are for OpenStreetMap files only.");
        if (context.Has(Agents) && !context.Has(Scen)) throw new UsageException("--agents needs --scen FILE (the agents come from its rows).");
        string? name = context.Get(StoredName);
        if (name is not null && MapRepository.NameProblem(name) is string problem) throw new UsageException("--name: " + problem);

        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        if (dashboard is not null)
        {
            // The dashboard owns the folder: it imports and stores the map, from the files' contents read here.
            string? scen = context.Get(Scen);
            MapImportSummary summary = await dashboard.ImportMapAsync(new MapImportCall(path, ReadText(path))
            {
                ScenarioFileName = scen,
                ScenarioContent = scen is null ? null : ReadText(scen),
                Format = context.Get(Format),
                Name = name,
                Agents = context.Get(Agents),
                CellMeters = context.Has(CellMeters) ? context.Get(CellMeters) : null,
                Highways = context.Get(Highways),
                Overwrite = context.Get(Overwrite),
            }, context.Cancellation);
            context.Error.WriteLine($"Saved '{summary.Name}' in the running dashboard's store. Try `maps show {summary.Name}` once it stops, or its Maps page.");
            context.WriteJson(summary);
            return 0;
        }

        var request = new MapImportRequest(path)
        {
            Format = format,
            ScenarioPath = context.Get(Scen),
            Name = name,
            Agents = context.Get(Agents),
            Osm = new OsmImportOptions
            {
                MetresPerCell = context.Get(CellMeters),
                HighwayKinds = context.Get(Highways)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            },
        };

        MapImportResult imported;
        try
        {
            imported = MapImporter.Import(request);
            MapCatalog.For(store!).Stored.Save(imported.Map, imported.Scenario, context.Get(Overwrite));
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
        context.Error.WriteLine($"Saved '{map.Name}'. {map.Source.Description} Try `maps show {map.Name}`.");
        context.WriteJson(imported.Summary);
        return 0;
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            string problem = error is FileNotFoundException or DirectoryNotFoundException ? $"no such file: {Path.GetFullPath(path)}" : $"cannot read the file: {error.Message}";
            throw new InputException($"{Path.GetFileName(path)}: {problem}\nNothing was saved.");
        }
    }

    private static Task<int> DeleteAsync(VerbContext context)
    {
        string name = context.Get(Name);
        if (PresetMaps.IsPreset(name)) throw new InputException($"'{name}' is a built-in map and cannot be deleted.");
        if (!MapCatalog.For(context.Store).Stored.Delete(name)) throw new MapNotFoundException(name);
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
