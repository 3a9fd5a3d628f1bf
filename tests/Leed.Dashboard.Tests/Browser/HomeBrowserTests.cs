// Home and the New run form in a real browser: the three first steps and the latest runs; switches, steps and an estimate measured here.
using Leed.Engine.Maps;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class HomeBrowserTests(AppServerFixture app)
{
    [Fact]
    public async Task Home_ShowsTheThreeFirstSteps_AndTheNewestRunsLinkingToTheirPages()
    {
        string id = (await app.TrainAsync(AppServerFixture.TinyRun("home newest", PresetMaps.Small, agents: 3, iterations: 1)))[0];
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "", "#home-page");

        await Expect(page.Locator("#home-steps [data-step]")).ToHaveCountAsync(3);
        await Expect(page.Locator("#home-steps")).ToContainTextAsync("Import a map");
        await Expect(page.Locator("#home-steps")).ToContainTextAsync("Review demonstrations");
        await Expect(page.Locator("#home-steps")).ToContainTextAsync("Start a run");
        await Expect(page.Locator("#home-runs tbody tr").First).ToHaveAttributeAsync("data-run", id);
        await Expect(page.Locator("#home-page")).ToContainTextAsync("Recent studies");
        await app.ScreenshotAsync(page, "home");

        await page.Locator($"#home-runs tr[data-run='{id}'] a").ClickAsync();
        await Expect(page.Locator("#live-page")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task NewRun_ShowsBooleansAsSwitches_TheTotalSteps_AndATimeFromARunMeasuredHere()
    {
        // A finished run on the map and agent count of the form's defaults gives the speed to estimate from.
        await app.TrainAsync(AppServerFixture.TinyRun("speed basis", PresetMaps.Small, agents: 4, iterations: 2));
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs/new", "#new-run-page");

        // Defaults: 50 iterations x 8 environments x 64 steps.
        await Expect(page.Locator("#run-estimate")).ToContainTextAsync("25,600 environment steps");
        await Expect(page.Locator("#run-estimate")).ToContainTextAsync("steps/s that '");
        await Expect(page.Locator("#run-estimate")).ToContainTextAsync("' trained at here");
        await page.Locator("#run-seeds").FillAsync("1,2,3");
        await page.Locator("#run-seeds").PressAsync("Tab");
        await Expect(page.Locator("#run-estimate")).ToContainTextAsync("76,800 for 3 seeds");

        await page.GetByText("Hyperparameters (defaults shown").ClickAsync();
        ILocator anneal = page.Locator("[data-hp=AnnealLearningRate] input[type=checkbox], input[type=checkbox][data-hp=AnnealLearningRate]").First;
        await Expect(anneal).ToBeCheckedAsync();
        await app.ScreenshotAsync(page, "new-run-estimate-switches");
    }
}
