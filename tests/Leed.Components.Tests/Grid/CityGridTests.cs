// The city grid talks to its canvas module in the right order and turns clicks into intersection or agent events.
using System.Reflection;
using System.Text.RegularExpressions;
using Bunit;
using Leed.Components.Grid;
using Leed.Components.Views;
using Microsoft.JSInterop;

namespace Leed.Components.Tests.Grid;

public sealed class CityGridTests : ComponentTestBase
{
    // A 4x3 map:      x=0 1 2 3
    //          y=0     R R R R     intersections: 0 at (0,0), 1 at (3,0), 2 at (0,2)
    //          y=1     R B B R
    //          y=2     R R R R
    private static readonly CityGridView Map = new(4, 3,
        [1, 1, 1, 1,
         1, 0, 0, 1,
         1, 1, 1, 1],
        [new GridPoint(0, 0), new GridPoint(3, 0), new GridPoint(0, 2)],
        "test map");

    private static readonly GridSnapshot Snapshot = new(7,
    [
        new AgentMarker(0, 1, 0, AgentStatus.Driving, 3, 2),
        new AgentMarker(1, 2, 2, AgentStatus.Arrived, 2, 2),
        new AgentMarker(2, 3, 1, AgentStatus.TimedOut, 0, 2),
    ]);

    private readonly BunitJSModuleInterop _module;
    private readonly List<int> _intersections = [];
    private readonly List<int> _agents = [];

    public CityGridTests() => _module = Ctx.JSInterop.SetupModule(CityGrid.ModulePath);

    private IRenderedComponent<CityGrid> RenderGrid(IReadOnlySet<int>? selectable = null) =>
        Ctx.Render<CityGrid>(p => p
            .Add(c => c.Map, Map)
            .Add(c => c.Snapshot, Snapshot)
            .Add(c => c.SelectableIntersections, selectable)
            .Add(c => c.OnIntersectionClicked, id => _intersections.Add(id))
            .Add(c => c.OnAgentClicked, agent => _agents.Add(agent)));

    private string[] ModuleCalls() => _module.Invocations.Select(i => i.Identifier).ToArray();

    [Fact]
    public void FirstRender_ImportsTheModule_SendsTheMapAndThenTheSnapshot()
    {
        RenderGrid();

        Assert.Contains(Ctx.JSInterop.Invocations["import"], i => (string?)i.Arguments[0] == CityGrid.ModulePath);
        var calls = ModuleCalls();
        Assert.Equal("init", calls[0]);
        Assert.True(Array.IndexOf(calls, "setMap") < Array.IndexOf(calls, "setSnapshot"), string.Join(", ", calls));

        var map = _module.Invocations["setMap"].Single().Arguments;
        Assert.Equal(4, map[1]);
        Assert.Equal(3, map[2]);
        Assert.Equal(Map.Cells, map[3]);
        Assert.Equal(new[] { 0, 0, 3, 0, 0, 2 }, map[4]);

        var snapshot = _module.Invocations["setSnapshot"].Single().Arguments;
        Assert.Equal(7, snapshot[1]);
        Assert.Equal(new[] { 0, 1, 0, 1, 3, 2, 1, 2, 2, 2, 2, 2, 2, 3, 1, 3, 0, 2 }, snapshot[2]);
    }

    [Fact]
    public void NewSnapshot_IsSentAlone_WithoutResendingTheMap()
    {
        var grid = RenderGrid();
        var next = new GridSnapshot(8, [new AgentMarker(0, 2, 0, AgentStatus.Driving, 3, 2)]);

        grid.Render(p => p.Add(c => c.Snapshot, next));

        Assert.Single(_module.Invocations["setMap"]);
        Assert.Equal(2, _module.Invocations["setSnapshot"].Count);
        Assert.Equal(8, _module.Invocations["setSnapshot"].Last().Arguments[1]);
    }

    [Fact]
    public void Routes_AreSentWithTheirInvalidHop()
    {
        var grid = RenderGrid();
        var route = new RouteOverlay(0, [new(0, 0), new(1, 0), new(1, 1)], new(0, 0), new(1, 1), 1, "red");

        grid.Render(p => p.Add(c => c.Routes, [route]));

        var sent = (object[])_module.Invocations["setRoutes"].Single().Arguments[1]!;
        var json = System.Text.Json.JsonSerializer.Serialize(sent);
        Assert.Contains("\"path\":[0,0,1,0,1,1]", json);
        Assert.Contains("\"invalidHop\":1", json);
    }

    [Fact]
    public async Task ClickOnSelectableIntersection_RaisesItsId()
    {
        var grid = RenderGrid(selectable: new HashSet<int> { 1 });

        await grid.InvokeAsync(() => grid.Instance.OnCellClicked(3, 0));

        Assert.Equal([1], _intersections);
        Assert.Empty(_agents);
    }

    [Fact]
    public async Task ClickOnIntersectionNotInTheSelectableSet_RaisesNothing()
    {
        var grid = RenderGrid(selectable: new HashSet<int> { 1 });

        await grid.InvokeAsync(() => grid.Instance.OnCellClicked(0, 2));

        Assert.Empty(_intersections);
        Assert.Empty(_agents);
    }

    [Fact]
    public async Task WithoutASelectableSet_EveryIntersectionIsClickable()
    {
        var grid = RenderGrid();

        await grid.InvokeAsync(() => grid.Instance.OnCellClicked(0, 2));
        await grid.InvokeAsync(() => grid.Instance.OnCellClicked(0, 0));

        Assert.Equal([2, 0], _intersections);
    }

