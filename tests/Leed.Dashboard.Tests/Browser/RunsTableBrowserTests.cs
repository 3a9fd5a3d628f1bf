// The Runs table in a real browser: the search box on runs with no notes, tags or group, a note typed at full speed, the fit at 1440 pixels and the column chooser.
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
        foreach (string id in ids)
        {
            RunRecord run = Registry.Get(id)!;
            run.Spec.Group = "leed-synthetic-small-3-1201101500";
            run.Tags = ["baseline", "paper"];
            run.Notes = "a note long enough to take some room in its column";
            Registry.Store.Save(run);
        }
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
}
