// The city grid component: sends the map once, then each snapshot, to the canvas renderer, and maps clicks back to intersections or agents.
using Leed.Components.Views;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Leed.Components.Grid;

/// <summary>
/// Draws a city map with its agents and routes on an HTML canvas. The whole map fits the width of
/// its container (up to <see cref="MaxHeight"/>) by default, whatever its size; the mouse wheel and
/// the +/- buttons zoom, dragging pans, and "fit" goes back, all in the browser. Agents, destinations
/// and routes are redrawn for each snapshot, at most once per animation frame, with no DOM element
/// per agent. Given an <see cref="Episode"/> instead of a snapshot, the whole episode goes to the
/// browser once and an <see cref="EpisodeTimeline"/> plays it there. After each draw the wrapper element
/// carries <c>data-agents</c> (the number of agents drawn), <c>data-step</c>, and the view: <c>data-scale</c> (CSS pixels per cell),
/// <c>data-fit-scale</c> and <c>data-offset-x</c>/<c>data-offset-y</c> (where cell (0, 0) starts).
/// </summary>
public sealed partial class CityGrid : ComponentBase, IAsyncDisposable
{
    /// <summary>Where the renderer module is served from.</summary>
    public const string ModulePath = "./_content/Leed.Components/cityGrid.js";

    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>The map to draw; the static layer is redrawn only when this reference changes.</summary>
    [Parameter, EditorRequired] public CityGridView? Map { get; set; }

    /// <summary>The agents at one step; only driving and timed-out agents are on the grid.</summary>
    [Parameter] public GridSnapshot? Snapshot { get; set; }

    /// <summary>A whole recorded episode, sent once and played in the browser by an <see cref="EpisodeTimeline"/>; wins over <see cref="Snapshot"/>.</summary>
    [Parameter] public EpisodeView? Episode { get; set; }

    /// <summary>Routes drawn as polylines over the map.</summary>
    [Parameter] public IReadOnlyList<RouteOverlay>? Routes { get; set; }

    /// <summary>An agent to emphasise; the others are drawn faded.</summary>
    [Parameter] public int? HighlightAgent { get; set; }

    /// <summary>
    /// When set, only these intersection ids are clickable and they are ringed on the map; when
    /// null, every intersection is clickable.
    /// </summary>
    [Parameter] public IReadOnlySet<int>? SelectableIntersections { get; set; }

    /// <summary>
    /// The tallest the grid may be (any CSS length); a map taller than wide is fitted to this height.
    /// Intersection ids are written once a cell is 16 pixels or more (zoom in to read them).
    /// </summary>
    [Parameter] public string MaxHeight { get; set; } = "70vh";

    /// <summary>The wrapper element's id.</summary>
    [Parameter] public string? Id { get; set; }

    /// <summary>Extra CSS classes for the wrapper element.</summary>
    [Parameter] public string? Class { get; set; }

    /// <summary>Raised with the intersection id when a clickable intersection is clicked.</summary>
    [Parameter] public EventCallback<int> OnIntersectionClicked { get; set; }

    /// <summary>Raised with the agent index when a cell holding an agent is clicked.</summary>
    [Parameter] public EventCallback<int> OnAgentClicked { get; set; }

    private ElementReference _wrapper;
    private IJSObjectReference? _module;
    private DotNetObjectReference<CityGrid>? _self;
    private bool _disposed;

    private CityGridView? _indexedMap;
    private Dictionary<GridPoint, int> _intersectionAt = [];

    // What the renderer has been sent, so each render pushes only what changed.
    private const string ButtonStyle = "min-width: 28px; height: 28px; padding: 0 6px; border: 1px solid #9aa5b1; border-radius: 4px; " +
        "background: rgba(255, 255, 255, 0.85); color: #263238; font: 600 14px sans-serif; cursor: pointer;";

