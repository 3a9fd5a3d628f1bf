// The Maps page: presets and imported maps with statistics and a preview; import by upload.
using Leed.Components.Views;
using Leed.Dashboard.Views;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace Leed.Dashboard.Components.Pages;

/// <summary>One row of the maps table.</summary>
public sealed record MapSummary(string Name, int Width, int Height, int RoadCells, int Intersections, int Segments, int Components,
    bool Synthetic, string SourceKind, int Agents);

public partial class Maps
{
    public const long MaxUploadBytes = 20 * 1024 * 1024;

    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private IReadOnlyList<MapSummary> _maps = [];
    private CityMap? _preview;
    private CityGridView? _previewView;
    private readonly Dictionary<string, byte[]> _files = [];
    private string? _importName, _importError;
    private double _metresPerCell = 10;
    private int? _scenAgents;
    private MapImportResult? _pending;
    private bool _ready;

    private MapCatalog Catalog => MapCatalog.For(Store);

    protected override void OnInitialized()
    {
        Load();
        if (_maps.Count > 0) Select(_maps[0].Name);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
    }

    private void Load() => _maps = [.. Catalog.List().Select(map =>
    {
        RoadGraph graph = map.Graph;
        int agents = Catalog.FindScenario(map.Name)?.AgentCount ?? 0;
        return new MapSummary(map.Name, map.Width, map.Height, map.RoadCellCount, graph.IntersectionCount, graph.Segments.Count,
            graph.ComponentCount, map.Source.IsSynthetic, map.Source.Kind, agents);
    })];

    private void Select(string name) => ShowPreview(Catalog.Find(name));

    private void ShowPreview(CityMap? map)
    {
        _preview = map;
        _previewView = map is null ? null : ViewMapper.ToGridView(map);
    }

    private async Task OnFilesChosen(InputFileChangeEventArgs args)
    {
        _files.Clear();
        _pending = null;
        _importError = null;
        try
        {
            foreach (IBrowserFile file in args.GetMultipleFiles(3))
            {
                if (file.Size > MaxUploadBytes)
                    throw new MapImportException(file.Name, null, null, $"the file is {file.Size / (1024.0 * 1024):0.#} MB; the limit is {MaxUploadBytes / (1024 * 1024)} MB");
                using var buffer = new MemoryStream();
                await file.OpenReadStream(MaxUploadBytes).CopyToAsync(buffer);
                _files[file.Name] = buffer.ToArray();
            }
            Preview();
        }
        catch (Exception error) when (error is MapImportException or ArgumentException or IOException)
        {
            _importError = error.Message;
        }
    }

    /// <summary>Parses the uploaded files without saving anything; errors are shown beside the files.</summary>
    private void Preview()
    {
        string? mapFile = _files.Keys.FirstOrDefault(name => name.EndsWith(".map", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".osm", StringComparison.OrdinalIgnoreCase));
        string? scenFile = _files.Keys.FirstOrDefault(name => name.EndsWith(".scen", StringComparison.OrdinalIgnoreCase));
        if (mapFile is null)
            throw new MapImportException(_files.Keys.FirstOrDefault() ?? "(no file)", null, null, "no map file was chosen", "a .map or .osm file (a .scen goes with its .map)");
        string name = string.IsNullOrWhiteSpace(_importName) ? MapImporter.DefaultName(mapFile) : _importName.Trim();
        if (MapRepository.NameProblem(name) is string problem) throw new ArgumentException(problem);
        if (Catalog.Find(name) is not null) throw new ArgumentException($"A map named '{name}' exists already; choose another name.");

        CityMap map = MapImporter.InferFormat(mapFile) == MapFormat.MovingAi
            ? MovingAiMapReader.Read(Reader(mapFile), mapFile, name)
            : OsmMapReader.Read(Reader(mapFile), mapFile, name, new OsmImportOptions { MetresPerCell = _metresPerCell });
        if (scenFile is not null && MapImporter.InferFormat(mapFile) != MapFormat.MovingAi)
            throw new ArgumentException($"{scenFile}: a .scen file goes with a MovingAI .map only.");
        Scenario? scenario = scenFile is null ? null : MovingAiScenarioReader.Read(Reader(scenFile), scenFile, map, _scenAgents);
        _pending = new MapImportResult(map, scenario);
        ShowPreview(map);
    }

    private StringReader Reader(string file) => new(System.Text.Encoding.UTF8.GetString(_files[file]));

    private void SaveImport()
    {
        if (_pending is null) return;
        try
        {
            new MapRepository(Store).Save(_pending.Map, _pending.Scenario);
            Snackbar.Add($"Saved map {_pending.Map.Name}.", Severity.Success);
            string saved = _pending.Map.Name;
            _pending = null;
            _files.Clear();
            Load();
            Select(saved);
        }
        catch (MapNameTakenException error)
        {
            _importError = error.Message;
        }
    }
}
