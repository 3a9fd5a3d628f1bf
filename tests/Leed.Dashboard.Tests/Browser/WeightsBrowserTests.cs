// The w_i view in a real browser: mean with its 10-90% band and an agents x iterations heatmap; a click on a row draws that agent's line.
using System.Globalization;
using System.Text.Json;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class WeightsBrowserTests(AppServerFixture app)
{
    private const string Heatmap = "chart-weights-heatmap", Lines = "chart-weights-lines";

    /// <summary>Waits for the heatmap to hold one row per agent, each with data.</summary>
    private static Task WaitForHeatmapAsync(IPage page, int agents) => page.WaitForFunctionAsync(
        $"() => {{ const c = document.getElementById('{Heatmap}'), l = document.getElementById('{Lines}'); "
        + $"return l && l.data && l.data.length >= 3 && c && c.data && c.data[0] && c.data[0].z.length === {agents} && c.data[0].z[{agents - 1}].length > 0; }}",
        null, new PageWaitForFunctionOptions { Timeout = 90_000 });

    private static Task<string[]> LineNamesAsync(IPage page) =>
        page.EvaluateAsync<string[]>($"() => document.getElementById('{Lines}').data.map(trace => trace.name)");

    /// <summary>Clicks the middle of the heatmap's row for <paramref name="agent"/>.</summary>
    private static async Task ClickRowAsync(IPage page, int agent)
    {
        JsonElement at = await page.EvaluateAsync<JsonElement>($$"""
            () => {
                const chart = document.getElementById('{{Heatmap}}'), layout = chart._fullLayout, xs = chart.data[0].x;
                const box = chart.getBoundingClientRect();
                return { x: box.left + layout.xaxis._offset + layout.xaxis.d2p(xs[Math.floor(xs.length / 2)]),
                         y: box.top + layout.yaxis._offset + layout.yaxis.d2p({{agent}}) };
            }
            """);
        await page.Mouse.ClickAsync(at.GetProperty("x").GetSingle(), at.GetProperty("y").GetSingle());
    }

    [Fact]
    public async Task TwentyAgentRun_ShowsTheBandAndTheHeatmap_AndAClickOnARowDrawsThatAgentsLine()
    {
        var registry = app.Services.GetRequiredService<RunRegistry>();
        string id = (await app.TrainAsync(AppServerFixture.TinyRun("weights at 20", PresetMaps.Small, agents: 20, iterations: 4)))[0];

        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");
        await WaitForHeatmapAsync(page, 20);
        // The default view: the band (two edges) and the mean, no single agent.
        Assert.Equal(["90% quantile", "10% to 90% of agents", "mean over agents"], await LineNamesAsync(page));
        Assert.Equal(4, await page.EvaluateAsync<int>($"() => document.getElementById('{Heatmap}').data[0].x.length"));
        await ScreenshotPanelAsync(page, "live-weights-20-agents");

        await ClickRowAsync(page, 7);
        await Expect(page.Locator("#chart-weights")).ToHaveAttributeAsync("data-shown", "7");
        await page.WaitForFunctionAsync($"() => document.getElementById('{Lines}').data.some(trace => trace.name === 'Agent_7')");
        double[] line = await page.EvaluateAsync<double[]>($"() => document.getElementById('{Lines}').data.find(trace => trace.name === 'Agent_7').y");
        IReadOnlyList<MetricRecord> metrics = registry.Metrics(id);
        Assert.Equal(metrics.Select(metric => metric.Values[MetricNames.AgentWeight(7)]), line.Select(value => value), new ToleranceComparer(1e-9));

        // Another from the list; a second click on row 7 takes its line away again.
        await AppServerFixture.ChooseAsync(page.Locator("[data-test=agent-spread-pick]").GetByRole(AriaRole.Combobox), "Agent_3");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#chart-weights")).ToHaveAttributeAsync("data-shown", "3,7");
        await ScreenshotPanelAsync(page, "live-weights-20-agents-two-shown");
        await ClickRowAsync(page, 7);
        await Expect(page.Locator("#chart-weights")).ToHaveAttributeAsync("data-shown", "3");
        Assert.DoesNotContain("Agent_7", await LineNamesAsync(page));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(100)]
    public async Task StoredWeights_AtManyAgents_DrawOneHeatmapRowPerAgent(int agents)
    {
        // Synthetic stored metrics (no training): 300 iterations in which agent i's weight decays at its own rate.
        RunStore store = app.Services.GetRequiredService<RunStore>();
        string id = $"weights-synthetic-{agents}";
        store.Save(new RunRecord
        {
            Id = id, Status = RunStatus.Completed, CreatedAt = DateTime.UtcNow, Iteration = 300, GlobalStep = 300 * 64, ResolvedAgents = agents,
            Spec = new RunSpec { Name = $"synthetic weights, {agents} agents", Algorithm = "leed", Map = PresetMaps.Large, Agents = agents, Iterations = 300 },
        });
        for (int iteration = 1; iteration <= 300; iteration++)
        {
            var values = new Dictionary<string, double>();
            for (int agent = 0; agent < agents; agent++)
                values[MetricNames.AgentWeight(agent)] = Math.Exp(-iteration * (agent + 1) / (40.0 * agents));
            store.AppendMetric(id, new MetricRecord(iteration, iteration * 64L, iteration, values));
        }

        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");
        await WaitForHeatmapAsync(page, agents);
        double[] lastColumnOfLastAgent = await page.EvaluateAsync<double[]>($"() => document.getElementById('{Heatmap}').data[0].z[{agents - 1}]");
        Assert.Equal(Math.Exp(-300.0 / 40), lastColumnOfLastAgent[^1], 9);
        await ScreenshotPanelAsync(page, $"live-weights-{agents.ToString(CultureInfo.InvariantCulture)}-agents-synthetic");
    }

    /// <summary>The w_i panel alone, at the size a researcher sees it (a full-page shot would scroll the header over it).</summary>
    private Task ScreenshotPanelAsync(IPage page, string name) =>
        page.Locator("#chart-weights").ScreenshotAsync(new() { Path = Path.Combine(app.ArtifactsDirectory, name + ".png") });

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
