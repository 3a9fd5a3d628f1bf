// A run's page in a real browser: evaluating its checkpoint, downloading its TensorBoard events, starting a new run from it.
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class RunToolsBrowserTests(AppServerFixture app)
{
    private RunRegistry Registry => app.Services.GetRequiredService<RunRegistry>();

    private async Task<string> FinishedRunAsync(string name, RunSpec? spec = null)
    {
        string id = Registry.Submit(spec ?? AppServerFixture.TinyRun(name, PresetMaps.Small, agents: 3, iterations: 2)).Id;
        await GridFitBrowserTests.WaitForAsync(() => !Registry.Get(id)!.IsActive);
        Assert.True(Registry.Get(id)!.Status == RunStatus.Completed, Registry.Get(id)!.Error);
        return id;
    }

    [Fact]
    public async Task EvaluateButton_PlaysTheCheckpoint_AndListsTheResults_OnTheTrainingScenarioAndAnotherSeed()
    {
        string id = await FinishedRunAsync("evaluated in the browser");
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");
        ILocator rows = page.Locator("#evaluate-results tr[data-test=evaluation-row]");
        await Expect(page.Locator("#run-evaluation")).ToContainTextAsync("No evaluation yet");

        await page.Locator("#evaluate-episodes").FillAsync("3");
        await page.Locator("#evaluate-start").ClickAsync();
        await Expect(rows).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await page.Locator("#evaluate-seed").FillAsync("7");
        await page.Locator("#evaluate-seed").BlurAsync();
        await page.Locator("#evaluate-start").ClickAsync();
        await Expect(rows).ToHaveCountAsync(2, new() { Timeout = 60_000 });

        IReadOnlyList<RunEvaluation> stored = app.Services.GetRequiredService<RunEvaluator>().Of(id);
        Assert.Equal([7, null], stored.Select(evaluation => evaluation.ScenarioSeed));
        await Expect(rows.Nth(0)).ToContainTextAsync("seed 7 (generalisation)");
        await Expect(rows.Nth(1)).ToContainTextAsync("training scenario");
        await Expect(rows.Nth(1).Locator("td").Nth(3)).ToHaveTextAsync("3");
        await Expect(rows.Nth(1).Locator("td").Nth(4)).ToContainTextAsync(stored[1].Return.Mean.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
        await app.ScreenshotAsync(page, "live-run-evaluation");

        // Kept with the run: a fresh page lists both.
        IPage again = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(again, $"runs/{id}", "#live-page");
        await Expect(again.Locator("#evaluate-results tr[data-test=evaluation-row]")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task EvaluateButton_OnAReferencePolicy_SaysWhyNothingWasEvaluated()
    {
        RunSpec spec = AppServerFixture.TinyRun("random reference", PresetMaps.Small, agents: 3, iterations: 1);
        spec.Algorithm = "random";
        string id = await FinishedRunAsync("random reference", spec);
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");

        await page.Locator("#evaluate-start").ClickAsync();

        await Expect(page.Locator("#evaluate-error")).ToContainTextAsync("random is a reference policy");
        await Expect(page.Locator("#evaluate-results")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task TensorBoardButton_DownloadsTheRunsEventFile_WithEveryStoredIteration()
    {
        string id = await FinishedRunAsync("exported to tensorboard");
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");

        IDownload download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#live-tensorboard").ClickAsync());

        Assert.Matches(@"^events\.out\.tfevents\.\d{10}\..+$", download.SuggestedFilename);
        IReadOnlyList<ReadEvent> events = TensorBoardReader.Read(await File.ReadAllBytesAsync(await download.PathAsync()));
        IReadOnlyList<MetricRecord> stored = Registry.Store.MetricsOf(id);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal(stored.Select(metric => metric.GlobalStep), events.Skip(1).Select(e => e.Step));
        Assert.Equal((float)stored[^1].Values["losses/policy_loss"], events[^1].Values.Single(value => value.Tag == "losses/policy_loss").Value);
        await app.ScreenshotAsync(page, "live-run-actions");
    }
}
