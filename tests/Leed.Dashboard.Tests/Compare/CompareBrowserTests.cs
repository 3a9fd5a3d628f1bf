// The Compare page in a real browser: a group's band, both downloads (CSV, PNG at publication size), a link that reproduces the charts, runs followed as they train.
using System.Buffers.Binary;
using Leed.Dashboard.Tests.Browser;
using Leed.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Compare;

[Collection(BrowserCollection.Name)]
public sealed class CompareBrowserTests(AppServerFixture app)
{
    [Fact]
    public async Task AGroupLink_DrawsTheBand_AndTheCsvAndPngButtonsDownloadFiles()
    {
        RunStore store = app.Services.GetRequiredService<RunStore>();
        CompareRuns.Save(store, CompareRuns.Make("browser-s1", "compare band s1", [1, 2, 4], group: "browser-sweep", seed: 1));
        CompareRuns.Save(store, CompareRuns.Make("browser-s2", "compare band s2", [3, 4, 5], group: "browser-sweep", seed: 2));
        IPage page = await app.NewPageAsync();

        await AppServerFixture.GotoReadyAsync(page, "compare?groups=browser-sweep", "#compare-page");

        await page.Locator("#compare-chart .scatterlayer .trace").First.WaitForAsync();
        Assert.Equal(3, await page.EvaluateAsync<int>("document.getElementById('compare-chart').data.length"));
        await Expect(page.Locator("#compare-summary")).ToContainTextAsync("leed (dynamic) · grid-6x6 · 20 agents · seeds 1, 2");
        await app.ScreenshotAsync(page, "compare");

        IDownload csv = await page.RunAndWaitForDownloadAsync(() => page.Locator("#compare-csv").ClickAsync());
        string text = await File.ReadAllTextAsync(await csv.PathAsync());
        Assert.StartsWith("runId,runName,group,algorithm,seed,iteration,globalStep,wallSeconds,charts/episodic_return\n", text);
        Assert.Contains("browser-s2,compare band s2,browser-sweep,leed,2,3,300,30,5\n", text);

        // Plotly renders the 2400 x 1500 image in the page first: slow on a loaded machine.
        IDownload png = await page.RunAndWaitForDownloadAsync(() => page.Locator("#compare-png").ClickAsync(), new() { Timeout = 90_000 });
        Assert.Equal("leed-compare-episodic_return.png", png.SuggestedFilename);
        byte[] image = await File.ReadAllBytesAsync(await png.PathAsync());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], image[..4]);
        // Publication size: 1200 x 750 CSS pixels at twice the scale (the IHDR chunk's big-endian width and height).
        Assert.Equal((2400, 1500), (BinaryPrimitives.ReadInt32BigEndian(image.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(image.AsSpan(20))));
        await File.WriteAllBytesAsync(Path.Combine(app.ArtifactsDirectory, "compare-export.png"), image);
    }

    /// <summary>Every drawn trace of a chart (name, x, y), as JSON, to compare two pages' charts.</summary>
    private static Task<string> ChartDataAsync(IPage page, string chartId) => page.EvaluateAsync<string>(
        $"() => JSON.stringify(document.getElementById('{chartId}').data.map(t => ({{ name: t.name, x: Array.from(t.x), y: Array.from(t.y) }})))");

    private static Task<string> AxisTitlesAsync(IPage page, string chartId) => page.EvaluateAsync<string>(
        $"() => {{ const l = document.getElementById('{chartId}').layout; return l.xaxis.title.text + ' | ' + l.yaxis.title.text; }}");

    [Fact]
    public async Task ACompareLink_OpenedInAFreshPage_DrawsTheSameCharts()
    {
        RunStore store = app.Services.GetRequiredService<RunStore>();
        double[] arrivals = [0.1, 0.3, 0.6, 0.7];
        CompareRuns.Save(store, CompareRuns.Make("url-s1", "url sweep s1", [1, 2, 4, 5], group: "url-sweep-1201101500", seed: 1, arrivals: arrivals));
        CompareRuns.Save(store, CompareRuns.Make("url-s2", "url sweep s2", [2, 4, 5, 7], group: "url-sweep-1201101500", seed: 2, arrivals: [.. arrivals.Select(a => a + 0.1)]));
        CompareRuns.Save(store, CompareRuns.Make("url-s3", "url sweep s3", [0, 3, 3, 6], group: "url-sweep-1201101500", seed: 3, arrivals: [.. arrivals.Select(a => a / 2)]));
        CompareRuns.Save(store, CompareRuns.Make("url-base", "url ippo baseline", [0, 1, 1, 2], algorithm: "ippo", arrivals: arrivals, demonstrations: "none"));
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "compare", "#compare-page");

        // A researcher picks a group and a baseline, wall time, smoothing and a second metric.
        await page.GetByPlaceholder("Search runs and groups").FillAsync("url");
        await page.Locator("[data-pick='group:url-sweep-1201101500'] label").ClickAsync();
        await Expect(page.Locator("#compare-selected-count")).ToHaveTextAsync("3 runs selected");
        await page.Locator("[data-pick='run:url-base'] label").ClickAsync();
        await Expect(page.Locator("#compare-selected-count")).ToHaveTextAsync("4 runs selected");
        await page.Locator("#compare-axis").GetByText("Wall time").ClickAsync();
        await page.WaitForFunctionAsync("() => location.search.includes('axis=time')");
        await page.Locator("input#compare-smoothing, #compare-smoothing input[type=range]").FillAsync("0.5");
        await page.WaitForFunctionAsync("() => location.search.includes('smoothing=0.5')");
        await page.Locator("#compare-more-metrics").GetByRole(AriaRole.Combobox).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "charts/arrival_rate", Exact = true }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.WaitForFunctionAsync("() => location.search.includes('metric=charts/episodic_return,charts/arrival_rate') && location.search.includes('smoothing=0.5')");
        Assert.Contains("groups=url-sweep-1201101500", page.Url);
        Assert.Contains("runs=url-base", page.Url);
        Assert.Contains("axis=time", page.Url);
        await page.Locator("#compare-chart-2 .scatterlayer .trace").First.WaitForAsync();
        await Expect(page.Locator("#compare-summary")).ToContainTextAsync("leed (dynamic) · grid-6x6 · 20 agents · seeds 1–3");
        await app.ScreenshotAsync(page, "compare-small-multiples");
        string main = await ChartDataAsync(page, "compare-chart"), second = await ChartDataAsync(page, "compare-chart-2");
        Assert.Contains("seeds 1–3 (mean)", main);

        IPage fresh = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(fresh, page.Url, "#compare-page");
        await fresh.Locator("#compare-chart-2 .scatterlayer .trace").First.WaitForAsync();

        Assert.Equal(main, await ChartDataAsync(fresh, "compare-chart"));
        Assert.Equal(second, await ChartDataAsync(fresh, "compare-chart-2"));
        Assert.Equal(await AxisTitlesAsync(page, "compare-chart-2"), await AxisTitlesAsync(fresh, "compare-chart-2"));
        Assert.Equal("wall time (s) | charts/arrival_rate", await AxisTitlesAsync(fresh, "compare-chart-2"));
        Assert.Equal(page.Url, fresh.Url);
    }

    [Fact]
    public async Task ARunningRun_GrowsOnCompare_WithoutAReload()
    {
        var registry = app.Services.GetRequiredService<RunRegistry>();
        RunRecord run = registry.Submit(AppServerFixture.TinyRun("compare follows", Leed.Engine.Maps.PresetMaps.Small, agents: 3, iterations: 40));
        await GridFitBrowserTests.WaitForAsync(() => registry.Get(run.Id)!.Iteration >= 2);
        registry.Pause(run.Id);
        await GridFitBrowserTests.WaitForAsync(() => registry.Get(run.Id)!.Status == RunStatus.Paused);
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"compare?runs={run.Id}&metric=losses/value_loss", "#compare-page");
        await page.Locator("#compare-chart .scatterlayer .trace").First.WaitForAsync();
        int before = await page.EvaluateAsync<int>("() => document.getElementById('compare-chart').data[0].x.length");
        Assert.InRange(before, 2, 39);

        registry.Resume(run.Id);

        // Every iteration it trained, up to the last, without a click on reload.
        await page.WaitForFunctionAsync("() => document.getElementById('compare-chart').data[0].x.length === 40", null, new() { Timeout = 120_000 });
    }

    [Fact]
    public async Task ARunNamedWithMarkup_ShowsItsNameAsText_AndTheLegendHoldsNoLink()
    {
        const string name = "<a href=\"https://attacker.example/\">click me</a> & <b>bold</b>";
        RunStore store = app.Services.GetRequiredService<RunStore>();
        CompareRuns.Save(store, CompareRuns.Make("browser-markup", name, [1, 2, 3]));
        IPage page = await app.NewPageAsync();

        await AppServerFixture.GotoReadyAsync(page, "compare?runs=browser-markup", "#compare-page");
        await page.Locator("#compare-chart .legend .traces").First.WaitForAsync();

        await Expect(page.Locator("#compare-chart a")).ToHaveCountAsync(0);
        await Expect(page.Locator("#compare-chart .legend b, #compare-chart .legend tspan[style*='bold']")).ToHaveCountAsync(0);
        await Expect(page.Locator("#compare-chart .legend .legendtext").First).ToHaveTextAsync(name);
        await app.ScreenshotAsync(page, "compare-markup-name");
    }
}
