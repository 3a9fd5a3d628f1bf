// Intervening in a LEED run in a real browser: pause, approve a new demonstration version in the editor, resume on it, see the switch on the charts.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class InterventionBrowserTests(AppServerFixture app)
{
    [Fact]
    public async Task PausingALeedRun_ApprovingANewDemonstrationVersion_AndResumingOnIt_DrawsTheSwitchOnTheCharts()
    {
        var registry = app.Services.GetRequiredService<RunRegistry>();
        var demos = new DemonstrationStore(app.Services.GetRequiredService<ILeedStore>());
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, seed: 6);
        StoredDemonstrationSet v1 = demos.SaveNew(scenario, 6, new PlannerDemonstrator().Generate(scenario));
        RunSpec spec = AppServerFixture.TinyRun("intervened", PresetMaps.Small, agents: 3, iterations: 2000);
        (spec.Demonstrator, spec.DemoSetId, spec.ScenarioSeed) = ("set", v1.Id, 6);
        string id = registry.Submit(spec).Id;
        try
        {
            IPage page = await app.NewPageAsync();
            await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");
            await page.WaitForFunctionAsync("() => Number(document.getElementById('live-page').dataset.iteration) >= 2", null, new() { Timeout = 60_000 });

            // ---- pause: the panel offers the editor; there is no other version yet ----
            // The charts redraw while the run trains, so the header can shift under a busy machine: check the button, then press it.
            await Expect(page.Locator("#live-pause")).ToBeEnabledAsync();
            await page.Locator("#live-pause").ClickAsync(new() { Force = true, Timeout = 60_000 });
            await Expect(page.Locator("#live-status")).ToHaveTextAsync("Paused");
            await Expect(page.Locator("#run-intervention")).ToContainTextAsync($"It trains on {v1.Title}");
            await Expect(page.Locator("#intervene-none")).ToBeVisibleAsync();
            int pausedAt = registry.Get(id)!.Iteration;

            // ---- the editor: a wait before agent 0's first move, approved as v2 ----
            await page.Locator("#intervene-open").ClickAsync();
            await page.WaitForURLAsync($"**/demos/{v1.Id}");
            await page.Locator("#demos-page[data-ready='true']").WaitForAsync();
            await page.Locator("#demo-agents-table tr[data-agent='0']").ClickAsync();
            ILocator text = page.Locator("textarea#demo-edit-text");
            string before = await text.InputValueAsync();
            await text.FillAsync("[Wait, 1, Agent_0]\n" + before);
            await Expect(page.Locator("#demo-edit-ok")).ToBeVisibleAsync();
            await page.Locator("input#demo-editor-name").FillAsync("e2e-editor");
            await page.Locator("input#demo-editor-name").PressAsync("Tab");
            await page.Locator("#demo-approve").ClickAsync();
            await Expect(page.Locator("#demo-title")).ToHaveTextAsync($"set {v1.Family} v2");
            StoredDemonstrationSet v2 = demos.List().Single(set => set.Family == v1.Family && set.Version == 2);

            // ---- back on the run: resume on v2 ----
            await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");
            await Expect(page.Locator("#live-status")).ToHaveTextAsync("Paused");
            await Expect(page.Locator("#run-intervention")).ToContainTextAsync("Version to resume on");
            await page.Locator("input#intervene-who").FillAsync("e2e-researcher");
            await page.Locator("input#intervene-who").PressAsync("Tab");
            await app.ScreenshotAsync(page, "live-run-intervention-paused");
            await page.Locator("#intervene-resume").ClickAsync();

            await Expect(page.Locator("#live-status")).ToHaveTextAsync("Running");
            ILocator switched = page.Locator("#run-events [data-test=run-event][data-kind=demonstrations]");
            await Expect(switched).ToContainTextAsync($"{v1.Title} → {v2.Title} at iteration {pausedAt} (e2e-researcher)", new() { Timeout = 60_000 });
            RunEvent recorded = registry.Get(id)!.Events.Single();
            Assert.Equal((pausedAt, v1.Id, v2.Id, "e2e-researcher"), (recorded.Iteration, recorded.OldSetId, recorded.NewSetId, recorded.Who));
            Assert.Equal(v2.Id, registry.Get(id)!.Spec.DemoSetId);
            // The marker sits at the switch's global step on the return, w_i (its band plot) and loss charts, and training goes on past it.
            foreach (string chart in new[] { "chart-return", "chart-weights-lines", "chart-losses" })
                await page.WaitForFunctionAsync($"() => {{ const c = document.getElementById('{chart}'); const s = c && c.layout && c.layout.shapes; " +
                    $"return s && s.length === 1 && s[0].x0 === {recorded.GlobalStep} && s[0].line.dash === 'dash'; }}");
            await page.WaitForFunctionAsync($"() => Number(document.getElementById('live-page').dataset.iteration) >= {pausedAt + 3}", null, new() { Timeout = 60_000 });
            IReadOnlyList<MetricRecord> metrics = registry.Metrics(id);
            Assert.Equal(Enumerable.Range(1, metrics.Count), metrics.Select(metric => metric.Iteration));
            await app.ScreenshotAsync(page, "live-run-intervention-marker");

            // ---- Compare draws the switch too ----
            await AppServerFixture.GotoReadyAsync(page, $"compare?runs={id}", "#compare-page");
            await page.WaitForFunctionAsync($"() => {{ const c = document.getElementById('compare-chart'); const s = c && c.layout && c.layout.shapes; " +
                $"return s && s.length === 1 && s[0].x0 === {recorded.GlobalStep} && s[0].label.text.includes('{v2.Title}'); }}");
            await app.ScreenshotAsync(page, "compare-intervention-marker");

            // ---- and on every small multiple when more metrics are drawn ----
            await AppServerFixture.GotoReadyAsync(page, $"compare?runs={id}&metric={Uri.EscapeDataString($"{MetricNames.EpisodicReturn},{MetricNames.ArrivalRate}")}", "#compare-page");
            foreach (string chart in new[] { "compare-chart", "compare-chart-2" })
                await page.WaitForFunctionAsync($"() => {{ const c = document.getElementById('{chart}'); const s = c && c.layout && c.layout.shapes; " +
                    $"return s && s.length === 1 && s[0].x0 === {recorded.GlobalStep}; }}");
            await app.ScreenshotAsync(page, "compare-intervention-marker-multiples");
        }
        finally
        {
            if (registry.Get(id) is { IsActive: true }) registry.Stop(id);
        }
    }
}
