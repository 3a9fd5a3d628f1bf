// The Workers page, the System page's cluster line and a run's worker spans, with the dashboard as coordinator and a real worker process.
using System.Globalization;
using Leed.Dashboard.Tests.Cluster;
using Leed.Dashboard.Tests.Hosting;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

/// <summary>A dashboard that coordinates a localhost cluster, with one slot of its own.</summary>
public sealed class ClusterAppServerFixture : AppServerFixture
{
    public int CoordinatorPort { get; } = FreePort.On();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Leed:Cluster:Provider"] = "localhost",
        ["Leed:Cluster:CoordinatorPort"] = CoordinatorPort.ToString(CultureInfo.InvariantCulture),
        ["Leed:Cluster:Slots"] = "1",
    };
}

[Collection(ClusterCollection.Name)]
public sealed class WorkersBrowserTests(ClusterAppServerFixture app) : IClassFixture<ClusterAppServerFixture>
{
    [Fact]
    public async Task WorkersPage_ListsTheCoordinatorAndAWorker_AndARunShowsWhereItTrained()
    {
        using DashboardProcess worker = DashboardProcess.Start(["worker", "--cluster", "localhost", "--slots", "2", "--threads", "1"],
            new Dictionary<string, string> { ["LEED_CLUSTER__COORDINATORPORT"] = app.CoordinatorPort.ToString(CultureInfo.InvariantCulture) });
        // A worker process starts in seconds on an idle machine; a loaded 2-core CI machine gets more time.
        var joining = System.Diagnostics.Stopwatch.StartNew();
        while (!worker.Output.Contains("\"worker\"", StringComparison.Ordinal))
        {
            Assert.False(worker.HasExited, $"The worker exited: {worker.Error}");
            Assert.True(joining.Elapsed < TimeSpan.FromMinutes(3), $"The worker did not join in 3 minutes: {worker.Error}");
            await Task.Delay(200);
        }
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "workers", "#workers-page");
        await Expect(page.Locator(".worker-row")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Expect(page.Locator("#workers-summary")).ToContainTextAsync("2 workers, 0 of 3 slots in use");

        // Two runs: the worker has the most free slots, so the first goes there.
        RunRegistry registry = app.Services.GetRequiredService<RunRegistry>();
        RunRecord run = registry.Submit(AppServerFixture.TinyRun("on a worker", PresetMaps.Small, 3, 400));
        await Expect(page.Locator("#workers-summary")).ToContainTextAsync("1 of 3 slots in use", new() { Timeout = 30_000 });
        ILocator busy = page.Locator(".worker-row", new() { HasText = run.Id });
        await Expect(busy).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(busy.Locator(".worker-slots")).ToHaveTextAsync("1 / 2");
        await Expect(busy).Not.ToContainTextAsync("(coordinator)");
        await app.ScreenshotAsync(page, "workers-page");

        await busy.Locator(".worker-runs a").First.ClickAsync();
        await page.Locator("#live-page[data-ready='true']").WaitForAsync();
        await Expect(page.Locator("#live-workers")).ToContainTextAsync("(iterations 1–", new() { Timeout = 60_000 });
        // The remote run's curves stream in like a local run's: every chart has drawn its lines before the screenshot.
        await page.WaitForFunctionAsync("() => ['chart-return', 'chart-losses', 'chart-traffic', 'chart-sps'].every(id => { const c = document.getElementById(id); return c && c.data && c.data.some(trace => trace.x.length >= 2); })");
        await app.ScreenshotAsync(page, "live-run-worker-spans");
        registry.Stop(run.Id);

        await AppServerFixture.GotoReadyAsync(page, "system", "#system-facts");
        await Expect(page.Locator("#system-facts")).ToContainTextAsync($"localhost (coordinator port {app.CoordinatorPort}), cluster 'studio': 2 workers");
        await app.ScreenshotAsync(page, "system-cluster");
    }
}
