// Real-browser journey through runs: start a LEED run from New run, watch it live, stop it, start another.
using System.Text.RegularExpressions;
using Leed.Engine.Learning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class RunsBrowserTests(AppServerFixture app)
{
    private static async Task<string> StartRunAsync(IPage page, AppServerFixture app, string name, string seeds)
    {
        await AppServerFixture.GotoReadyAsync(page, "runs/new", "#new-run-page");
        await page.Locator("#run-iterations").FillAsync("400");
        await page.Locator("#run-seeds").FillAsync(seeds);
        await page.Locator("#run-name").FillAsync(name);
        await app.ScreenshotAsync(page, "new-run");
        await page.Locator("#run-start").ClickAsync();
        await page.WaitForURLAsync(new Regex("/runs/[0-9]{8}-"));
        await page.Locator("#live-page[data-ready='true']").WaitForAsync();
        return page.Url.Split('/')[^1];
    }

    private static Task WaitForReturnPointsAsync(IPage page, int points) =>
        page.WaitForFunctionAsync($"() => {{ const c = document.getElementById('chart-return'); return c && c.data && c.data[0] && c.data[0].x.length >= {points}; }}",
            null, new PageWaitForFunctionOptions { Timeout = 90_000 });

    [Fact]
    public async Task NewRun_StartLeedOnTheSmallPreset_WatchLiveStop_ThenCompareWithASecondRunAndDownloadTheCsv()
    {
        try
        {
            IPage page = await app.NewPageAsync();
            string id = await StartRunAsync(page, app, "browser leed", "3");

            // The reward chart gains points and the grid draws the agents of an episode snapshot.
            await WaitForReturnPointsAsync(page, 2);
            await page.WaitForFunctionAsync("() => { const g = document.querySelector('[data-agents]'); return g && Number(g.getAttribute('data-agents')) > 0; }",
                null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            await Expect(page.Locator("#live-status")).ToHaveTextAsync("Running");
            await Expect(page.Locator("#live-page")).ToContainTextAsync("planner, no LLM");
            await app.ScreenshotAsync(page, "live-run");

            await page.Locator("#live-stop").ClickAsync();
            await Expect(page.Locator("#live-status")).ToHaveTextAsync("Stopped", new() { Timeout = 30_000 });

            // A second run, stopped once it has reported too.
            string second = await StartRunAsync(page, app, "browser second", "4");
            await WaitForReturnPointsAsync(page, 1);
            await page.Locator("#live-stop").ClickAsync();
            await Expect(page.Locator("#live-status")).ToHaveTextAsync("Stopped", new() { Timeout = 30_000 });

            // The Runs page lists both.
            await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
            await Expect(page.Locator("body")).ToContainTextAsync("browser leed");
            await Expect(page.Locator("body")).ToContainTextAsync("browser second");
            await app.ScreenshotAsync(page, "runs");

            // Compare both and download the CSV: one row per iteration of each run, with the return column.
            await AppServerFixture.GotoReadyAsync(page, $"compare?runs={id},{second}", "#compare-page");
            await page.WaitForFunctionAsync("() => { const c = document.getElementById('compare-chart'); return c && c.data && c.data.length >= 2; }");
            await Expect(page.Locator("#compare-summary")).ToContainTextAsync("browser second");
            await app.ScreenshotAsync(page, "compare");
            IDownload download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#compare-csv").ClickAsync());
            string csv = await File.ReadAllTextAsync(await download.PathAsync());
            string[] lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("runId,runName,group,algorithm,seed,iteration,globalStep,wallSeconds,charts/episodic_return", lines[0]);
            Assert.Contains(lines.Skip(1), line => line.StartsWith(id + ",browser leed,", StringComparison.Ordinal));
            Assert.Contains(lines.Skip(1), line => line.StartsWith(second + ",browser second,", StringComparison.Ordinal));
            Assert.All(lines.Skip(1), line => Assert.Equal(9, line.Split(',').Length));
        }
        finally
        {
            app.StopRunsNamed("browser leed", "browser second");
        }
    }

    [Fact]
    public async Task NewRun_OffersEveryAlgorithmOfTheTable_AndAsksForWeightsAndDemonstrationsOnlyWhereTheyApply()
    {
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs/new", "#new-run-page");
        // LEED, the default, takes a weight schedule and demonstrations.
        await Expect(Field(page, "run-weight")).ToBeVisibleAsync();
        await Expect(Field(page, "run-demonstrator")).ToBeVisibleAsync();

        // The weight field's hint lists every schedule of the engine's one table; a bad one is refused in words.
        await Expect(Field(page, "run-weight")).ToContainTextAsync(WeightSchedules.Examples);
        await page.Locator("#run-weight").FillAsync("dapg:1:2");
        await page.Locator("#run-start").ClickAsync();
        ILocator problem = page.Locator("[data-problem]").Filter(new() { HasText = "dapg:1:2" });
        await Expect(problem).ToContainTextAsync("Weight schedule 'dapg:1:2': DECAY (2) must be at most 1.");
        await Expect(problem).Not.ToContainTextAsync("Weight schedule: Weight schedule");
        await app.ScreenshotAsync(page, "new-run-weight-schedules");
        await page.Locator("#run-weight").FillAsync("qfilter");

        // The menu lists every algorithm with its description, as the engine's table has them.
        ILocator items = await OpenAlgorithmMenuAsync(page);
        foreach (AlgorithmInfo algorithm in Algorithms.All)
            await Expect(items.Filter(new() { HasText = $"{algorithm.Name}: {algorithm.Description}" })).ToHaveCountAsync(1);
        await Expect(items).ToHaveCountAsync(Algorithms.All.Count);
        await app.ScreenshotAsync(page, "new-run-algorithms");
        await page.Keyboard.PressAsync("Escape");
        await Expect(items).ToHaveCountAsync(0);

        // Behaviour cloning uses demonstrations but no weight schedule; IPPO uses neither.
        await ChooseAlgorithmAsync(page, Algorithm.Bc);
        await Expect(Field(page, "run-weight")).ToHaveCountAsync(0);
        await Expect(Field(page, "run-demonstrator")).ToBeVisibleAsync();
        await ChooseAlgorithmAsync(page, Algorithm.Ippo);
        await Expect(Field(page, "run-weight")).ToHaveCountAsync(0);
        await Expect(Field(page, "run-demonstrator")).ToHaveCountAsync(0);
        await app.ScreenshotAsync(page, "new-run-ippo");

        // The IPPO run trains without demonstrations and has no weight chart.
        await page.Locator("#run-iterations").FillAsync("3");
        await page.Locator("#run-name").FillAsync("browser ippo");
        await page.Locator("#run-start").ClickAsync();
        await page.WaitForURLAsync(new Regex("/runs/[0-9]{8}-"));
        await page.Locator("#live-page[data-ready='true']").WaitForAsync();
        await Expect(page.Locator("#live-page")).ToContainTextAsync("ippo on synthetic-small");
        await Expect(page.Locator("#live-page")).ToContainTextAsync("demonstrations: none");
        await Expect(page.Locator("#live-config")).Not.ToContainTextAsync("weight schedule");
        await Expect(page.Locator("#chart-weights")).ToHaveCountAsync(0);
        await Expect(page.Locator("#live-status")).ToHaveTextAsync("Completed", new() { Timeout = 90_000 });
        await app.ScreenshotAsync(page, "live-run-ippo");
    }

    [Fact]
    public async Task NewRun_ARunThatCannotFitInMemory_IsRefusedOnThePage_WithTheEstimate_AndNothingIsQueued()
    {
        var registry = app.Services.GetRequiredService<Leed.Engine.Runs.RunRegistry>();
        int before = registry.List().Count;
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs/new", "#new-run-page");
        await page.Locator("#run-name").FillAsync("browser too big");
        await page.GetByText("Hyperparameters (defaults shown").ClickAsync();
        await page.Locator("[data-hp='Envs'] input, input[data-hp='Envs']").First.FillAsync("4096");
        await page.Locator("[data-hp='Steps'] input, input[data-hp='Steps']").First.FillAsync("100000");
        await page.Locator("#run-start").ClickAsync();

        // Refused by the run-preparation path's memory check before queueing, as `train` is: the page stays, with the estimate.
        await Expect(page.Locator("[data-problem]")).ToContainTextAsync("TB of memory");
        Assert.EndsWith("/runs/new", page.Url, StringComparison.Ordinal);
        await app.ScreenshotAsync(page, "new-run-refused-memory");
        Assert.Equal(before, registry.List().Count);
    }

    // MudBlazor puts the id on the field's input, which a select keeps hidden: look at the whole field.
    private static ILocator Field(IPage page, string id) => page.Locator($".mud-input-control:has(#{id})");

    private static async Task<ILocator> OpenAlgorithmMenuAsync(IPage page)
    {
        await Field(page, "run-algorithm").ClickAsync();
        ILocator items = page.Locator(".mud-popover-open .mud-list-item");
        await items.First.WaitForAsync();
        return items;
    }

    private static async Task ChooseAlgorithmAsync(IPage page, Algorithm algorithm)
    {
        ILocator items = await OpenAlgorithmMenuAsync(page);
        await items.Filter(new() { HasText = algorithm.Info().Description }).ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }
}
