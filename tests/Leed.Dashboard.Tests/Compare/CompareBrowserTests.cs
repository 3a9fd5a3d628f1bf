// The Compare page in a real browser: a group's band is drawn by Plotly, and both downloads (CSV, PNG) arrive as files.
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
        await Expect(page.Locator("#compare-summary")).ToContainTextAsync("browser-sweep");
        await app.ScreenshotAsync(page, "compare");

        IDownload csv = await page.RunAndWaitForDownloadAsync(() => page.Locator("#compare-csv").ClickAsync());
        string text = await File.ReadAllTextAsync(await csv.PathAsync());
        Assert.StartsWith("runId,runName,group,algorithm,seed,iteration,globalStep,wallSeconds,charts/episodic_return\n", text);
        Assert.Contains("browser-s2,compare band s2,browser-sweep,leed,2,3,300,30,5\n", text);

        IDownload png = await page.RunAndWaitForDownloadAsync(() => page.Locator("#compare-png").ClickAsync());
        Assert.Equal("leed-compare-episodic_return.png", png.SuggestedFilename);
        byte[] image = await File.ReadAllBytesAsync(await png.PathAsync());
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], image[..4]);
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
