// Real-browser checks of the shell: pages render interactively, the theme toggles, maps import through the UI.
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class SmokeBrowserTests(AppServerFixture app)
{
    [Fact]
    public async Task SystemPage_InABrowser_ShowsVersionsAndTogglesTheTheme()
    {
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "system", "#system-facts");
        await Expect(page.Locator("#system-facts")).ToContainTextAsync("2.10.0");
        await Expect(page.Locator("#system-facts")).ToContainTextAsync("planner, no LLM");
        await Expect(page.Locator("#system-facts tr:has-text(\"Training runs on\") td")).ToHaveTextAsync("CPU (no GPU: this build of libtorch is CPU-only)");

        string before = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        await page.Locator("#theme-toggle").ClickAsync();
        await Expect(page.Locator("body")).Not.ToHaveCSSAsync("background-color", before);
        await app.ScreenshotAsync(page, "system");
    }
}
