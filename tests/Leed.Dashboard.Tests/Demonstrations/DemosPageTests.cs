// The Demonstrations page in bUnit: map clicks only extend a route to adjacent intersections, text edits show located errors, approval makes a new version.
using AngleSharp.Dom;
using Bunit;
using Leed.Components.Grid;
using Leed.Dashboard.Components.Pages;
using Leed.Engine.Demonstrations;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace Leed.Dashboard.Tests.Demonstrations;

public sealed class DemosPageTests : DemosPageTestBase
{
    private const int Agent = 1;

    // The text field commits after its debounce interval on a timer; a loaded CI machine needs more than bUnit's default second.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private int Origin => Scenario.OriginNode(Agent);

    private int Destination => Scenario.DestinationNode(Agent);

    private static IReadOnlySet<int>? Selectable(IRenderedComponent<DemosPage> page) =>
        page.FindComponent<CityGrid>().Instance.SelectableIntersections;

    private static IElement TextArea(IRenderedComponent<DemosPage> page) => page.Find("textarea#demo-edit-text");

    private static void SelectAgent(IRenderedComponent<DemosPage> page, int agent) => page.Find($"tr[data-agent='{agent}']").Click();

    [Fact]
    public async Task MapEditing_OnlyIntersectionsAdjacentToTheRouteEnd_AreSelectable_AndEachClickAppendsAMove()
    {
        IRenderedComponent<DemosPage> page = RenderPage();
        Assert.Null(Selectable(page)); // nothing selected, nothing to extend

        SelectAgent(page, Agent);
        Assert.Equal(NeighboursOf(Destination), Selectable(page)); // the planner's route ends at the destination

        page.Find("#demo-clear").Click();
        Assert.Equal(NeighboursOf(Origin), Selectable(page));

        // A click on an intersection that is not next to the route's end changes nothing.
        int far = Enumerable.Range(0, Graph.IntersectionCount).First(node => node != Origin && !NeighboursOf(Origin).Contains(node));
        await ClickIntersection(page, far);
        Assert.Equal("", TextArea(page).GetAttribute("value") ?? TextArea(page).TextContent);
        Assert.Equal(NeighboursOf(Origin), Selectable(page));

        // Along a shortest route, each click appends a MoveTo and moves the selectable ring on.
        IReadOnlyList<int> route = Graph.ShortestRoute(Origin, Destination)!;
        foreach (int node in route.Skip(1))
        {
            await ClickIntersection(page, node);
            Assert.Equal(NeighboursOf(node), Selectable(page));
        }
        string expected = string.Join('\n', route.Skip(1).Select(node => new MoveTo(Agent, node).Format()));
        page.WaitForAssertion(() => Assert.Equal(expected, TextArea(page).GetAttribute("value") ?? TextArea(page).TextContent), Wait);
        Assert.Equal("true", page.Find($"tr[data-agent='{Agent}']").GetAttribute("data-valid"));
    }

    [Fact]
    public void TextEdit_WithAMalformedLineAndANonAdjacentHop_ShowsEachErrorWhereItIs()
    {
        IRenderedComponent<DemosPage> page = RenderPage();
        SelectAgent(page, Agent);
        int far = Enumerable.Range(0, Graph.IntersectionCount).First(node => node != Origin && !NeighboursOf(Origin).Contains(node));

        TextArea(page).Input($"[MoveTo, Intersection_{far}, Agent_{Agent}]\n  [Fly, 3, Agent_{Agent}]");

        page.WaitForAssertion(() =>
        {
            IElement parseError = page.Find("#demo-edit-error .demo-parse-error");
            Assert.Equal("2", parseError.GetAttribute("data-line"));
            Assert.Equal("3", parseError.GetAttribute("data-column"));
            Assert.Contains("unknown command 'Fly'", parseError.TextContent);
        }, Wait);
        IElement hop = page.Find("#demo-edit-error .demo-validation-error[data-index='0']");
        Assert.Contains("line 1", hop.TextContent);
        Assert.Contains($"Intersection_{far} is not adjacent to Intersection_{Origin}", hop.TextContent);
        Assert.Equal("false", page.Find($"tr[data-agent='{Agent}']").GetAttribute("data-valid"));
        Assert.Equal("1", page.Find("#demo-grid").GetAttribute("data-invalid-hops"));
        Assert.True(page.Find("#demo-approve").HasAttribute("disabled"), "a text with lines that are not instructions cannot be approved");
    }

    [Fact]
    public async Task Approve_SavesANewVersionWithTheEdit_AndLeavesTheOldOneUnchanged()
    {
        IReadOnlyList<string> before = [.. Base.Agents[Agent].Instructions];
        IRenderedComponent<DemosPage> page = RenderPage();
        SelectAgent(page, Agent);
        Assert.True(page.Find("#demo-approve").HasAttribute("disabled"), "nothing to approve before an edit");

        string edited = $"[Wait, 2, Agent_{Agent}]\n" + string.Join('\n', before);
        TextArea(page).Input(edited);
        page.WaitForAssertion(() => Assert.False(page.Find("#demo-approve").HasAttribute("disabled")), Wait);
        page.Find("input#demo-editor-name").Change("dr-lin");
        await page.Find("#demo-approve").ClickAsync(new MouseEventArgs());

        var demos = new DemonstrationStore(Store);
        IReadOnlyList<StoredDemonstrationSet> versions = demos.Versions(Base.Family);
        Assert.Equal(2, versions.Count);
        StoredDemonstrationSet v1 = versions[0], v2 = versions[1];
        Assert.Equal(Base.Id, v1.Id);
        Assert.Equal(before, v1.Agents[Agent].Instructions);
        Assert.Empty(v1.Edits);
        Assert.False(v1.Agents[Agent].Edited);

        Assert.Equal(v1.Id, v2.ParentId);
        Assert.Equal([$"[Wait, 2, Agent_{Agent}]", .. before], v2.Agents[Agent].Instructions);
        Assert.True(v2.Agents[Agent].Valid);
        Assert.True(v2.Agents[Agent].Edited);
        Assert.False(v2.Agents[0].Edited);
        DemonstrationEdit edit = Assert.Single(v2.Edits);
        Assert.Equal(("dr-lin", Agent), (edit.Editor, edit.Agent));
        Assert.Equal(before, edit.Before);
        Assert.Equal(v2.Agents[Agent].Instructions, edit.After);
        Assert.Contains("edited the text", edit.Summary);
        Assert.EndsWith($"/demos/{v2.Id}", Ctx.Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public void Undo_RestoresTheRouteBeforeTheLastChange()
    {
        IRenderedComponent<DemosPage> page = RenderPage();
        SelectAgent(page, Agent);
        string original = TextArea(page).GetAttribute("value") ?? TextArea(page).TextContent;

        page.Find("#demo-clear").Click();
        Assert.Equal(NeighboursOf(Origin), Selectable(page));
        page.Find("#demo-undo").Click();

        Assert.Equal(NeighboursOf(Destination), Selectable(page));
        page.WaitForAssertion(() => Assert.Equal(original, TextArea(page).GetAttribute("value") ?? TextArea(page).TextContent), Wait);
        Assert.True(page.Find("#demo-undo").HasAttribute("disabled"));
    }
}
