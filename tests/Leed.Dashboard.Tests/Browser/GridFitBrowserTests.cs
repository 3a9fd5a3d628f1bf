// The city grid fits its panel on Maps, Demonstrations and Live run at every preset size, and zooms, pans and fits back.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class GridFitBrowserTests(AppServerFixture app)
{
    private ILeedStore Store => app.Services.GetRequiredService<ILeedStore>();

    private static async Task<LocatorBoundingBoxResult> BoxAsync(ILocator locator) =>
        await locator.BoundingBoxAsync() ?? throw new InvalidOperationException($"{locator} is not visible");

    private static void AssertInside(LocatorBoundingBoxResult inner, LocatorBoundingBoxResult outer, string what)
    {
        const float slack = 0.5f;
        Assert.True(inner.X >= outer.X - slack && inner.Y >= outer.Y - slack
                && inner.X + inner.Width <= outer.X + outer.Width + slack && inner.Y + inner.Height <= outer.Y + outer.Height + slack,
            $"{what}: the grid ({inner.X:0},{inner.Y:0} {inner.Width:0}x{inner.Height:0}) is not inside its panel ({outer.X:0},{outer.Y:0} {outer.Width:0}x{outer.Height:0})");
    }

    private static void AssertApart(LocatorBoundingBoxResult a, LocatorBoundingBoxResult b, string what) =>
        Assert.True(a.X + a.Width <= b.X + 0.5f || b.X + b.Width <= a.X + 0.5f || a.Y + a.Height <= b.Y + 0.5f || b.Y + b.Height <= a.Y + 0.5f,
            $"{what}: the grid overlaps it");

    /// <summary>The whole map is drawn inside the canvas: fitted, nothing cut off on any side.</summary>
    private static async Task AssertWholeMapShownAsync(IPage page, ILocator grid, ILocator panel, int width, int height, string what)
    {
        ILocator canvas = grid.Locator("canvas").Nth(1);
        LocatorBoundingBoxResult box = await BoxAsync(canvas);
        AssertInside(box, await BoxAsync(panel), what);
        GridView view = await GridView.ReadAsync(page, grid);
        Assert.Equal(view.FitScale, view.Scale);
        Assert.True(view.OffsetX >= -0.5 && view.OffsetY >= -0.5
                && view.OffsetX + width * view.Scale <= box.Width + 0.5 && view.OffsetY + height * view.Scale <= box.Height + 0.5,
            $"{what}: a {width}x{height} map at {view.Scale:0.00} px per cell from ({view.OffsetX:0.0},{view.OffsetY:0.0}) does not fit {box.Width:0}x{box.Height:0}");
        Assert.True(Math.Max(box.Width - width * view.Scale, box.Height - height * view.Scale) < 2 * view.Scale + 1,
            $"{what}: the map is fitted too small ({view.Scale:0.00} px per cell in {box.Width:0}x{box.Height:0})");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{what}: the page scrolls sideways");
    }

    [Fact]
    public async Task MapsPage_EveryPresetAndAnImportedMap_FitThePreviewPanel_AndZoomPanAndFitWork()
    {
        app.StoreSampleTown("fit-town", withScenario: false);
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "maps", "#maps-page");
        ILocator grid = page.Locator("#map-preview");
        ILocator panel = page.Locator(".mud-paper:has(#map-preview)");

        foreach (string name in new[] { PresetMaps.Small, PresetMaps.Medium, "fit-town", PresetMaps.Large })
        {
            CityMap map = MapCatalog.For(Store).Find(name)!;
            await page.Locator($"#maps-table td[data-map='{name}']").ClickAsync();
            await Expect(page.Locator($"#map-preview[data-map='{name}'][data-ready='true']")).ToBeVisibleAsync();
            await AssertWholeMapShownAsync(page, grid, panel, map.Width, map.Height, name);
        }
        await app.ScreenshotAsync(page, "maps-large");

        // Zoom with the button and the wheel, pan by dragging, and fit back to the whole map.
        ILocator canvas = grid.Locator("canvas").Nth(1);
        GridView fitted = await GridView.ReadAsync(page, grid);
        await grid.Locator("[data-grid-action=zoom-in]").ClickAsync();
        GridView button = await GridView.ReadAsync(page, grid);
        Assert.True(button.Scale > fitted.Scale * 1.2, $"+ zoomed from {fitted.Scale} to {button.Scale}");
        LocatorBoundingBoxResult box = await BoxAsync(canvas);
        await page.Mouse.MoveAsync(box.X + box.Width / 3, box.Y + box.Height / 3);
        await page.Mouse.WheelAsync(0, -300);
        GridView wheel = await GridView.ReadAsync(page, grid);
        Assert.True(wheel.Scale > button.Scale * 1.5, $"the wheel zoomed from {button.Scale} to {wheel.Scale}");
        await GridView.DragAsync(page, canvas, 60, 40);
        GridView dragged = await GridView.ReadAsync(page, grid);
        Assert.Equal(wheel.Scale, dragged.Scale);
        Assert.Equal((wheel.OffsetX + 60, wheel.OffsetY + 40), (dragged.OffsetX, dragged.OffsetY));
        AssertInside(await BoxAsync(canvas), await BoxAsync(panel), "zoomed");
        await app.ScreenshotAsync(page, "maps-large-zoomed");
        await grid.Locator("[data-grid-action=zoom-out]").ClickAsync();
        Assert.True((await GridView.ReadAsync(page, grid)).Scale < dragged.Scale);
        await grid.Locator("[data-grid-action=fit]").ClickAsync();
        Assert.Equal(fitted, await GridView.ReadAsync(page, grid));
    }

    [Fact]
    public async Task DemonstrationsPage_OnTheLargePreset_ShowsTheWholeGridInsideItsColumn()
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Large), 12, seed: 3);
        StoredDemonstrationSet set = new DemonstrationStore(Store).SaveNew(scenario, 3, new PlannerDemonstrator().Generate(scenario));
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"demos/{set.Id}", "#demos-page");
        ILocator grid = page.Locator("#demo-city-grid");
        await Expect(page.Locator("#demo-city-grid[data-ready='true']")).ToBeVisibleAsync();

        await AssertWholeMapShownAsync(page, grid, page.Locator(".mud-grid-item:has(#demo-grid)"), scenario.Map.Width, scenario.Map.Height, "demonstrations");
        AssertApart(await BoxAsync(grid.Locator("canvas").Nth(1)), await BoxAsync(page.Locator("#demo-agents-table")), "the agents table");
        await app.ScreenshotAsync(page, "demos-large");
    }

    [Fact]
    public async Task LiveRun_OfAFinishedRunOnTheLargePreset_ReplaysItsLastEpisodeInsideThePanel_ClearOfTheCharts()
    {
        var registry = app.Services.GetRequiredService<RunRegistry>();
        RunRecord run = registry.Submit(AppServerFixture.TinyRun("grid-fit large", PresetMaps.Large, agents: 6, iterations: 1));
        await WaitForAsync(() => !registry.Get(run.Id)!.IsActive);
        Assert.True(registry.Get(run.Id)!.Status == RunStatus.Completed, registry.Get(run.Id)!.Error);

        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, $"runs/{run.Id}", "#live-page");
        await Expect(page.Locator("#live-status")).ToHaveTextAsync("Completed");
        // Nobody watched it train; its last episode was stored when it finished and replays now.
        await Expect(page.Locator("#live-episode-caption")).ToContainTextAsync("Episode after iteration 1");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('live-grid')?.dataset.agents) > 0");
        // The w_i view: one heatmap row per agent beneath the band.
        await page.WaitForFunctionAsync("() => { const c = document.getElementById('chart-weights-heatmap'); return c && c.data && c.data[0] && c.data[0].z.length === 6; }");

        ILocator grid = page.Locator("#live-grid");
        await AssertWholeMapShownAsync(page, grid, page.Locator(".mud-paper:has(#live-grid)"), 96, 96, "live run");
        LocatorBoundingBoxResult canvas = await BoxAsync(grid.Locator("canvas").Nth(1));
        AssertApart(canvas, await BoxAsync(page.Locator(".mud-paper:has(#chart-weights)")), "the w_i chart");
        AssertApart(canvas, await BoxAsync(page.Locator(".mud-paper:has(#chart-return)")), "the return chart");
        await app.ScreenshotAsync(page, "live-run-large");
    }

    internal static async Task WaitForAsync(Func<bool> condition, int seconds = 120)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not there after {seconds} s");
            await Task.Delay(100);
        }
    }
}
