// The Maps page's import in a real browser: a malformed upload shows where it is wrong and saves nothing; a MovingAI map with its .scen previews and saves.
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class MapsBrowserTests(AppServerFixture app)
{
    private MapRepository StoredMaps => new(app.Services.GetRequiredService<ILeedStore>());

    [Fact]
    public async Task MapsPage_MalformedUploadShowsItsLocatedErrorAndSavesNothing_ThenAMovingAiMapWithItsScenPreviewsAndSaves()
    {
        // Assertions have their own timeout (5 s by default), apart from the page's.
        SetDefaultExpectTimeout(AppServerFixture.WaitMilliseconds);
        string folder = Directory.CreateTempSubdirectory("leed-maps-e2e-").FullName;
        string broken = Path.Combine(folder, "broken.map");
        await File.WriteAllTextAsync(broken, "type octile\nheight 3\nwidth 4\nmap\n....\n.X..\n....\n");
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "maps", "#maps-page");
        int storedBefore = StoredMaps.List().Count;

        await page.Locator("#map-upload").SetInputFilesAsync(broken);
        await Expect(page.Locator("#import-error")).ToContainTextAsync("broken.map:6:2: unknown terrain character");
        await Expect(page.Locator("#import-save")).ToHaveCountAsync(0);
        await app.ScreenshotAsync(page, "maps-import-error");
        Assert.Equal(storedBefore, StoredMaps.List().Count);
        Assert.Null(StoredMaps.Find("broken"));

        await page.Locator("#map-upload").SetInputFilesAsync([AppServerFixture.Sample("sample-town.map"), AppServerFixture.Sample("sample-town.scen")]);
        await Expect(page.Locator("#import-error")).ToHaveCountAsync(0);
        await Expect(page.Locator("#import-preview-ok")).ToContainTextAsync("sample-town");
        await Expect(page.Locator("#import-preview-ok")).ToContainTextAsync("agents from the .scen");
        await Expect(page.Locator("#import-panel .import-file").First).ToHaveTextAsync("sample-town.map (0.4 KB)");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the preview stays inside the page");
        await Expect(page.Locator("#map-preview[data-map='sample-town'][data-ready='true']")).ToBeVisibleAsync();
        Assert.Null(StoredMaps.Find("sample-town")); // a preview is not a save
        await app.ScreenshotAsync(page, "maps-import-preview");

        await page.Locator("#import-save").ClickAsync();
        await Expect(page.Locator("#maps-table td[data-map='sample-town']")).ToBeVisibleAsync();
        Assert.NotNull(StoredMaps.Find("sample-town"));
        Assert.True(StoredMaps.FindScenario("sample-town")?.AgentCount > 0);
        Assert.Equal(storedBefore + 1, StoredMaps.List().Count);
        Directory.Delete(folder, recursive: true);
    }
}
