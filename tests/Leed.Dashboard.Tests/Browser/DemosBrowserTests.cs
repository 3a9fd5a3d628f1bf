// The Demonstrations workflow in a real browser: an LLM set with an invalid hop, fixed by clicks on the map, approved, its transcript (tool calls included) read, trained.
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Leed.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(LlmBrowserCollection.Name)]
public sealed partial class DemosBrowserTests(LlmAppServerFixture app)
{
    private const int Agents = 3, Seed = 5;

    /// <summary>What the page generates from the form below: 3 agents, seed 5, on the default map.</summary>
    private static readonly Scenario Scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), Agents, Seed);

    // Counts pixels of the renderer's invalid-hop red (#d32f2f, drawn opaque) on the grid's dynamic layer.
    private const string CountInvalidRedPixels = """
        () => {
            const canvas = document.querySelectorAll('#demo-city-grid canvas')[1];
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let count = 0;
            for (let i = 0; i < data.length; i += 4)
                if (Math.abs(data[i] - 211) < 12 && Math.abs(data[i + 1] - 47) < 12 && Math.abs(data[i + 2] - 47) < 12 && data[i + 3] > 240) count++;
            return count;
        }
        """;

    private DemonstrationStore Demos => new(app.Services.GetRequiredService<ILeedStore>());

    [Fact]
    public async Task DemoWorkflow_LlmSetWithAnInvalidHop_IsFixedOnTheMap_Approved_AndTrained()
    {
        (int agent, int jump) = AgentWithARouteToJump();
        IReadOnlyList<int> route = Scenario.Graph.ShortestRoute(Scenario.OriginNode(agent), Scenario.DestinationNode(agent))!;
        // 1: a generation that is cancelled; 2: the first answer (slow enough to watch), wrong for one agent;
        // 3 and after: refinements that stay wrong for that agent, so the set keeps the invalid hop.
        app.Llm.Then(
                ScriptStep.Stall(TimeSpan.FromSeconds(20)),
                ScriptStep.Stall(TimeSpan.FromSeconds(1.5), AnswerWithJump(agent, jump)),
                ScriptStep.Stall(TimeSpan.FromSeconds(1.5), AnswerWithJump(agent, jump)))
            .Otherwise(AnswerWithJump(agent, jump));
        int storedBefore = Demos.List().Count; // other tests of this collection may have stored sets
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "demos", "#demos-page");
        await Expect(page.Locator("#demo-active-demonstrator")).ToContainTextAsync($"LLM {LlmAppServerFixture.Model} at {app.Llm.Host}");
        await page.Locator("input#demo-agents").FillAsync(Agents.ToString(CultureInfo.InvariantCulture));
        await page.Locator("input#demo-seed").FillAsync(Seed.ToString(CultureInfo.InvariantCulture));
        await page.Locator("input#demo-seed").PressAsync("Tab");

        // ---- cancel: nothing is stored ----
        await page.Locator("#demo-generate").ClickAsync();
        await Expect(page.Locator("#demo-progress")).ToBeVisibleAsync();
        await app.Llm.WaitForRequestsAsync(1, TimeSpan.FromSeconds(15)); // cancel while the endpoint holds the call
        await page.Locator("#demo-cancel").ClickAsync();
        await Expect(page.Locator("#demo-generate-error")).ToContainTextAsync("cancelled; nothing was stored");
        Assert.Equal(storedBefore, Demos.List().Count);

        // ---- generate: progress per round, then the set with the invalid hop ----
        await page.Locator("#demo-generate").ClickAsync();
        await Expect(page.Locator("#demo-progress")).ToBeVisibleAsync();
        await Expect(page.Locator($"#demo-progress[data-round='1'][data-done='{Agents}'][data-count='{Agents}']")).ToBeVisibleAsync();
        await app.ScreenshotAsync(page, "demos-progress");
        await page.WaitForURLAsync(new Regex(@"/demos/\d+$"));
        int v1 = int.Parse(new Regex(@"/demos/(\d+)$").Match(page.Url).Groups[1].Value, CultureInfo.InvariantCulture);
        await Expect(page.Locator($"#demos-page[data-set='{v1}']")).ToBeVisibleAsync();

        ILocator row = page.Locator($"#demo-agents-table tr[data-agent='{agent}']");
        await Expect(row).ToHaveAttributeAsync("data-valid", "false");
        await Expect(row).ToContainTextAsync($"Intersection_{jump} is not adjacent to Intersection_{route[0]}");
        await Expect(page.Locator("#demo-agents-table tr[data-valid='true']")).ToHaveCountAsync(Agents - 1);
        await Expect(page.Locator("#demo-grid[data-invalid-hops='1']")).ToBeVisibleAsync();
        await Expect(page.Locator("#demo-city-grid[data-ready='true']")).ToBeVisibleAsync();
        await Eventually(() => page.EvaluateAsync<int>(CountInvalidRedPixels), count => count > 10, "the invalid hop drawn in red");
        await app.ScreenshotAsync(page, "demos-invalid-hop");

        // ---- fix it on the map: clear, then click the route intersection by intersection ----
        await row.ClickAsync();
        await page.Locator("#demo-clear").ClickAsync();
        await Expect(page.Locator($"#demo-grid[data-selectable='{Selectable(route[0])}']")).ToBeVisibleAsync();
        // Zoom in and pan so the route's middle is in the middle of the view: clicks must still find their cells.
        ILocator grid = page.Locator("#demo-city-grid"), canvas = grid.Locator("canvas").Nth(1);
        GridView fitted = await GridView.ReadAsync(page, grid);
        await grid.Locator("[data-grid-action=zoom-in]").ClickAsync();
        GridView zoomed = await GridView.ReadAsync(page, grid);
        Assert.True(zoomed.Scale > fitted.Scale * 1.2, $"zoomed from {fitted.Scale} to {zoomed.Scale} pixels per cell");
        (int X, int Y)[] cells = [.. route.Skip(1).Select(node => Scenario.Map.Coordinates(Scenario.Graph.IntersectionCells[node]))];
        LocatorBoundingBoxResult viewport = (await canvas.BoundingBoxAsync())!;
        Position middle = zoomed.CellCentre((cells.Min(c => c.X) + cells.Max(c => c.X)) / 2, (cells.Min(c => c.Y) + cells.Max(c => c.Y)) / 2);
        await GridView.DragAsync(page, canvas, viewport.Width / 2 - middle.X, viewport.Height / 2 - middle.Y);
        GridView view = await GridView.ReadAsync(page, grid);
        Assert.NotEqual((zoomed.OffsetX, zoomed.OffsetY), (view.OffsetX, view.OffsetY));
        await app.ScreenshotAsync(page, "demos-zoomed");
        foreach ((int node, (int x, int y)) in route.Skip(1).Zip(cells))
        {
            Position at = view.CellCentre(x, y);
            Assert.True(at.X > 0 && at.Y > 0 && at.X < viewport.Width && at.Y < viewport.Height, $"Intersection_{node} is out of view at {at.X},{at.Y}");
            await canvas.ClickAsync(new LocatorClickOptions { Position = at });
            await Expect(page.Locator($"#demo-grid[data-selectable='{Selectable(node)}']")).ToBeVisibleAsync();
        }
        Assert.Equal(view, await GridView.ReadAsync(page, grid)); // clicking is not dragging: the view stayed
        await Expect(row).ToHaveAttributeAsync("data-valid", "true");
        await Expect(page.Locator("#demo-grid[data-invalid-hops='0']")).ToBeVisibleAsync();
        await Expect(page.Locator("#demo-edit-ok")).ToBeVisibleAsync();
        await Eventually(() => page.EvaluateAsync<int>(CountInvalidRedPixels), count => count == 0, "no invalid hop left in red");

        // ---- a malformed line shows where it is; undo takes it back ----
        ILocator text = page.Locator("textarea#demo-edit-text");
        string fixedText = await text.InputValueAsync();
        await text.FillAsync(fixedText + $"\n[Fly, 3, Agent_{agent}]");
        await Expect(page.Locator("#demo-edit-error .demo-parse-error")).ToContainTextAsync($"line {route.Count}, column 1");
        await Expect(page.Locator("#demo-edit-error .demo-parse-error")).ToContainTextAsync("unknown command 'Fly'");
        await Expect(page.Locator("#demo-approve")).ToBeDisabledAsync();
        await app.ScreenshotAsync(page, "demos-editing");
        await page.Locator("#demo-undo").ClickAsync();
        await Expect(text).ToHaveValueAsync(fixedText);
        await Expect(page.Locator("#demo-edit-ok")).ToBeVisibleAsync();

        // ---- approve: a new version, the old one untouched ----
        await page.Locator("input#demo-editor-name").FillAsync("dr-e2e");
        await page.Locator("input#demo-editor-name").PressAsync("Tab");
        await page.Locator("#demo-approve").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/demos/\d+$"));
        await Expect(page.Locator("#demo-title")).ToHaveTextAsync(new Regex(@"set \d+ v2"));
        int v2 = int.Parse(await page.Locator("#demos-page").GetAttributeAsync("data-set") ?? "", CultureInfo.InvariantCulture);
        Assert.NotEqual(v1, v2);
        await Expect(page.Locator($"#demo-diff .demo-diff-agent[data-agent='{agent}']")).ToContainTextAsync($"Intersection_{route[1]}");
        await Expect(page.Locator("#demo-diff .demo-diff-agent")).ToHaveCountAsync(1);
        await Expect(page.Locator("#demo-versions-table")).ToContainTextAsync("dr-e2e");
        await Expect(page.Locator("#demo-valid-count")).ToContainTextAsync($"{Agents} of {Agents} agents valid");
        await app.ScreenshotAsync(page, "demos-approved");

        StoredDemonstrationSet stored1 = Demos.Find(v1)!, stored2 = Demos.Find(v2)!;
        Assert.False(stored1.Agents[agent].Valid);
        Assert.Empty(stored1.Edits);
        Assert.True(stored2.Agents[agent].Valid);
        Assert.Equal([.. route.Skip(1).Select(node => new MoveTo(agent, node).Format())], stored2.Agents[agent].Instructions);
        Assert.Equal(("dr-e2e", agent), (stored2.Edits.Single().Editor, stored2.Edits.Single().Agent));
        Assert.Equal((LlmAppServerFixture.Model, app.Llm.Host, LlmPrompts.Version), (stored2.Model, stored2.EndpointHost, stored2.PromptVersion));

        // ---- the transcript: every round's call, readable and copyable ----
        await Expect(page.Locator("#demo-transcript[data-calls='3']")).ToBeVisibleAsync();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        ILocator firstCall = page.Locator("#demo-transcript .demo-call").First;
        await firstCall.Locator(".mud-expand-panel-header").ClickAsync();
        ILocator response = firstCall.Locator("pre.demo-transcript-text[data-part='Response']");
        await Expect(response).ToContainTextAsync("\"agents\"");
        await Expect(firstCall.Locator("pre.demo-transcript-text[data-part='User prompt']")).ToContainTextAsync($"Agent_{agent}: from Intersection_{route[0]}");
        await firstCall.Locator(".demo-copy[data-part='Response']").ClickAsync();
        string responseText = await response.InnerTextAsync();
        await Eventually(() => page.EvaluateAsync<string>("() => navigator.clipboard.readText()"), copied => copied == responseText, "the response on the clipboard");
        await app.ScreenshotAsync(page, "demos-transcript");

        // ---- train with the approved version: New run comes with the set chosen, and a run starts from it ----
        await page.Locator("#demo-train").ClickAsync();
        await page.WaitForURLAsync(new Regex($@"/runs/new\?set={v2}$"));
        await page.Locator("#new-run-page[data-ready='true']").WaitForAsync();
        await Expect(page.Locator("#new-run-page")).ToContainTextAsync($"{stored2.Title}: {stored2.MapName}");
        await page.Locator("#run-iterations").FillAsync("2");
        await page.Locator("#run-name").FillAsync("from the demos page");
        await page.Locator("#run-start").ClickAsync();
        await page.WaitForURLAsync(new Regex("/runs/[0-9]{8}-"));
        await page.Locator("#live-page[data-ready='true']").WaitForAsync();
        await Expect(page.Locator("#live-page")).ToContainTextAsync($"({stored2.Title})");
        await app.ScreenshotAsync(page, "demos-run");
        await Expect(page.Locator("#live-status")).ToHaveTextAsync("Completed", new() { Timeout = 120_000 });
        Assert.Equal([page.Url.Split('/')[^1]], Demos.Find(v2)!.UsedByRuns);
    }

    [Fact]
    public async Task DemoTranscript_ACallWithAToolRoundTrip_ShowsTheFunctionItsArgumentsAndWhatItReturned()
    {
        // The model checks a wrong hop with the Roads plugin, then answers with valid routes: one call, one tool round.
        (int agent, int jump) = AgentWithARouteToJump();
        string wrongHop = new MoveTo(agent, jump).Format();
        string arguments = new JsonObject { ["agent"] = agent, ["instructions"] = wrongHop }.ToJsonString();
        app.Llm.Then(ScriptStep.ToolCall("Roads-CheckRoute", arguments), AnswerWithJump(agent: -1, jump: 0));
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "demos", "#demos-page");
        await page.Locator("input#demo-agents").FillAsync(Agents.ToString(CultureInfo.InvariantCulture));
        await page.Locator("input#demo-seed").FillAsync(Seed.ToString(CultureInfo.InvariantCulture));
        await page.Locator("input#demo-seed").PressAsync("Tab");

        await page.Locator("#demo-generate").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/demos/\d+$"));

        ILocator call = page.Locator("#demo-transcript .demo-call");
        await Expect(call).ToHaveCountAsync(1);
        await Expect(call).ToHaveAttributeAsync("data-tool-calls", "1");
        await Expect(call).ToContainTextAsync("1 tool call");
        await call.Locator(".mud-expand-panel-header").ClickAsync();
        ILocator tool = call.Locator("pre.demo-transcript-text[data-part='Tool call 1: Roads-CheckRoute']");
        await Expect(tool).ToContainTextAsync($"arguments: {arguments}");
        await Expect(tool).ToContainTextAsync($"result: invalid: Agent_{agent}, instruction 0: Intersection_{jump} is not adjacent");
        // Between the prompts and the answer, in the order it happened.
        IReadOnlyList<string> parts = await call.Locator("pre.demo-transcript-text").EvaluateAllAsync<string[]>("parts => parts.map(part => part.dataset.part)");
        Assert.Equal(["System prompt", "User prompt", "Tool call 1: Roads-CheckRoute", "Response"], parts);
        await app.ScreenshotAsync(page, "demos-transcript-tool-call");
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds, for as long as the page's expect timeout.</summary>
    private static async Task Eventually<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        T last = await read();
        for (var started = DateTime.UtcNow; !done(last); last = await read())
        {
            if (DateTime.UtcNow - started > TimeSpan.FromSeconds(15)) Assert.Fail($"Timed out waiting for {what}; last value: {last}");
            await Task.Delay(100);
        }
    }

    /// <summary>An agent whose shortest route passes an intermediate intersection, and a node it cannot reach in one hop.</summary>
    private static (int Agent, int Jump) AgentWithARouteToJump()
    {
        for (int agent = 0; agent < Scenario.AgentCount; agent++)
        {
            IReadOnlyList<int> route = Scenario.Graph.ShortestRoute(Scenario.OriginNode(agent), Scenario.DestinationNode(agent))!;
            if (route.Count >= 3 && !Scenario.Graph.AreAdjacent(route[0], route[^1])) return (agent, route[^1]);
        }
        throw new InvalidOperationException("the scenario has no agent with a route of three or more intersections");
    }

    private static string Selectable(int node) =>
        string.Join(',', InstructionValidator.Neighbours(Scenario.Graph, node).Distinct().Order());

    /// <summary>Valid shortest routes for every agent asked about, except that <paramref name="agent"/> jumps straight to <paramref name="jump"/>.</summary>
    private static ScriptStep AnswerWithJump(int agent, int jump) => ScriptStep.Respond(request =>
    {
        var entries = new JsonArray();
        foreach (Match match in VehicleLine().Matches(request.UserPrompt ?? ""))
        {
            int asked = int.Parse(match.Groups["agent"].Value, CultureInfo.InvariantCulture);
            IEnumerable<Instruction> list = asked == agent
                ? [new MoveTo(agent, jump)]
                : Scenario.Graph.ShortestRoute(Scenario.OriginNode(asked), Scenario.DestinationNode(asked))!.Skip(1).Select(node => new MoveTo(asked, node));
            entries.Add(new JsonObject
            {
                ["agent"] = asked,
                ["instructions"] = new JsonArray([.. list.Select(instruction => (JsonNode)JsonValue.Create(instruction.Format()))]),
            });
        }
        return ScriptStep.Reply(new JsonObject { ["agents"] = entries }.ToJsonString());
    });

    [GeneratedRegex(@"^Agent_(?<agent>[0-9]+): from", RegexOptions.Multiline)]
    private static partial Regex VehicleLine();
}