    private CityGridView? _sentMap;
    private GridSnapshot? _sentSnapshot;
    private EpisodeView? _sentEpisode;
    private IReadOnlyList<RouteOverlay>? _sentRoutes;
    private (int? Highlight, IReadOnlySet<int>? Selectable)? _sentOverlay;

    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(Map, _indexedMap))
        {
            _indexedMap = Map;
            _intersectionAt = IndexIntersections(Map);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            var module = await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            if (_disposed)
            {
                await module.DisposeAsync();
                return;
            }
            await module.InvokeVoidAsync("init", _wrapper, _self);
            _module = module;
        }
        await PushChangesAsync();
    }

    /// <summary>Called by the renderer with the cell under a click and the step the grid shows.</summary>
    [JSInvokable]
    public async Task OnCellClicked(int x, int y, int step = 0)
    {
        if (_disposed || Map is null || !Map.Contains(x, y))
            return;

        if (_intersectionAt.TryGetValue(new GridPoint(x, y), out var id)
            && (SelectableIntersections is null || SelectableIntersections.Contains(id))
            && OnIntersectionClicked.HasDelegate)
        {
            await OnIntersectionClicked.InvokeAsync(id);
            return;
        }

        if (AgentAt(x, y, step) is { } agent)
            await OnAgentClicked.InvokeAsync(agent);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("dispose", _wrapper);
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The browser is gone, and the module with it.
            }
            _module = null;
        }
        _self?.Dispose();
    }

    private async Task PushChangesAsync()
    {
        if (_module is null || _disposed || Map is null)
            return;

        if (!ReferenceEquals(Map, _sentMap))
        {
            _sentMap = Map;
            await _module.InvokeVoidAsync("setMap", _wrapper, Map.Width, Map.Height, Map.Cells, FlattenPoints(Map.Intersections));
        }

        if (!ReferenceEquals(Routes, _sentRoutes))
        {
            _sentRoutes = Routes;
            await _module.InvokeVoidAsync("setRoutes", _wrapper, ToRendererRoutes(Routes));
        }

        var overlay = (HighlightAgent, SelectableIntersections);
        if (_sentOverlay != overlay)
        {
            _sentOverlay = overlay;
            await _module.InvokeVoidAsync("setOverlay", _wrapper, HighlightAgent, SelectableIntersections?.ToArray());
        }

        if (Episode is not null && !ReferenceEquals(Episode, _sentEpisode))
        {
            _sentEpisode = Episode;
            await _module.InvokeVoidAsync("setEpisode", _wrapper, new
            {
                agents = Episode.Agents,
                steps = Episode.Steps,
                // Bytes travel to the browser as binary, not as JSON numbers: a 100-agent episode is one small message.
                cells = System.Runtime.InteropServices.MemoryMarshal.AsBytes(Episode.Cells.AsSpan()).ToArray(),
                statuses = Episode.Statuses,
                blocked = Episode.Blocked,
                destinations = Episode.Destinations,
            });
        }
        else if (Episode is null && Snapshot is not null && !ReferenceEquals(Snapshot, _sentSnapshot))
        {
            _sentSnapshot = Snapshot;
            await _module.InvokeVoidAsync("setSnapshot", _wrapper, Snapshot.Step, FlattenAgents(Snapshot.Agents));
        }
    }

    private int? AgentAt(int x, int y, int step)
    {
        var markers = Episode is not null && Map is not null
            ? Episode.Frame(Math.Clamp(step, 0, Episode.Steps - 1), Map.Width).Agents
            : Snapshot?.Agents;
        if (markers is null)
            return null;
        int? found = null;
        foreach (var marker in markers)
        {
            if (marker.X != x || marker.Y != y || !IsOnGrid(marker.Status))
                continue;
            // When two vehicles share the cell, the highlighted one wins, then the lower index.
            if (marker.Agent == HighlightAgent)
                return marker.Agent;
            found ??= marker.Agent;
        }
        return found;
    }

    private static bool IsOnGrid(AgentStatus status) => status is AgentStatus.Driving or AgentStatus.TimedOut;

    private static Dictionary<GridPoint, int> IndexIntersections(CityGridView? map)
    {
        var index = new Dictionary<GridPoint, int>();
        if (map is null)
            return index;
        for (var id = 0; id < map.Intersections.Count; id++)
            index.TryAdd(map.Intersections[id], id);
        return index;
    }

    private static int[] FlattenPoints(IReadOnlyList<GridPoint> points)
    {
        var flat = new int[points.Count * 2];
        for (var i = 0; i < points.Count; i++)
        {
            flat[2 * i] = points[i].X;
            flat[2 * i + 1] = points[i].Y;
        }
        return flat;
    }

    // Six ints per agent keep a 100-agent snapshot to one small array: agent, x, y, status, destX, destY.
    private static int[] FlattenAgents(IReadOnlyList<AgentMarker> agents)
    {
        var flat = new int[agents.Count * 6];
        for (var i = 0; i < agents.Count; i++)
        {
            var a = agents[i];
            flat[6 * i] = a.Agent;
            flat[6 * i + 1] = a.X;
            flat[6 * i + 2] = a.Y;
            flat[6 * i + 3] = (int)a.Status;
            flat[6 * i + 4] = a.DestX;
            flat[6 * i + 5] = a.DestY;
        }
        return flat;
    }

    private static object[] ToRendererRoutes(IReadOnlyList<RouteOverlay>? routes) =>
        routes is null
            ? []
            : routes.Select(r => (object)new
            {
                agent = r.Agent,
                path = FlattenPoints(r.Path),
                origin = new[] { r.Origin.X, r.Origin.Y },
                destination = new[] { r.Destination.X, r.Destination.Y },
                invalidHop = r.InvalidHopIndex,
                colour = r.Colour,
            }).ToArray();
}
