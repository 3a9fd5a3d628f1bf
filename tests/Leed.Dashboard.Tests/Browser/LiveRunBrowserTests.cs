// Live run in a real browser: a run on an imported map's own .scen agents shows their real count, a finished run's kept episodes replay and scrub after a restart, and charts with nothing to draw yet say why.
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class LiveRunBrowserTests(AppServerFixture app)
{
    [Fact]
    public async Task RunOnAnImportedMapsOwnAgents_ShowsTheirCount_InTheHeaderTableGroupAndWeightChart_WithoutAReload()
    {
        int agents = app.StoreSampleTown("own-agents-town", withScenario: true).Scenario!.AgentCount;
        IPage page = await app.NewPageAsync();

        await AppServerFixture.GotoReadyAsync(page, "runs/new?map=own-agents-town", "#new-run-page");
        await Expect(page.Locator("#new-run-page")).ToContainTextAsync("Use the agents imported with this map (.scen)");
        await page.Locator("#run-iterations").FillAsync("200");
        await page.Locator("#run-seeds").FillAsync("1,2");
        await page.Locator("#run-name").FillAsync("own agents");
        await app.ScreenshotAsync(page, "new-run-own-agents");
        await page.Locator("#run-start").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/runs/[0-9]{8}-"), new() { Timeout = 60_000 });
        await page.Locator("#live-page[data-ready='true']").WaitForAsync();
        string id = page.Url.Split('/')[^1];

        await Expect(page.Locator("#live-page")).ToContainTextAsync($"leed on own-agents-town, {agents} agents");
        await Expect(page.Locator("#live-page")).ToContainTextAsync($"-n{agents}-");
        // One w_i heatmap row per agent as soon as the first iterations arrive, on this page as it was opened.
        await page.WaitForFunctionAsync($"() => {{ const c = document.getElementById('chart-weights-heatmap'); return c && c.data && c.data[0].z.length === {agents} && c.data[0].z[{agents - 1}].length > 0; }}",
            null, new PageWaitForFunctionOptions { Timeout = 90_000 });
        await app.ScreenshotAsync(page, "live-run-own-agents");

        var registry = app.Services.GetRequiredService<RunRegistry>();
        RunRecord[] group = [.. registry.List().Where(run => run.Spec.Group == registry.Get(id)!.Spec.Group)];
        Assert.Equal(2, group.Length);
        foreach (RunRecord run in group.Where(run => run.IsActive)) registry.Stop(run.Id);

        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        await page.Locator("input[data-test=run-search]").FillAsync("own-agents-town");
        ILocator rows = page.Locator("table tbody tr.mud-table-row", new() { HasText = "own agents s" });
        await Expect(rows).ToHaveCountAsync(2);
        // The Group column is hidden by default (the table fits 1440 pixels); bring it back through the column chooser.
        await page.Locator("[data-test=run-columns] button").First.ClickAsync();
        await page.Locator("[data-column=Group]").ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        foreach (ILocator row in await rows.AllAsync())
        {
            await Expect(row.Locator("td[data-label='Agents']")).ToHaveTextAsync(agents.ToString());
            await Expect(row.Locator("td[data-label='Group']")).ToContainTextAsync($"-n{agents}-");
        }
    }

    [Fact]
    public async Task ChartsWithNothingToDrawYet_SayWhy_AndFillInAsTheRunTrains()
    {
        var registry = app.Services.GetRequiredService<RunRegistry>();
        // Paused before its first iteration: every chart is empty. 32 steps an iteration, so an episode takes several.
        RunRecord run = registry.Submit(AppServerFixture.TinyRun("empty charts", PresetMaps.Small, agents: 4, iterations: 300));
        registry.Pause(run.Id);
        try
        {
            IPage page = await app.NewPageAsync();
            await AppServerFixture.GotoReadyAsync(page, $"runs/{run.Id}", "#live-page");
            ILocator traffic = page.Locator("[data-chart-empty=chart-traffic]");
            await Expect(traffic).ToHaveTextAsync("No episode has finished yet: arrival and congestion appear after the first finished episode.");
            await Expect(page.Locator("[data-chart-empty=chart-return]")).ToHaveTextAsync("No episode has finished yet: the team return appears after the first finished episode.");
            await Expect(page.Locator("[data-chart-empty=chart-losses]")).ToHaveTextAsync("No iteration has finished yet: the losses appear after the first finished iteration.");
            await Expect(page.Locator("[data-chart-empty=chart-sps]")).ToHaveTextAsync("No iteration has finished yet: the speed appears after the first finished iteration.");
            await Expect(page.Locator("[data-chart-empty=chart-weights]")).ToHaveTextAsync("No iteration has finished yet: the weights appear after the first finished iteration.");
            Assert.Empty(registry.Metrics(run.Id));
            // Each message stands in its chart's place, a box of the chart's size, with no empty axes drawn beneath it.
            foreach ((string chart, string plot, int height) in EmptyCharts)
            {
                ILocator placeholder = page.Locator($"[data-chart-placeholder={chart}]");
                await Expect(placeholder).ToBeVisibleAsync();
                LocatorBoundingBoxResult box = (await placeholder.BoundingBoxAsync())!;
                Assert.InRange(box.Height, height - 2, height + 2);
                await Expect(page.Locator($"#{plot}")).ToBeHiddenAsync();
                await Expect(page.Locator($"#{plot} .main-svg").First).ToBeHiddenAsync();
            }
            await app.ScreenshotAsync(page, "live-run-empty-charts");

            registry.Resume(run.Id);
            // The losses come with the first iteration, arrival and congestion with the first finished episode; each message goes then, without a reload.
            await Expect(page.Locator("[data-chart-empty=chart-losses]")).ToHaveCountAsync(0, new() { Timeout = 90_000 });
            await Expect(page.Locator("[data-chart-empty=chart-sps]")).ToHaveCountAsync(0);
            await Expect(page.Locator("[data-chart-empty=chart-weights]")).ToHaveCountAsync(0);
            // In their place the charts themselves, drawn with their points, on the page as it was opened.
            foreach (string plot in new[] { "chart-losses", "chart-sps", "chart-weights-lines", "chart-weights-heatmap" })
            {
                await Expect(page.Locator($"#{plot}")).ToBeVisibleAsync();
                await page.WaitForFunctionAsync($"() => {{ const c = document.getElementById('{plot}'); return c && c.data && c.data.some(t => (t.x || t.z || []).length > 0); }}");
            }
            await Expect(page.Locator("#chart-losses .scatterlayer .trace path.js-line").First).ToBeVisibleAsync();
            // LEED's agreement with its demonstrations is drawn from the first iteration; the message stays until arrival and congestion come.
            await page.WaitForFunctionAsync("() => { const c = document.getElementById('chart-traffic'); return c && c.data && c.data.some(t => t.x.length > 0); }");
            // That line is drawn, so the chart shows, with the message above it rather than in its place.
            await Expect(page.Locator("#chart-traffic")).ToBeVisibleAsync();
            await Expect(page.Locator("[data-chart-placeholder=chart-traffic]")).ToHaveCountAsync(0);
            // The page first, then the store: an episode may finish in between, never the other way round.
            int stillSaid = await traffic.CountAsync();
            bool episodeDone = registry.Metrics(run.Id).Any(record => record.Values.ContainsKey(Engine.Learning.MetricNames.ArrivalRate));
            Assert.True(stillSaid == 1 || episodeDone, "the traffic chart's message went with the agreement line, before any episode finished");
            await Expect(traffic).ToHaveCountAsync(0, new() { Timeout = 120_000 });
            await Expect(page.Locator("[data-chart-empty=chart-return]")).ToHaveCountAsync(0);
            await Expect(page.Locator("#chart-return")).ToBeVisibleAsync();
            await Expect(page.Locator("#chart-return .scatterlayer .trace path.js-line").First).ToBeVisibleAsync();
            await page.WaitForFunctionAsync("() => { const c = document.getElementById('chart-traffic'); return c && c.data && c.data[0].x.length > 0; }");
            Assert.Contains(registry.Metrics(run.Id), record => record.Values.ContainsKey(Engine.Learning.MetricNames.ArrivalRate));
            await app.ScreenshotAsync(page, "live-run-charts-filled");
        }
        finally
        {
            app.StopRunsNamed("empty charts");
        }

        // A run that ended before any episode finished says so, rather than promising one.
        string[] ended = await app.TrainAsync(AppServerFixture.TinyRun("no episode", PresetMaps.Small, agents: 4, iterations: 1));
        Assert.DoesNotContain(registry.Metrics(ended[0]), record => record.Values.ContainsKey(Engine.Learning.MetricNames.ArrivalRate));
        IPage done = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(done, $"runs/{ended[0]}", "#live-page");
        await Expect(done.Locator("[data-chart-empty=chart-traffic]")).ToHaveTextAsync(
            "No episode finished in this run: arrival and congestion appear only after a finished episode.");
        await Expect(done.Locator("[data-chart-empty=chart-losses]")).ToHaveCountAsync(0);
        await done.WaitForFunctionAsync("() => { const c = document.getElementById('chart-losses'); return c && c.data && c.data[0].x.length > 0; }");
        // One iteration is one point per line: drawn as a marker, since a line of one point shows nothing.
        foreach (string plot in new[] { "chart-losses", "chart-sps", "chart-weights-lines" })
            await Expect(done.Locator($"#{plot} .scatterlayer .trace .points path.point").First).ToBeVisibleAsync();
        await app.ScreenshotAsync(done, "live-run-ended-without-episode");
    }

    /// <summary>The Live tab's charts before a run's first iteration: placeholder id, the hidden plot's id, the height the placeholder takes.</summary>
    private static readonly (string Chart, string Plot, int Height)[] EmptyCharts =
    [
        ("chart-return", "chart-return", 260), ("chart-losses", "chart-losses", 220), ("chart-traffic", "chart-traffic", 220),
        ("chart-sps", "chart-sps", 180),
        // The w_i chart's placeholder covers both its band chart (280) and its heatmap (4 agents: 200).
        ("chart-weights", "chart-weights-lines", 480), ("chart-weights", "chart-weights-heatmap", 480),
    ];

    /// <summary>A dashboard on a data folder it does not delete, so that a second one can take over the folder.</summary>
    private sealed class Host(string dataDirectory) : AppServerFixture(dataDirectory, ownsData: false);

    [Fact]
    public async Task FinishedRun_ReplaysAnyKeptEpisode_WithTheScrubber_AfterTheAppRestartsOnTheSameDataFolder()
    {
        string folder = Directory.CreateTempSubdirectory("leed-e2e-restart-").FullName;
        string id;
        int[] kept;
        await using (var first = new HostLifetime(new Host(folder)))
        {
            await first.Server.InitializeAsync();
            var registry = first.Server.Services.GetRequiredService<RunRegistry>();
            id = (await first.Server.TrainAsync(AppServerFixture.TinyRun("replay after restart", PresetMaps.Small, agents: 4, iterations: 3)))[0];
            kept = [.. registry.Snapshots(id).Select(entry => entry.Iteration)];
            Assert.Equal(1, kept[0]); // the first and the last are always recorded, watched or not
            Assert.Equal(3, kept[^1]);
        }

        await using var second = new HostLifetime(new Host(folder));
        await second.Server.InitializeAsync();
        var restarted = second.Server.Services.GetRequiredService<RunRegistry>();
        EpisodeSnapshot firstEpisode = restarted.Snapshot(id, 1)!;
        IPage page = await second.Server.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"runs/{id}", "#live-page");
        await Expect(page.Locator("#live-status")).ToHaveTextAsync("Completed");
        await Expect(page.Locator("#live-episode-caption")).ToContainTextAsync($"Episode after iteration 3 · {kept.Length} recorded through training");
        ILocator timeline = page.Locator("#live-timeline"), grid = page.Locator("#live-grid");
        // It plays on its own: the step moves on.
        await Expect(timeline).ToHaveAttributeAsync("data-playing", "true");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('live-timeline')?.dataset.step) > 0");

        // An earlier episode, from the picker.
        await AppServerFixture.ChooseAsync(page.Locator("#live-snapshot").GetByRole(AriaRole.Combobox, new() { Name = "Episode" }), "iteration 1");
        await Expect(page.Locator("#live-episode-caption")).ToContainTextAsync("Episode after iteration 1 ·");
        await Expect(page.Locator("#live-snapshot")).ToHaveAttributeAsync("data-follow", "false");
        await Expect(timeline).ToHaveAttributeAsync("data-steps", (firstEpisode.Positions.Count - 1).ToString());

        // Paused and scrubbed: the grid shows exactly the step chosen, and the counters count up to it.
        await timeline.Locator("[data-timeline=play]").ClickAsync();
        await Expect(timeline).ToHaveAttributeAsync("data-playing", "false");
        int middle = (firstEpisode.Positions.Count - 1) / 2, last = firstEpisode.Positions.Count - 1;
        foreach (int step in new[] { middle, last, 0 })
        {
            await timeline.Locator("[data-timeline=scrub]").FillAsync(step.ToString());
            await Expect(timeline).ToHaveAttributeAsync("data-step", step.ToString());
            await Expect(grid).ToHaveAttributeAsync("data-step", step.ToString());
            int onTheRoad = firstEpisode.Statuses[step].Count(status => status is 1 or 3);
            int arrived = firstEpisode.Statuses[step].Count(status => status == 2);
            int blocked = firstEpisode.Blocked.Take(step + 1).Sum(flags => flags.Sum(flag => flag));
            await Expect(grid).ToHaveAttributeAsync("data-agents", onTheRoad.ToString());
            ILocator counts = timeline.Locator("[data-timeline-counts='0']");
            await Expect(counts).ToHaveAttributeAsync("data-arrived", arrived.ToString());
            await Expect(counts).ToHaveAttributeAsync("data-blocked", blocked.ToString());
            if (step == middle) await second.Server.ScreenshotAsync(page, "live-run-replay-scrubbed-after-restart");
        }
        // And plays again from where it was put.
        await timeline.Locator("[data-timeline=play]").ClickAsync();
        await page.WaitForFunctionAsync("() => Number(document.getElementById('live-timeline')?.dataset.step) > 0");
        await second.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Disposes a server once, however the test leaves.</summary>
    private sealed class HostLifetime(AppServerFixture server) : IAsyncDisposable
    {
        private bool _disposed;
        public AppServerFixture Server { get; } = server;

        public async ValueTask DisposeAsync()
        {
            if (_disposed) return;
            _disposed = true;
            await Server.DisposeAsync();
        }
    }
}
