// Real-browser journey through studies: a bad file shows its located errors, a small study starts, its cells finish live, its CSV downloads; a study of many conditions draws a panel per condition; corrupted demonstrations show as such.
using System.Text.RegularExpressions;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Leed.Engine.Studies;
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
        // Two conditions: two panels, LEED in each with its own data and IPPO's one clean curve in both, one legend entry per configuration.
        string[] panels = await PanelTitlesAsync(page, "study-curves"), legend = await LegendAsync(page, "study-curves");
        Assert.Equal(["4 agents, none", "4 agents, drop-0.5"], panels);
        Assert.Equal(["leed-dynamic (2 seeds)", "ippo (2 seeds)"], legend);
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

    private static async Task<string[]> PanelTitlesAsync(IPage page, string figure) =>
        await page.EvaluateAsync<string[]>($"() => (document.getElementById('{figure}').layout.annotations || []).map(a => a.text)");

    // The names the drawn legend shows, in its order.
    private static async Task<string[]> LegendAsync(IPage page, string figure) =>
        await page.EvaluateAsync<string[]>($"() => [...document.querySelectorAll('#{figure} .legend .traces .legendtext')].map(t => t.textContent)");

    /// <summary>
    /// Six configurations x two agent counts x three corruption levels (IPPO once per count, without
    /// demonstrations), 2 seeds: 34 groups, stored as a finished study with made-up learning curves.
    /// </summary>
    private string StoreLargeStudy()
    {
        const string plan = """
            {"name": "browser-large", "map": "synthetic-small", "agents": [4, 8], "seeds": [1, 2], "iterations": 10, "referencePolicies": false,
             "corruption": [{"kind": "none", "fraction": 0}, {"kind": "detour", "fraction": 0.5}, {"kind": "drop", "fraction": 0.5}],
             "configs": [{"name": "leed-dynamic", "algo": "leed", "weight": "dynamic"}, {"name": "leed-fixed-0.1", "algo": "leed", "weight": "fixed:0.1"},
                         {"name": "leed-fixed-1.0", "algo": "leed", "weight": "fixed:1.0"}, {"name": "leed-decay", "algo": "leed", "weight": "decay"},
                         {"name": "leed-return", "algo": "leed", "weight": "return"}, {"name": "ippo", "algo": "ippo"}]}
            """;
        var runner = app.Services.GetRequiredService<StudyRunner>();
        var runs = app.Services.GetRequiredService<RunRegistry>().Store;
        StudyRecord study = runner.Create(StudyPlanReader.Read(plan, "large.json", catalog: null), "large.json", plan);
        foreach (StoredStudyCell cell in study.Cells)
        {
            string config = cell.Config;
            var run = new RunRecord
            {
                Id = $"{study.Id}-{cell.Key.Replace('/', '-')}", Status = RunStatus.Completed, CreatedAt = DateTime.UtcNow, Iteration = 10,
                Spec = new RunSpec { Name = cell.Key, Algorithm = config == "ippo" ? "ippo" : "leed", Map = "synthetic-small", Agents = cell.Agents, Iterations = 10, Seed = cell.Seed },
            };
            runs.Save(run);
            double final = config.Length * 10 - (cell.Corruption == "none" ? 0 : 30) + cell.Seed * 5 + cell.Agents;
            for (int k = 1; k <= 10; k++)
                runs.AppendMetric(run.Id, new MetricRecord(k, 512L * k, k, new Dictionary<string, double>
                    { [Engine.Learning.MetricNames.EpisodicReturn] = final * k / 10.0, [Engine.Learning.MetricNames.ArrivalRate] = 0.5 }));
            cell.RunId = run.Id;
        }
        runner.Studies.Save(study);
        return study.Id;
    }

    [Fact]
    public async Task AStudyOfManyConditions_DrawsAPanelPerCondition_AConfigurationInOneColourEverywhere_AndTheWholeLegend()
    {
        string id = StoreLargeStudy();
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"studies/{id}", "#study-page");
        await Expect(page.Locator("#study-status")).ToHaveTextAsync("completed");
        await page.WaitForFunctionAsync("() => { const c = document.getElementById('study-curves'); return c && c.data && c.layout && c.layout.xaxis6; }");

        string[] panels = await PanelTitlesAsync(page, "study-curves");
        Assert.Equal(["4 agents, none", "4 agents, detour-0.5", "4 agents, drop-0.5", "8 agents, none", "8 agents, detour-0.5", "8 agents, drop-0.5"], panels);
        string[] configurations = new[] { "leed-dynamic", "leed-fixed-0.1", "leed-fixed-1.0", "leed-decay", "leed-return", "ippo" };
        string[] legend = await LegendAsync(page, "study-curves");
        Assert.Equal(configurations.Select(name => $"{name} (2 seeds)"), legend);
        // Each configuration's lines: one per panel, all in one colour, on that panel's axes.
        string[][] lines = await page.EvaluateAsync<string[][]>(
            "() => document.getElementById('study-curves').data.filter(t => t.fill === undefined && t.line.width !== 0).map(t => [t.name, t.line.color, t.xaxis])");
        foreach (string name in configurations)
        {
            string[][] own = [.. lines.Where(line => line[0].StartsWith(name + " ", StringComparison.Ordinal))];
            Assert.Equal(6, own.Length);
            Assert.Single(own.Select(line => line[1]).Distinct());
            Assert.Equal(["x", "x2", "x3", "x4", "x5", "x6"], own.Select(line => line[2]));
        }
        Assert.Equal(configurations.Length, lines.Select(line => line[1]).Distinct().Count());
        // The legend fits in the figure: nothing cut off at its bottom.
        bool fits = await page.EvaluateAsync<bool>(
            "() => { const c = document.getElementById('study-curves'), l = c.querySelector('.legend'); return l.getBoundingClientRect().bottom <= c.getBoundingClientRect().bottom + 1; }");
        Assert.True(fits, "the legend runs past the bottom of the curves figure");

        // Final return against corruption: a panel per agent count and kind, the same colours.
        await page.WaitForFunctionAsync("() => { const c = document.getElementById('study-final-vs-corruption'); return c && c.data && c.layout && c.layout.xaxis4; }");
        string[] kinds = await PanelTitlesAsync(page, "study-final-vs-corruption");
        Assert.Equal(["4 agents, detour", "4 agents, drop", "8 agents, detour", "8 agents, drop"], kinds);
        string leedColour = lines.First(line => line[0].StartsWith("leed-decay ", StringComparison.Ordinal))[1];
        string sameColour = await page.EvaluateAsync<string>(
            "() => document.getElementById('study-final-vs-corruption').data.find(t => t.name === 'leed-decay').line.color");
        Assert.Equal(leedColour, sameColour);
        await page.Locator("[data-figure=study-curves]").ScrollIntoViewIfNeededAsync();
        await app.ScreenshotAsync(page, "study-page-many-conditions");
        await page.Locator("[data-figure=study-curves]").ScreenshotAsync(new() { Path = Path.Combine(app.ArtifactsDirectory, "study-curves-many-conditions.png") });
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
