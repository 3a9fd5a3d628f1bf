// The Runs table in a real browser: the search box on runs with no notes, tags or group, a note typed at full speed, the fit at 1440 pixels, the column chooser, the sort and filters kept in the address and the chosen columns in the browser across a reload, a search reloaded the instant it is typed, and odd search text.
using Leed.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class RunsTableBrowserTests(AppServerFixture app)
{
    private RunRegistry Registry => app.Services.GetRequiredService<RunRegistry>();

    /// <summary>Finished runs stored as a run leaves them: empty notes, no tags, no group.</summary>
    private string[] StoreFinishedRuns(string prefix, params string[] algorithms)
    {
        var ids = new List<string>();
        foreach (string algorithm in algorithms)
        {
            var run = new RunRecord
            {
                Id = $"{prefix}-{algorithm}-{Guid.NewGuid():N}"[..40],
                Spec = new RunSpec { Name = $"{prefix} {algorithm}", Algorithm = algorithm, Map = "synthetic-small", Agents = 3, Iterations = 2 },
                Status = RunStatus.Completed,
                CreatedAt = DateTime.UtcNow,
                Iteration = 2,
            };
            Registry.Store.Save(run);
            ids.Add(run.Id);
        }
        return [.. ids];
    }

    /// <summary>Changes each stored run (with its place in <paramref name="ids"/>) and stores it again.</summary>
    private void EditEach(string[] ids, Action<RunRecord, int> edit)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            RunRecord run = Registry.Get(ids[i])!;
            edit(run, i);
            Registry.Store.Save(run);
        }
    }

    private static ILocator Rows(IPage page, string prefix) => page.Locator("table tbody tr.mud-table-row", new() { HasText = prefix });

    [Fact]
    public async Task SearchBox_OnRunsWithoutNotesTagsOrGroup_FiltersTheTable()
    {
        string prefix = "zsearch" + Guid.NewGuid().ToString("N")[..6];
        StoreFinishedRuns(prefix, "ippo", "mappo", "random");
        Assert.All(Registry.List().Where(run => run.Spec.Name.StartsWith(prefix, StringComparison.Ordinal)),
            run => Assert.True(string.IsNullOrEmpty(run.Notes) && run.Tags.Count == 0 && run.Spec.Group is null));
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        await Expect(Rows(page, prefix)).ToHaveCountAsync(3);

        ILocator search = page.Locator("input[data-test=run-search]");
        await search.PressSequentiallyAsync(prefix + " mappo");
        await Expect(Rows(page, prefix)).ToHaveCountAsync(1);
        await Expect(Rows(page, prefix)).ToContainTextAsync($"{prefix} mappo");
        await app.ScreenshotAsync(page, "runs-search");

        // The circuit is alive: change the words and the table follows.
        await search.FillAsync("");
        await search.PressSequentiallyAsync(prefix);
        await Expect(Rows(page, prefix)).ToHaveCountAsync(3);
        await search.PressSequentiallyAsync(" no-such-word");
        await Expect(Rows(page, prefix)).ToHaveCountAsync(0);
        await Expect(page.Locator("body")).ToContainTextAsync("No run matches.");
    }

    [Fact]
    public async Task NotesEditor_IsWideAndKeepsEveryKeystroke_AndTheNoteIsThereAfterAReload()
    {
        string prefix = "znotes" + Guid.NewGuid().ToString("N")[..6];
        StoreFinishedRuns(prefix, "leed");
        string[] refreshing = StoreFinishedRuns(prefix + "-live", "ippo");
        RunRecord shownRunning = Registry.Store.Find(refreshing[0])!;
        shownRunning.Status = RunStatus.Running;
        Registry.Store.Save(shownRunning);
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        await page.Locator("input[data-test=run-search]").FillAsync(prefix);
        await Expect(Rows(page, prefix)).ToHaveCountAsync(2);

        // The editor opens focused: type without clicking into it, at a steady pace while the table
        // refreshes every second (a run shown as running keeps the page reloading its rows).
        await Rows(page, prefix + " leed").Locator("[data-test=run-edit-notes]").ClickAsync();
        ILocator editor = page.Locator("input[data-test=run-notes-input]");
        await Expect(editor).ToBeFocusedAsync();
        const string note = "lr 3e-4 diverged at 2M steps; rerun with 5 seeds";
        await page.Keyboard.TypeAsync(note, new() { Delay = 40 });
        await Expect(editor).ToHaveValueAsync(note);
        LocatorBoundingBoxResult box = (await editor.BoundingBoxAsync())!;
        Assert.True(box.Width >= 200, $"the notes editor is {box.Width:0} px wide");
        await app.ScreenshotAsync(page, "runs-notes-editing");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-test=run-notes-input]")).ToHaveCountAsync(0);

        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        await page.Locator("input[data-test=run-search]").FillAsync(prefix);
        await Expect(Rows(page, prefix + " leed").Locator(".leed-run-notes")).ToHaveTextAsync(note);
        Assert.Equal(note, Registry.Store.List().Single(run => run.Spec.Name == prefix + " leed").Notes);
        Registry.Delete(refreshing[0]);
    }

    [Fact]
    public async Task At1440PixelsWide_TheTableFitsWithoutScrollingSideways()
    {
        string prefix = "zwide" + Guid.NewGuid().ToString("N")[..6];
        string[] ids = StoreFinishedRuns(prefix, "leed", "ippo");
        EditEach(ids, (run, _) =>
        {
            run.Spec.Group = "leed-synthetic-small-3-1201101500";
            run.Tags = ["baseline", "paper"];
            run.Notes = "a note long enough to take some room in its column";
        });
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        await Expect(Rows(page, prefix)).ToHaveCountAsync(2);

        int[] widths = await page.EvaluateAsync<int[]>(
            "() => { const t = document.querySelector('.leed-run-table .mud-table-container'); return [document.documentElement.scrollWidth, window.innerWidth, t.scrollWidth, t.clientWidth]; }");
        await app.ScreenshotAsync(page, "runs-1440");
        Assert.True(widths[0] <= widths[1], $"the page scrolls sideways: {widths[0]} px of content in a {widths[1]} px window");
        Assert.True(widths[2] <= widths[3] + 1, $"the table scrolls sideways: {widths[2]} px of columns in {widths[3]} px");

        // The column chooser brings back a column hidden by default, and takes it away again.
        ILocator groupHeader = page.Locator(".leed-run-table thead th", new() { HasText = "Group" });
        await Expect(groupHeader).ToHaveCountAsync(0);
        await page.Locator("[data-test=run-columns] button").First.ClickAsync();
        await page.Locator("[data-column=Group]").ClickAsync();
        await Expect(groupHeader).ToHaveCountAsync(1);
        await Expect(Rows(page, prefix).First).ToContainTextAsync("leed-synthetic-small-3-1201101500");
        await page.Locator("[data-column=Group]").ClickAsync();
        await Expect(groupHeader).ToHaveCountAsync(0);
    }

    // Waits for the order: the table is sorted once the circuit is up, a moment after the rows first show.
    private static async Task ExpectNamesAsync(IPage page, string prefix, params string[] names) =>
        await Expect(Rows(page, prefix).Locator("td[data-label=Name]")).ToHaveTextAsync(names);

    // In any order: runs stored in one test share their creation time.
    private static async Task ExpectRowsAsync(IPage page, string prefix, params string[] names)
    {
        await Expect(Rows(page, prefix)).ToHaveCountAsync(names.Length);
        foreach (string name in names) await Expect(Rows(page, name)).ToHaveCountAsync(1);
    }

    // The address follows the box at each keystroke, written in the browser (addressQuery.js); this waits until it holds the text.
    private static async Task ExpectSearchInAddressAsync(IPage page, string text) =>
        await page.WaitForFunctionAsync("text => new URL(location.href).searchParams.get('q') === text", text);

    private static ILocator Header(IPage page, string title) =>
        page.Locator(".leed-run-table thead th", new() { Has = page.Locator("span.sortable-column-header", new() { HasTextString = title }) });

    [Fact]
    public async Task TheSort_StaysInTheAddress_AndTheChosenColumnsInTheBrowser_AcrossAReload()
    {
        string prefix = "zsort" + Guid.NewGuid().ToString("N")[..6];
        string[] ids = StoreFinishedRuns(prefix, "leed", "ippo", "mappo");
        int[] agents = [3, 12, 7];
        EditEach(ids, (run, i) => run.Spec.Agents = agents[i]);
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        await page.Locator("input[data-test=run-search]").FillAsync(prefix);
        await Expect(Rows(page, prefix)).ToHaveCountAsync(3);

        // Sort as a researcher does: click the header, then again for the other way round.
        await Header(page, "Agents").Locator("span.sortable-column-header").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($@"/runs\?q={prefix}&sort=Agents&dir=asc$"));
        await ExpectNamesAsync(page, prefix, $"{prefix} leed", $"{prefix} mappo", $"{prefix} ippo");
        await Header(page, "Agents").Locator("span.sortable-column-header").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($@"/runs\?q={prefix}&sort=Agents&dir=desc$"));
        await ExpectNamesAsync(page, prefix, $"{prefix} ippo", $"{prefix} mappo", $"{prefix} leed");

        // Hide a column shown by default and show one hidden by default.
        await page.Locator("[data-test=run-columns] button").First.ClickAsync();
        await page.Locator("[data-column=Map]").ClickAsync();
        await page.Locator("[data-column=Steps]").ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator(".leed-run-table thead th", new() { HasTextString = "Map" })).ToHaveCountAsync(0);
        await Expect(Header(page, "Steps")).ToHaveCountAsync(1);

        await page.ReloadAsync();
        await page.Locator("#runs-page[data-ready='true']").WaitForAsync();
        await page.Locator("input[data-test=run-search]").FillAsync(prefix);
        await Expect(Rows(page, prefix)).ToHaveCountAsync(3);
        await ExpectNamesAsync(page, prefix, $"{prefix} ippo", $"{prefix} mappo", $"{prefix} leed");
        await Expect(Header(page, "Agents").Locator(".mud-direction-desc")).ToHaveCountAsync(1);
        await Expect(page.Locator(".leed-run-table thead th", new() { HasTextString = "Map" })).ToHaveCountAsync(0);
        await Expect(Header(page, "Steps")).ToHaveCountAsync(1);
        await app.ScreenshotAsync(page, "runs-sorted-after-reload");

        // A shared link sorts a fresh browser the same way (the column choice is this browser's own).
        IPage other = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(other, "runs?sort=agents&dir=asc", "#runs-page");
        await other.Locator("input[data-test=run-search]").FillAsync(prefix);
        await Expect(Rows(other, prefix)).ToHaveCountAsync(3);
        await ExpectNamesAsync(other, prefix, $"{prefix} leed", $"{prefix} mappo", $"{prefix} ippo");
        await Expect(other.Locator(".leed-run-table thead th", new() { HasTextString = "Map" })).ToHaveCountAsync(1);

        // A link with a sort name the table does not have opens the table unsorted, and sorting still works.
        await AppServerFixture.GotoReadyAsync(other, "runs?sort=Return&dir=sideways", "#runs-page");
        await other.Locator("input[data-test=run-search]").FillAsync(prefix);
        await Expect(Rows(other, prefix)).ToHaveCountAsync(3);
        await Expect(other.Locator(".leed-run-table thead .mud-direction-asc, .leed-run-table thead .mud-direction-desc")).ToHaveCountAsync(0);
        await Expect(other.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await app.ScreenshotAsync(other, "runs-unknown-sort");
        await Header(other, "Agents").Locator("span.sortable-column-header").ClickAsync();
        await Expect(other).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($@"/runs\?sort=Agents&dir=asc&q={prefix}$"));
        await ExpectNamesAsync(other, prefix, $"{prefix} leed", $"{prefix} mappo", $"{prefix} ippo");
    }

    [Fact]
    public async Task TheSearchAndThreshold_StayInTheAddress_SoAReloadOrASharedLinkShowsTheSameRows()
    {
        string prefix = "zquery" + Guid.NewGuid().ToString("N")[..6];
        string[] ids = StoreFinishedRuns(prefix, "leed", "ippo", "mappo");
        long[] steps = [100, 5_000, 9_000];
        EditEach(ids, (run, i) => run.GlobalStep = steps[i]);
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");

        // Filter as a researcher does: type the words, pick a metric, give its minimum.
        await page.Locator("input[data-test=run-search]").PressSequentiallyAsync(prefix);
        await Expect(Rows(page, prefix)).ToHaveCountAsync(3);
        await AppServerFixture.ChooseAsync(page.GetByRole(AriaRole.Combobox, new() { Name = "Metric" }), "Steps");
        await page.Locator("input[data-test=run-minimum]").FillAsync("1000");
        await ExpectRowsAsync(page, prefix, $"{prefix} ippo", $"{prefix} mappo");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($@"/runs\?q={prefix}&metric=Steps&min=1000$"));

        await page.ReloadAsync();
        await page.Locator("#runs-page[data-ready='true']").WaitForAsync();
        await ExpectRowsAsync(page, prefix, $"{prefix} ippo", $"{prefix} mappo");
        await Expect(page.Locator("input[data-test=run-search]")).ToHaveValueAsync(prefix);
        await Expect(page.Locator("input[data-test=run-minimum]")).ToHaveValueAsync("1000");
        await app.ScreenshotAsync(page, "runs-filtered-after-reload");

        // A shared link, with a second word, in a fresh browser.
        IPage other = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(other, $"runs?q={prefix}%20mappo&metric=steps&min=1000&sort=Name&dir=desc", "#runs-page");
        await ExpectRowsAsync(other, prefix, $"{prefix} mappo");

        // Values the table could not have written are ignored, one by one, and the page stays up.
        await AppServerFixture.GotoReadyAsync(other, $"runs?q={prefix}&metric=7&min=abc", "#runs-page");
        await ExpectRowsAsync(other, prefix, $"{prefix} leed", $"{prefix} ippo", $"{prefix} mappo");
        await AppServerFixture.GotoReadyAsync(other, $"runs?q={prefix}&metric=Steps&min=NaN", "#runs-page");
        await ExpectRowsAsync(other, prefix, $"{prefix} leed", $"{prefix} ippo", $"{prefix} mappo");
        await AppServerFixture.GotoReadyAsync(other, $"runs?q={new string('x', 201)}&metric=Steps&min=5000", "#runs-page");
        await Expect(other.Locator("input[data-test=run-search]")).ToHaveValueAsync("");
        await Expect(Rows(other, prefix)).ToHaveCountAsync(2);
        await Expect(other.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task ASearchTyped_AndReloadedAtOnce_ComesBackAsTyped_NotThePreviousOne()
    {
        string prefix = "zquick" + Guid.NewGuid().ToString("N")[..6];
        StoreFinishedRuns(prefix, "leed", "ippo", "mappo");
        IPage page = await app.NewPageAsync();
        // A search from before: the address holds it, the box shows it.
        await AppServerFixture.GotoReadyAsync(page, $"runs?q={prefix}", "#runs-page");
        ILocator search = page.Locator("input[data-test=run-search]");
        await ExpectRowsAsync(page, prefix, $"{prefix} leed", $"{prefix} ippo", $"{prefix} mappo");

        // A second word typed at full speed, and the page reloaded the moment the last key is up: no waiting for anything.
        await search.FocusAsync();
        await page.Keyboard.PressAsync("End");
        await search.PressSequentiallyAsync(" mappo");
        await page.ReloadAsync();

        await page.Locator("#runs-page[data-ready='true']").WaitForAsync();
        await Expect(search).ToHaveValueAsync($"{prefix} mappo");
        await ExpectRowsAsync(page, prefix, $"{prefix} mappo");
        Assert.Equal($"{prefix} mappo", System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query)["q"]);
        await app.ScreenshotAsync(page, "runs-search-reloaded-at-once");

        // From an empty box, a new search typed and reloaded at once the same way.
        await search.FillAsync("");
        await search.PressSequentiallyAsync(prefix + " ip");
        await page.ReloadAsync();
        await page.Locator("#runs-page[data-ready='true']").WaitForAsync();
        await Expect(search).ToHaveValueAsync($"{prefix} ip");
        await ExpectRowsAsync(page, prefix, $"{prefix} ippo");
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("'\"[({*+?.^$|\\")]
    [InlineData("<b>x</b> & %20 %zz ?q=1#frag")]
    [InlineData("städte 東京 🚗 \u0301")]
    [InlineData("]]]) ((( [a-z]+ .*")]
    public async Task OddSearchText_NeverBreaksThePage_AndSurvivesAReload(string text)
    {
        string prefix = "zodd" + Guid.NewGuid().ToString("N")[..6];
        StoreFinishedRuns(prefix, "ippo");
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        ILocator search = page.Locator("input[data-test=run-search]");

        // The odd words first, so that each is looked for; the last word matches no run.
        text += " nomatch" + prefix;
        await search.PressSequentiallyAsync(text);
        await Expect(page.Locator("body")).ToContainTextAsync("No run matches.");
        await ExpectSearchInAddressAsync(page, text);
        await page.ReloadAsync();
        await page.Locator("#runs-page[data-ready='true']").WaitForAsync();
        await Expect(search).ToHaveValueAsync(text);
        await Expect(page.Locator("body")).ToContainTextAsync("No run matches.");

        // The page is still live: the run's own name finds it again.
        await search.FillAsync(prefix);
        await Expect(Rows(page, prefix)).ToHaveCountAsync(1);
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task AVeryLongSearch_IsCutAtTheBoxsLimit_AndThePageStaysUp()
    {
        string prefix = "zlong" + Guid.NewGuid().ToString("N")[..6];
        StoreFinishedRuns(prefix, "ippo");
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "runs", "#runs-page");
        ILocator search = page.Locator("input[data-test=run-search]");

        await search.FillAsync(prefix + " " + string.Concat(Enumerable.Repeat("ünïcödé[.*] ", 400)));
        await Expect(page.Locator("body")).ToContainTextAsync("No run matches.");
        string value = await search.InputValueAsync();
        Assert.True(value.Length <= Leed.Components.Runs.RunFilterState.MaxSearchLength, $"the box holds {value.Length} characters");
        Assert.StartsWith(prefix, value, StringComparison.Ordinal);
        await ExpectSearchInAddressAsync(page, value);
        await page.ReloadAsync();
        await page.Locator("#runs-page[data-ready='true']").WaitForAsync();
        await Expect(search).ToHaveValueAsync(value);
        await app.ScreenshotAsync(page, "runs-long-search");
        await search.FillAsync(prefix);
        await Expect(Rows(page, prefix)).ToHaveCountAsync(1);
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }
}
