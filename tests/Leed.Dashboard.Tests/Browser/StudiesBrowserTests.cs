// Real-browser journey through studies: a bad file shows its located errors, a small study starts, its cells finish live, its CSV downloads; corrupted demonstrations show as such.
using System.Text.RegularExpressions;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class StudiesBrowserTests(AppServerFixture app)
{
    /// <summary>2 configurations x 2 seeds x 3 iterations on the small preset, tiny rollouts (an episode ends in the third iteration).</summary>
    private const string SmallStudy = """
        {"name": "browser-small", "map": "synthetic-small", "agents": [4], "seeds": [1, 2], "iterations": 3, "referencePolicies": false,
         "configs": [{"name": "leed-dynamic", "algo": "leed", "weight": "dynamic"}, {"name": "ippo", "algo": "ippo"}],
         "hyperparameters": {"Envs": 2, "Steps": 64, "Minibatches": 2, "UpdateEpochs": 1, "HiddenSize": 16}, "reference": "ippo"}
        """;

    [Fact]
    public async Task NewStudy_ShowsLocatedErrors_ThenStartsASmallStudy_WhoseCellsFinishLive_AndDownloadsItsCsv()
    {
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "studies/new", "#new-study-page");
        await Expect(page.Locator("#new-study-start")).ToBeDisabledAsync();

        // A mistake is refused at its key, and Start stays off.
        await page.Locator("#new-study-json").FillAsync(SmallStudy.Replace("\"weight\": \"dynamic\"", "\"weight\": \"dynamic:abc\""));
        await Expect(page.Locator("#new-study-errors")).ToContainTextAsync("study.json: configs[0].weight: unknown weight schedule 'dynamic:abc'");
        await Expect(page.Locator("#new-study-start")).ToBeDisabledAsync();
        await app.ScreenshotAsync(page, "new-study-errors");

        await page.Locator("#new-study-json").FillAsync(SmallStudy);
        await Expect(page.Locator("#new-study-valid")).ToContainTextAsync("4 cells on synthetic-small");
        await app.ScreenshotAsync(page, "new-study-valid");
        await page.Locator("#new-study-start").ClickAsync();
        await page.WaitForURLAsync(new Regex("/studies/[0-9]{8}-"));
        await page.Locator("#study-page[data-ready='true']").WaitForAsync();
        string id = page.Url.Split('/')[^1];

        // The grid follows the runs as they finish, without a reload.
        await Expect(page.Locator("#study-cells .study-cell")).ToHaveCountAsync(4);
        await app.ScreenshotAsync(page, "study-page-running");
        await Expect(page.Locator("#study-page")).ToHaveAttributeAsync("data-completed", "4", new() { Timeout = 180_000 });
        await Expect(page.Locator("#study-status")).ToHaveTextAsync("completed");
        await Expect(page.Locator("#study-cells .study-cell[data-state='completed']")).ToHaveCountAsync(4);
        await Expect(page.Locator("#study-results tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#study-results tr[data-group='leed-dynamic/n4/none']")).ToHaveAttributeAsync("data-runs", "2");
        await page.WaitForFunctionAsync("() => { const c = document.getElementById('study-curves'); return c && c.data && c.data.length >= 3; }",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await app.ScreenshotAsync(page, "study-page");

        IDownload download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#study-csv").ClickAsync());
        string[] csv = (await File.ReadAllTextAsync(await download.PathAsync())).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', Engine.Analysis.StudyReport.CsvColumns), csv[0]);
        Assert.Equal(3, csv.Length);
        Assert.StartsWith($"{id},leed-dynamic,leed,", csv[1]);
        Assert.StartsWith($"{id},ippo,ippo,", csv[2]);

        // The Studies page lists it as done; its runs are ordinary runs on the Runs page, tagged with the study.
        await AppServerFixture.GotoReadyAsync(page, "studies", "#studies-page");
        await Expect(page.Locator($"#studies-table tr[data-study='{id}']")).ToHaveAttributeAsync("data-status", "completed");
        await app.ScreenshotAsync(page, "studies");
        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        await Expect(page.Locator("body")).ToContainTextAsync($"study:{id}");
    }

    [Fact]
    public async Task TheDemonstrationsPage_MarksCorruptedAgents_AndTheVersionsProvenance()
    {
        ILeedStore store = app.Services.GetRequiredService<ILeedStore>();
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 6, seed: 2);
        var demos = new DemonstrationStore(store);
        StoredDemonstrationSet clean = demos.SaveNew(scenario, 2, new PlannerDemonstrator().Generate(scenario));
        (StoredDemonstrationSet corrupted, CorruptionOutcome outcome) = demos.SaveCorrupted(clean.Id, CorruptionKind.Detour, 0.5, 9, MapCatalog.For(store));

        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"demos/{corrupted.Id}", "#demos-page");

        await Expect(page.Locator("#demo-agents-table td.demo-agent-corrupted[data-corrupted='true']")).ToHaveCountAsync(3);
        foreach (CorruptedAgent agent in outcome.Changed)
            await Expect(page.Locator($"#demo-agents-table tr[data-agent='{agent.Agent}'] td.demo-agent-corrupted")).ToContainTextAsync("detour through Intersection_");
        await Expect(page.Locator("#demo-corruption")).ToContainTextAsync($"Corrupted on purpose from v1 (id {clean.Id}): detour, 0.5 of the 6 agents");
        await Expect(page.Locator("#demo-versions-table tr[data-version='2'] .demo-version-corruption")).ToContainTextAsync("detour 0.5, seed 9, 3 agent(s)");
        await app.ScreenshotAsync(page, "demos-corrupted");
    }
}