    [Theory]
    [InlineData(1, 0, 0)]     // driving agent 0
    [InlineData(3, 1, 2)]     // timed-out agent 2 stays on the grid
    public async Task ClickOnACellWithAnAgentOnTheGrid_RaisesTheAgent(int x, int y, int agent)
    {
        var grid = RenderGrid();

        await grid.InvokeAsync(() => grid.Instance.OnCellClicked(x, y));

        Assert.Equal([agent], _agents);
    }

    [Theory]
    [InlineData(2, 2)]   // agent 1 has arrived: it left the grid
    [InlineData(1, 1)]   // blocked, empty cell
    [InlineData(9, 9)]   // off the map
    public async Task ClickOnACellWithNothingClickable_RaisesNothing(int x, int y)
    {
        var grid = RenderGrid();

        await grid.InvokeAsync(() => grid.Instance.OnCellClicked(x, y));

        Assert.Empty(_agents);
        Assert.Empty(_intersections);
    }

    [Fact]
    public async Task Disposing_ReleasesTheRenderer_AndIgnoresLaterClicks()
    {
        var grid = RenderGrid();
        var instance = grid.Instance;

        await Ctx.DisposeComponentsAsync();
        await instance.OnCellClicked(0, 0);
        await instance.OnCellClicked(1, 0);

        Assert.Equal("dispose", ModuleCalls().Last());
        Assert.Empty(_intersections);
        Assert.Empty(_agents);
    }

    [Fact]
    public void TheModule_ExportsEveryFunctionTheComponentCalls_AndCallsBackTheJsInvokableName()
    {
        RenderGrid();
        var script = File.ReadAllText(Path.Combine(RepositoryRoot(), "wwwroot-assets", "cityGrid.js"));
        var exported = Regex.Matches(script, @"export function (\w+)").Select(m => m.Groups[1].Value).ToHashSet();

        Assert.All(ModuleCalls().Distinct(), call => Assert.Contains(call, exported));
        var invokable = typeof(CityGrid).GetMethod(nameof(CityGrid.OnCellClicked))!.GetCustomAttribute<JSInvokableAttribute>();
        Assert.NotNull(invokable);
        Assert.Contains($"invokeMethodAsync('{invokable.Identifier ?? nameof(CityGrid.OnCellClicked)}'", script);
    }

    // Two agents over three steps on the 4x3 map: agent 0 drives (1,0) -> (2,0) -> off (arrived at (3,0)); agent 1 waits, then enters at (0,2).
    private static readonly EpisodeView Episode = new(2, 3,
        [1, -1, 2, 8, -1, 8],
        [1, 0, 1, 1, 2, 1],
        [0, 0, 0, 1, 0, 0],
        [3, 11]);

    [Fact]
    public void AnEpisode_IsSentOnce_AsBinaryArrays_InsteadOfASnapshot()
    {
        var grid = Ctx.Render<CityGrid>(p => p.Add(c => c.Map, Map).Add(c => c.Episode, Episode).Add(c => c.Snapshot, Snapshot));
        grid.Render(p => p.Add(c => c.HighlightAgent, 1));

        var sent = _module.Invocations["setEpisode"].Single().Arguments[1]!;
        var json = System.Text.Json.JsonSerializer.Serialize(sent);
        Assert.Contains("\"agents\":2", json);
        Assert.Contains("\"steps\":3", json);
        var cells = (byte[])sent.GetType().GetProperty("cells")!.GetValue(sent)!;
        Assert.Equal(Episode.Cells, Enumerable.Range(0, cells.Length / 4).Select(i => BitConverter.ToInt32(cells, 4 * i)));
        Assert.Equal(Episode.Blocked, (byte[])sent.GetType().GetProperty("blocked")!.GetValue(sent)!);
        Assert.DoesNotContain(_module.Invocations, invocation => invocation.Identifier == "setSnapshot");
    }

    [Theory]
    [InlineData(0, 1, 0, 0)]  // step 0: agent 0 at (1,0)
    [InlineData(1, 0, 2, 1)]  // step 1: agent 1 has entered at (0,2)
    public async Task ClickOnAnEpisodeGrid_FindsTheAgentAtTheStepShown(int step, int x, int y, int agent)
    {
        var grid = Ctx.Render<CityGrid>(p => p.Add(c => c.Map, Map).Add(c => c.Episode, Episode).Add(c => c.OnAgentClicked, a => _agents.Add(a))
            .Add(c => c.OnIntersectionClicked, id => _intersections.Add(id)).Add(c => c.SelectableIntersections, new HashSet<int>()));

        await grid.InvokeAsync(() => grid.Instance.OnCellClicked(x, y, step));
        await grid.InvokeAsync(() => grid.Instance.OnCellClicked(1, 0, 2)); // step 2: agent 0 has arrived, the cell is empty

        Assert.Equal([agent], _agents);
    }

    [Fact]
    public void AnEpisodesFrameAndPath_ReadTheStepMajorArrays()
    {
        GridSnapshot frame = Episode.Frame(2, Map.Width);

        Assert.Equal(new AgentMarker(0, -1, -1, AgentStatus.Arrived, 3, 0), frame.Agents[0]);
        Assert.Equal(new AgentMarker(1, 0, 2, AgentStatus.Driving, 3, 2), frame.Agents[1]);
        Assert.Equal([new GridPoint(1, 0), new GridPoint(2, 0)], Episode.PathOf(0, Map.Width));
    }

    [Fact]
    public void AgentPalette_GivesNeighbouringAgentsDifferentColours()
    {
        var colours = Enumerable.Range(0, 100).Select(AgentPalette.Colour).ToArray();

        Assert.Equal("hsl(0.0, 70%, 42%)", colours[0]);
        Assert.Equal("hsl(137.5, 70%, 42%)", colours[1]);
        Assert.Equal(100, colours.Distinct().Count());
    }
}
