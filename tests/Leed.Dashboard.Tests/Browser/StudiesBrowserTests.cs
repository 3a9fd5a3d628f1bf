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
    /// <summary>
    /// LEED with clean and half-dropped demonstrations and IPPO (once, it uses none), 2 seeds x 3 iterations
    /// on the small preset, tiny rollouts (an episode ends in the third iteration): 6 cells.
    /// </summary>
    private const string SmallStudy = """
        {"name": "browser-small", "map": "synthetic-small", "agents": [4], "seeds": [1, 2], "iterations": 3, "referencePolicies": false,
         "corruption": [{"kind": "none", "fraction": 0}, {"kind": "drop", "fraction": 0.5}],
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
        await Expect(page.Locator("#new-study-valid")).ToContainTextAsync("6 cells on synthetic-small");
        await app.ScreenshotAsync(page, "new-study-valid");
        await page.Locator("#new-study-start").ClickAsync();
        await page.WaitForURLAsync(new Regex("/studies/[0-9]{8}-"));
        await page.Locator("#study-page[data-ready='true']").WaitForAsync();
        string id = page.Url.Split('/')[^1];

        // The grid follows the runs as they finish, without a reload.
        await Expect(page.Locator("#study-cells .study-cell")).ToHaveCountAsync(6);
        await app.ScreenshotAsync(page, "study-page-running");
        await Expect(page.Locator("#study-page")).ToHaveAttributeAsync("data-completed", "6", new() { Timeout = 180_000 });
        await Expect(page.Locator("#study-status")).ToHaveTextAsync("completed");
        await Expect(page.Locator("#study-cells .study-cell[data-state='completed']")).ToHaveCountAsync(6);
        await Expect(page.Locator("#study-results tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#study-results tr[data-group='leed-dynamic/n4/none']")).ToHaveAttributeAsync("data-runs", "2");
        await Expect(page.Locator("#study-results tr[data-group='leed-dynamic/n4/drop-0.5']")).ToHaveAttributeAsync("data-runs", "2");
        // Both configurations ranked in both conditions (IPPO with its one result), the better mean rank first.
        ILocator ranking = page.Locator("#study-ranking");
        await Expect(ranking.Locator("thead th")).ToHaveTextAsync(["Configuration", "4 agents, none", "4 agents, drop-0.5", "Mean rank", "First in"]);
        await Expect(ranking.Locator("tbody tr")).ToHaveCountAsync(2);
        double[] meanRanks = [.. (await ranking.Locator("tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(row => row.dataset.meanRank)"))
            .Select(text => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture))];
        Assert.True(meanRanks[0] <= meanRanks[1], $"the ranking is best first: {string.Join(", ", meanRanks)}");
        Assert.Equal(3.0, meanRanks.Sum()); // two configurations, two conditions: ranks 1 and 2 in each (no tie with real returns)
        await page.WaitForFunctionAsync("() => { const c = document.getElementById('study-curves'); return c && c.data && c.data.length >= 3; }",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await app.ScreenshotAsync(page, "study-page");

        IDownload download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#study-csv").ClickAsync());
        string[] csv = (await File.ReadAllTextAsync(await download.PathAsync())).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', Engine.Analysis.StudyReport.CsvColumns), csv[0]);
        Assert.Equal(4, csv.Length);
        Assert.Equal(2, csv.Count(line => line.StartsWith($"{id},leed-dynamic,leed,", StringComparison.Ordinal)));
        Assert.Single(csv, line => line.StartsWith($"{id},ippo,ippo,", StringComparison.Ordinal));

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
