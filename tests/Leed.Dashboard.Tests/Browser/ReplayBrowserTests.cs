// Side-by-side replay in a real browser: two runs on one scenario advance on one timeline with their own counts; other scenarios are refused.
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class ReplayBrowserTests(AppServerFixture app)
{
    private RunRegistry Registry => app.Services.GetRequiredService<RunRegistry>();

    /// <summary>Arrivals and blocked moves of a stored episode up to a step, as the counters should show them.</summary>
    private static (int Arrived, int Blocked) Counts(EpisodeSnapshot episode, int step)
    {
        int at = Math.Min(step, episode.Positions.Count - 1);
        return (episode.Statuses[at].Count(status => status == 2), episode.Blocked.Take(at + 1).Sum(flags => flags.Sum(flag => flag)));
    }

    [Fact]
    public async Task TwoRunsOnOneScenario_AdvanceOnOneTimeline_EachCountingItsArrivalsAndBlockedMoves()
    {
        // The demonstrations replayed (every vehicle follows its planned route and arrives) against a random policy, 12 vehicles.
        string[] ids = await app.TrainAsync(
            AppServerFixture.TinyRun("replay demo", PresetMaps.Small, agents: 12, iterations: 1, algorithm: "demo"),
            AppServerFixture.TinyRun("replay random", PresetMaps.Small, agents: 12, iterations: 1, algorithm: "random"));
        EpisodeSnapshot left = Registry.LatestSnapshot(ids[0])!, right = Registry.LatestSnapshot(ids[1])!;
        Assert.True(Counts(left, int.MaxValue).Arrived > 0, "the replayed demonstrations should bring vehicles home");

        // Reached from Compare with both runs selected.
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"compare?runs={ids[0]},{ids[1]}", "#compare-page");
        await page.Locator("#compare-replay").ClickAsync();
        await page.WaitForURLAsync($"**/replay?left={ids[0]}&right={ids[1]}");
        await page.Locator("#replay-page[data-ready='true'][data-same-scenario='true']").WaitForAsync();

        ILocator timeline = page.Locator("#replay-timeline");
        ILocator leftGrid = page.Locator("#replay-left-grid"), rightGrid = page.Locator("#replay-right-grid");
        ILocator leftCounts = timeline.Locator("[data-timeline-counts='0']"), rightCounts = timeline.Locator("[data-timeline-counts='1']");
        await Expect(timeline).ToHaveAttributeAsync("data-steps", (Math.Max(left.Positions.Count, right.Positions.Count) - 1).ToString());
        await Expect(leftCounts).ToHaveAttributeAsync("data-arrived", new System.Text.RegularExpressions.Regex("^[0-9]+$"));

        // Playing: both sides move on together, and the counts grow.
        await page.WaitForFunctionAsync("() => Number(document.getElementById('replay-timeline').dataset.step) >= 20");
        await timeline.Locator("[data-timeline=play]").ClickAsync();
        await Expect(timeline).ToHaveAttributeAsync("data-playing", "false");
        int paused = int.Parse((await timeline.GetAttributeAsync("data-step"))!);
        // A side whose episode has ended stays on its last step (every vehicle arrived) while the other plays on.
        await Expect(leftGrid).ToHaveAttributeAsync("data-step", Math.Min(paused, left.Positions.Count - 1).ToString());
        await Expect(rightGrid).ToHaveAttributeAsync("data-step", Math.Min(paused, right.Positions.Count - 1).ToString());

        // Step by step through the episodes: each side's counters are its own episode's, up to the step shown.
        int longest = Math.Max(left.Positions.Count, right.Positions.Count) - 1;
        var arrivedSeen = new List<int>();
        foreach (int step in new[] { 0, longest / 4, longest / 2, longest })
        {
            await timeline.Locator("[data-timeline=scrub]").FillAsync(step.ToString());
            await Expect(timeline).ToHaveAttributeAsync("data-step", step.ToString());
            await Expect(leftGrid).ToHaveAttributeAsync("data-step", Math.Min(step, left.Positions.Count - 1).ToString());
            await Expect(rightGrid).ToHaveAttributeAsync("data-step", Math.Min(step, right.Positions.Count - 1).ToString());
            (int leftArrived, int leftBlocked) = Counts(left, step);
            (int rightArrived, int rightBlocked) = Counts(right, step);
            await Expect(leftCounts).ToHaveAttributeAsync("data-arrived", leftArrived.ToString());
            await Expect(leftCounts).ToHaveAttributeAsync("data-blocked", leftBlocked.ToString());
            await Expect(rightCounts).ToHaveAttributeAsync("data-arrived", rightArrived.ToString());
            await Expect(rightCounts).ToHaveAttributeAsync("data-blocked", rightBlocked.ToString());
            await Expect(leftCounts).ToContainTextAsync($"arrived {leftArrived} of 12");
            arrivedSeen.Add(leftArrived);
            if (step == longest / 4) await app.ScreenshotAsync(page, "replay-side-by-side");
        }
        Assert.True(arrivedSeen[^1] > arrivedSeen[0], $"the arrivals should grow along the timeline: {string.Join(", ", arrivedSeen)}");
    }

    [Fact]
    public async Task RunsOnDifferentScenarios_AreRefused_SayingHowTheyDiffer()
    {
        string[] ids = await app.TrainAsync(
            AppServerFixture.TinyRun("scenario seed two", PresetMaps.Small, agents: 3, iterations: 1, algorithm: "random"),
            AppServerFixture.TinyRun("scenario seed five", PresetMaps.Small, agents: 3, iterations: 1, algorithm: "random", scenarioSeed: 5));

        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"replay?left={ids[0]}@1&right={ids[1]}", "#replay-page");

        await Expect(page.Locator("#replay-page")).ToHaveAttributeAsync("data-same-scenario", "false");
        ILocator problem = page.Locator("[data-test=replay-problem]");
        await Expect(problem).ToContainTextAsync("These runs are on different scenarios: 'scenario seed two' on synthetic-small with 3 agents (scenario seed 2) on the left");
        await Expect(problem).ToContainTextAsync("(scenario seed 5) on the right");
        await Expect(page.Locator("#replay-timeline")).ToHaveCountAsync(0);
        await Expect(page.Locator("#replay-left-grid")).ToHaveCountAsync(0);
        await app.ScreenshotAsync(page, "replay-different-scenarios");

        // Two iterations of one run are one scenario: reached from the run's own page.
        await AppServerFixture.GotoReadyAsync(page, $"runs/{ids[0]}", "#live-page");
        await page.Locator("#live-side-by-side").ClickAsync();
        await page.WaitForURLAsync($"**/replay?left={ids[0]}@1");
        await Expect(page.Locator("#replay-right")).ToContainTextAsync("Choose a run.");
        await page.Locator("#replay-page[data-ready='true']").WaitForAsync();
        await AppServerFixture.ChooseAsync(page.Locator("[data-test=replay-right-run]").GetByRole(AriaRole.Combobox),
            "scenario seed two (same scenario) · random · synthetic-small");
        await page.Locator("#replay-page[data-same-scenario='true']").WaitForAsync();
        await Expect(page.Locator("#replay-right")).ToHaveAttributeAsync("data-run", ids[0]);
    }

    [Fact]
    public async Task AMalformedOrUnknownSide_SaysWhatToWrite()
    {
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "replay?left=nosuchrun&right=abc@x", "#replay-page");

        ILocator problems = page.Locator("[data-test=replay-problem]");
        await Expect(problems.Nth(0)).ToContainTextAsync("Left: no run with id nosuchrun.");
        await Expect(problems.Nth(1)).ToContainTextAsync("right=abc@x: write RUN or RUN@ITERATION");
    }
}
