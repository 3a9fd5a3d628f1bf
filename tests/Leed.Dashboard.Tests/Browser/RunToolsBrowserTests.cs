// A run's page in a real browser: evaluating its checkpoint, downloading its TensorBoard events, starting a new run from it.
using Leed.Engine.Learning;
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

    [Fact]
    public async Task NewRunFromThisOne_OpensNewRunWithEverySettingOfTheRun_AndStartsTheSameConfiguration()
    {
        var trained = new Hyperparameters { Envs = 2, Steps = 32, Minibatches = 2, UpdateEpochs = 1, LearningRate = 0.001, Iterations = 3 };
        var source = new RunSpec
        {
            Name = "cloned source", Algorithm = "leed", Map = PresetMaps.Small, Agents = 5, ScenarioSeed = 3, Demonstrator = "planner",
            Weight = "fixed:0.3", Seed = 4, Iterations = 3,
            Hyperparameters = HyperparameterValues.ToValues(trained).Where(pair => pair.Key != nameof(Hyperparameters.Iterations)).ToDictionary(),
        };
        string id = await FinishedRunAsync("cloned source", source);
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");

        await page.Locator("#live-clone").ClickAsync();
        // On a loaded machine the pages these clicks open (here and after Start) can take longer than the default 15 s to load.
        await page.WaitForURLAsync($"**/runs/new?from={id}", new() { Timeout = 60_000 });
        await page.Locator("#new-run-page[data-ready='true']").WaitForAsync();

        await Expect(page.Locator("#new-run-source")).ToContainTextAsync($"Settings copied from run cloned source ({id})");
        await Expect(page.Locator("#run-agents")).ToHaveValueAsync("5");
        await Expect(page.Locator("#run-scenario-seed")).ToHaveValueAsync("3");
        await Expect(page.Locator("#run-weight")).ToHaveValueAsync("fixed:0.3");
        await Expect(page.Locator("#run-iterations")).ToHaveValueAsync("3");
        await Expect(page.Locator("#run-seeds")).ToHaveValueAsync("4");
        await page.GetByText("Hyperparameters (defaults shown").ClickAsync();
        await Expect(page.Locator("[data-hp='LearningRate']")).ToHaveValueAsync("0.001");
        await app.ScreenshotAsync(page, "new-run-from-run");

        await page.Locator("#run-name").FillAsync("cloned copy");
        await page.Locator("#run-start").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/runs/[0-9]{8}-"), new() { Timeout = 60_000 });
        string copyId = page.Url.Split('/')[^1];
        Assert.NotEqual(id, copyId);
        RunSpec copy = Registry.Get(copyId)!.Spec;
        Assert.Equal((source.Algorithm, source.Map, source.Agents, source.ScenarioSeed, source.Demonstrator, source.DemoSetId, source.Weight, source.Seed, source.Iterations),
            (copy.Algorithm, copy.Map, copy.Agents, copy.ScenarioSeed, copy.Demonstrator, copy.DemoSetId, copy.Weight, copy.Seed, copy.Iterations));
        Assert.Equal(source.Hyperparameters.OrderBy(pair => pair.Key), copy.Hyperparameters.OrderBy(pair => pair.Key));
        Assert.Equal("cloned copy", copy.Name);
        await GridFitBrowserTests.WaitForAsync(() => !Registry.Get(copyId)!.IsActive);
    }

    [Fact]
    public async Task NewRunFromAnUnknownRun_SaysSo_AndShowsTheDefaults()
    {
        IPage page = await app.NewPageAsync();

        await AppServerFixture.GotoReadyAsync(page, "runs/new?from=no-such-run", "#new-run-page");

        await Expect(page.Locator("#new-run-source-problem")).ToContainTextAsync("No run with id no-such-run to copy settings from");
        await Expect(page.Locator("#new-run-source")).ToHaveCountAsync(0);
        await Expect(page.Locator("#run-agents")).ToHaveValueAsync("4");
    }
}
