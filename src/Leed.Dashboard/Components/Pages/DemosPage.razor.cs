// The Demonstrations page: generate a set, review each agent's route on the map, edit a draft, approve it as a new version, train.
using Leed.Components.Views;
using Leed.Dashboard.Demos;
using Leed.Dashboard.Views;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Leed.Dashboard.Components.Pages;

public sealed partial class DemosPage
{
    public const string DefaultEditor = "researcher";

    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private LlmSettings Llm { get; set; } = default!;
    [Inject] private DemonstrationService Demonstrations { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    /// <summary>The stored version shown, or null for the list of sets.</summary>
    [Parameter] public int? SetId { get; set; }

    private bool _ready;
    private int? _loadedId;
    private IReadOnlyList<StoredDemonstrationSet> _list = [];
    private string? _loadError;
    private StoredDemonstrationSet? _stored;
    private IReadOnlyList<StoredDemonstrationSet> _versions = [], _chain = [];
    private int _nextVersion;
    private DemonstrationDraft? _draft;
    private CityGridView? _gridView;
    private int? _selected;
    private IReadOnlyList<DrawnRoute> _routes = [];
    private IReadOnlyList<RouteOverlay> _overlays = [];
    private IReadOnlyList<DemoAgentRow> _rows = [];
    private IReadOnlySet<int>? _selectable;
    private string _editor = DefaultEditor;

    private string ActiveLabel => DemonstratorFacts.From(Llm.Current).Label;

    private int ValidCount => _draft?.Agents.Count(agent => agent.Valid) ?? 0;

    private int InvalidHops => _routes.Count(route => route.Overlay.InvalidHopIndex is not null);

    private string? SelectableText => _selectable is null ? null : string.Join(',', _selectable.Order());

    protected override void OnParametersSet()
    {
        if (SetId is not int id)
        {
            _loadedId = null;
            _list = new DemonstrationStore(Store).List();
        }
        else if (id != _loadedId)
        {
            _loadedId = id;
            Load(id);
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
    }

    private void Load(int id)
    {
        (_loadError, _stored, _draft, _selected, _selectable) = (null, null, null, null, null);
        var demos = new DemonstrationStore(Store);
        StoredDemonstrationSet? stored = demos.Find(id);
        if (stored is null)
        {
            _loadError = $"No demonstration set with id {id}. The Demonstrations page lists the stored sets.";
            return;
        }
        CityMap map;
        try
        {
            map = MapCatalog.For(Store).Require(stored.MapName);
        }
        catch (MapNotFoundException missing)
        {
            _loadError = $"{stored.Title} was made for a map that is gone. {missing.Message}";
            return;
        }
        Scenario scenario = DemonstrationStore.ScenarioOf(stored, map);
        _stored = stored;
        _versions = demos.Versions(stored.Family);
        _nextVersion = _versions.Max(version => version.Version) + 1;
        _chain = Chain(stored, _versions);
        _draft = new DemonstrationDraft(stored, scenario);
        // The scenario's graph numbers origins and destinations inside segments as extra nodes: the grid must use the same ids.
        _gridView = ViewMapper.ToGridView(map, scenario.Graph);
        Refresh();
    }

    /// <summary>Recomputes routes, rows and the selectable intersections from the draft.</summary>
    private void Refresh()
    {
        if (_draft is null) return;
        _routes = [.. _draft.Agents.Select(agent => DemoRoutes.Draw(_draft.Scenario, agent))];
        _overlays = [.. _routes.Select(route => route.Overlay)];
        _rows = [.. _routes.Select((route, agent) => DemoRoutes.Row(_draft, agent, route))];
        _selectable = _selected is int selected ? _draft.Selectable(selected) : null;
    }

    private void Select(int agent)
    {
        _selected = _selected == agent ? null : agent;
        Refresh();
    }

    private void OnIntersectionClicked(int node)
    {
        if (_draft is null || _selected is not int agent) return;
        if (_draft.AppendMove(agent, node)) Refresh();
    }

    private void Undo()
    {
        if (_draft?.Undo() is int agent) _selected = agent;
        Refresh();
    }

    private void Approve()
    {
        if (_draft is null || _stored is null) return;
        if (_draft.ApproveProblem is string problem)
        {
            Snackbar.Add(problem, Severity.Warning);
            return;
        }
        StoredDemonstrationSet saved = Demonstrations.SaveVersion(_stored.Id, _draft.Scenario, _draft.ToAgentDemonstrations(),
            _draft.Edits(_editor, DateTime.UtcNow), _draft.Transcript);
        Snackbar.Add($"Saved {saved.Title} (id {saved.Id}); {_stored.Title} is unchanged.", Severity.Success);
        Navigation.NavigateTo($"demos/{saved.Id}");
    }

    private void Train()
    {
        if (_stored is not null) Navigation.NavigateTo($"runs/new?set={_stored.Id}");
    }

    private void OnGenerated(int id) => Navigation.NavigateTo($"demos/{id}");

    /// <summary>Version 1 up to <paramref name="shown"/>, following parents.</summary>
    private static IReadOnlyList<StoredDemonstrationSet> Chain(StoredDemonstrationSet shown, IReadOnlyList<StoredDemonstrationSet> versions)
    {
        var chain = new List<StoredDemonstrationSet>();
        for (StoredDemonstrationSet? at = shown; at is not null; at = at.ParentId is int parent ? versions.FirstOrDefault(version => version.Id == parent) : null)
            chain.Add(at);
        chain.Reverse();
        return chain;
    }
}
