// A map deleted while the Demonstrations pages still name it: both pages say so with the catalogue's one message.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class MissingMapBrowserTests(AppServerFixture app)
{
    private const string Name = "gone-town";

    private ILeedStore Store => app.Services.GetRequiredService<ILeedStore>();

    [Fact]
    public async Task ADeletedMap_IsNamedWithWhatToDo_WhenGeneratingForIt_AndWhenOpeningASetMadeForIt()
    {
        SetDefaultExpectTimeout(AppServerFixture.WaitMilliseconds);
        var catalog = MapCatalog.For(Store);
        CityMap map = MapImporter.Import(new MapImportRequest(Path.Combine(AppContext.BaseDirectory, "Samples", "sample-town.map")) { Name = Name }).Map;
        catalog.Stored.Save(map, overwrite: true);
        Scenario scenario = ScenarioGenerator.Generate(map, 2, 1);
        DemonstrationSet set = await new PlannerDemonstrator().GenerateAsync(scenario, null, CancellationToken.None);
        StoredDemonstrationSet stored = new DemonstrationStore(Store).SaveNew(scenario, 1, set);

        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "demos", "#demos-page");
        // MudSelect puts the id on its hidden input; the visible combobox beside it opens the list.
        await AppServerFixture.ChooseAsync(page.Locator("#demo-generate-panel").GetByRole(AriaRole.Combobox, new() { Name = "Map" }), Name);
        await Expect(page.Locator("#demo-map")).ToHaveValueAsync(Name);
        Assert.True(catalog.Stored.Delete(Name)); // deleted elsewhere (another tab, the command line) while the form is open

        await page.Locator("#demo-generate").ClickAsync();
        await Expect(page.Locator("#demo-generate-error")).ToContainTextAsync(
            $"No map named '{Name}'. `maps list` or the Maps page shows the map names; import one with `maps import FILE` or on the Maps page.");
        await app.ScreenshotAsync(page, "demos-generate-map-gone");

        await AppServerFixture.GotoReadyAsync(page, $"demos/{stored.Id}", "#demos-page");
        await Expect(page.Locator("#demo-load-error")).ToContainTextAsync($"{stored.Title} was made for a map that is gone. No map named '{Name}'.");
        await app.ScreenshotAsync(page, "demos-set-map-gone");
    }
}
