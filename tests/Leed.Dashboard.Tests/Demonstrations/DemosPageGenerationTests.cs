// The Demonstrations page without and with an LLM: the planner generates and stores version 1; "ask the LLM again" refines one agent, and approval keeps its transcript.
using System.Text.Json.Nodes;
using Bunit;
using Leed.Dashboard.Components.Pages;
using Leed.Engine.Demonstrations;
using Leed.Engine.Hosting;
using Leed.Engine.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace Leed.Dashboard.Tests.Demonstrations;

public sealed class DemosPageGenerationTests : DemosPageTestBase
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private ScriptedOpenAiServer? _server;

    private string Uri => Ctx.Services.GetRequiredService<NavigationManager>().Uri;

    [Fact]
    public async Task WithoutAnLlm_ThePlannerIsTheOnlyChoice_AndGenerateStoresVersion1AndOpensIt()
    {
        IRenderedComponent<DemosPage> page = RenderPage(setId: null);
        Assert.True(page.Find("input#demo-use-llm").HasAttribute("disabled"));
        Assert.Contains("No LLM is configured", page.Find("#demo-llm-note").TextContent);
        Assert.Contains("planner, no LLM", page.Find("#demo-active-demonstrator").TextContent);
        Assert.Single(page.FindAll("#demo-list tr[data-set]"));

        page.Find("input#demo-agents").Change("4");
        await page.Find("#demo-generate").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal(2, new DemonstrationStore(Store).List().Count), Wait);
        StoredDemonstrationSet generated = new DemonstrationStore(Store).List()[0];
        Assert.Equal((1, 4, "planner, no LLM"), (generated.Version, generated.Agents.Count, generated.Label));
        page.WaitForAssertion(() => Assert.EndsWith($"/demos/{generated.Id}", Uri), Wait);
    }

    [Fact]
    public async Task AskTheLlmAgain_SendsTheAgentsErrorsAndNote_TakesTheAnswer_AndApprovalStoresTheCall()
    {
        const int agent = 2;
        IReadOnlyList<int> route = Graph.ShortestRoute(Scenario.OriginNode(agent), Scenario.DestinationNode(agent))!;
        string answer = new JsonObject
        {
            ["agents"] = new JsonArray(new JsonObject
            {
                ["agent"] = agent,
                // A wait first, so the answer differs from the planner's list and approval has something to store.
                ["instructions"] = new JsonArray([JsonValue.Create(new Wait(agent, 1).Format()),
                    .. route.Skip(1).Select(node => (JsonNode)JsonValue.Create(new MoveTo(agent, node).Format()))]),
            }),
        }.ToJsonString();
        _server = ScriptedOpenAiServer.Start(ScriptStep.Reply(answer));
        Llm = new LlmOptions { Endpoint = _server.BaseUrl.ToString(), Model = "scripted", MaxRetries = 0 };
        IRenderedComponent<DemosPage> page = RenderPage();
        page.Find($"tr[data-agent='{agent}']").Click();
        page.Find("#demo-clear").Click();

        page.Find("input#demo-llm-note-text").Change("take the shortest way");
        await page.Find("#demo-ask-llm").ClickAsync(new MouseEventArgs());

        page.WaitForAssertion(() => Assert.Equal("true", page.Find($"tr[data-agent='{agent}']").GetAttribute("data-valid")), Wait);
        string prompt = Assert.Single(_server.Requests).UserPrompt!;
        Assert.Contains("take the shortest way", prompt);
        Assert.Contains("no instructions", prompt); // the cleared list's error went back
        Assert.Equal("1", page.Find("#demo-transcript").GetAttribute("data-calls"));

        await page.Find("#demo-approve").ClickAsync(new MouseEventArgs());
        StoredDemonstrationSet v2 = new DemonstrationStore(Store).Versions(Base.Family)[^1];
        Assert.Equal(2, v2.Version);
        Assert.Contains("asked the LLM again (note: \"take the shortest way\")", v2.Edits.Single().Summary);
        LlmCallRecord call = Assert.Single(new LlmTranscriptStore(Store).ForSet(v2.Id));
        Assert.Equal([agent], call.Agents);
        Assert.Empty(new LlmTranscriptStore(Store).ForSet(Base.Id));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
    }
}
