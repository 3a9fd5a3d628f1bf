// The run table as a researcher uses it: search, threshold, sort, select, edit tags and notes, delete, and a thousand runs.
using System.Diagnostics;
using Bunit;
using Leed.Components.Runs;
using Leed.Components.Views;
using Microsoft.AspNetCore.Components.Web;

namespace Leed.Components.Tests.Runs;

public sealed class RunTableTests : ComponentTestBase
{
    private static RunRow Run(int i, string algorithm = "LEED", double? best = null, string[]? tags = null, string notes = "") =>
        new($"run-{i:D4}", $"Run {i:D4}", algorithm, "city48", 20, "planner", i, RunStatus.Completed, 1.0,
            best, best, 100_000 + i, TimeSpan.FromMinutes(i), tags ?? [], notes, "sweep-a",
            new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).AddHours(i));

    private static readonly RunRow[] Runs =
    [
        Run(1, "LEED", best: 80, tags: ["baseline"]),
        Run(2, "IPPO", best: 12.5),
        Run(3, "MAPPO", best: 55, notes: "diverged after 2M steps"),
        Run(4, "LEED", best: null),
    ];

    private readonly List<RunRow> _deleted = [];
    private readonly List<RunTagsEdit> _tagEdits = [];
    private readonly List<RunNotesEdit> _noteEdits = [];
    private readonly List<IReadOnlyCollection<RunRow>> _selections = [];

    private readonly List<RunSort?> _sorts = [];

    private readonly List<RunFilterState> _filters = [];

    private IRenderedComponent<RunTable> RenderTable(IReadOnlyList<RunRow>? rows = null, RunSort? sort = null, RunFilterState? filter = null) =>
        Ctx.Render<RunTable>(p => p
            .Add(c => c.Rows, rows ?? Runs)
            .Add(c => c.Sort, sort)
            .Add(c => c.Filter, filter)
            .Add(c => c.FilterChanged, f => _filters.Add(f))
            .Add(c => c.SortChanged, s => _sorts.Add(s))
            .Add(c => c.OnDeleteRequested, run => _deleted.Add(run))
            .Add(c => c.OnTagsChanged, edit => _tagEdits.Add(edit))
            .Add(c => c.OnNotesChanged, edit => _noteEdits.Add(edit))
            .Add(c => c.OnSelectionChanged, selected => _selections.Add(selected)));

    private static string[] Names(IRenderedComponent<RunTable> table) =>
        table.FindAll("tbody td[data-label=Name]").Select(td => td.TextContent.Trim()).ToArray();

    [Theory]
    [InlineData("mappo", new[] { "Run 0003" })]                 // algorithm, any case
    [InlineData("baseline", new[] { "Run 0001" })]              // a tag
    [InlineData("diverged", new[] { "Run 0003" })]              // the notes
    [InlineData("leed 0004", new[] { "Run 0004" })]             // every word must match somewhere
    [InlineData("city48", new[] { "Run 0001", "Run 0002", "Run 0003", "Run 0004" })]
    [InlineData("nothing-like-this", new string[0])]
    public void TheSearchBox_MatchesAnyColumn(string text, string[] expected)
    {
        var table = RenderTable();

        table.Find("input[data-test=run-search]").Input(text);

        table.WaitForAssertion(() => Assert.Equal(expected, Names(table)));
    }

    [Theory]
    [InlineData("ippo", new[] { "Run 0002" })]
    [InlineData("sweep-a", new[] { "Run 0001" })]
    [InlineData("planner", new[] { "Run 0001" })]                // run 2 has no demonstrator text
    [InlineData("x", new string[0])]
    public void TheSearchBox_WorksOnRunsWithoutNotesTagsOrGroup(string text, string[] expected)
    {
        // A stored run's empty notes and missing group can come back as null (LiteDB stores "" as null).
        RunRow[] rows = [Run(1), Run(2, "IPPO") with { Notes = null!, Group = null!, Demonstrator = null!, Name = "Run 0002" }];
        var table = RenderTable(rows);

        table.Find("input[data-test=run-search]").Input(text);

        table.WaitForAssertion(() => Assert.Equal(expected, Names(table)));
    }

    [Fact]
    public void AMinimumBestReturn_HidesRunsBelowIt_AndRunsWithNoReturnYet()
    {
        var table = RenderTable();

        table.Find("input[data-test=run-minimum]").Input("50");

        table.WaitForAssertion(() => Assert.Equal(["Run 0001", "Run 0003"], Names(table)));
    }

    [Fact]
    public void ClickingAColumnHeader_SortsByIt_AndClickingAgainReverses()
    {
        var table = RenderTable(Runs.Where(r => r.BestReturn is not null).ToArray());
        var header = () => table.FindAll("span.sortable-column-header").Single(h => h.TextContent.Trim() == "Best return");

        header().Click();
        table.WaitForAssertion(() => Assert.Equal(["Run 0002", "Run 0003", "Run 0001"], Names(table)));

        header().Click();
        table.WaitForAssertion(() => Assert.Equal(["Run 0001", "Run 0003", "Run 0002"], Names(table)));
    }

    [Fact]
    public void ClickingAHeader_TellsThePageTheNewSort_UnderTheNameItsAddressUses()
    {
        var table = RenderTable();
        var header = (string title) => table.FindAll("span.sortable-column-header").Single(h => h.TextContent.Trim() == title);

        // The grid raises its sort from async handlers: on a loaded machine each click finishes later.
        header("Best return").Click();
        table.WaitForAssertion(() => Assert.Single(_sorts));
        header("Best return").Click();
        table.WaitForAssertion(() => Assert.Equal(2, _sorts.Count));
        header("Tags").Click();

        table.WaitForAssertion(() => Assert.Equal([new RunSort("BestReturn", false), new RunSort("BestReturn", true), new RunSort("Tags", false)], _sorts));
    }

    [Theory]
    [InlineData("BestReturn", "desc", new[] { "Run 0001", "Run 0003", "Run 0002" })]
    [InlineData("bestreturn", "asc", new[] { "Run 0002", "Run 0003", "Run 0001" })]
    [InlineData("Algorithm", null, new[] { "Run 0002", "Run 0001", "Run 0003" })]
    [InlineData("Notes", "desc", new[] { "Run 0003", "Run 0001", "Run 0002" })]
    public void ASortFromTheAddress_OrdersTheRows_AndMarksItsHeader(string column, string? direction, string[] expected)
    {
        var table = RenderTable(Runs.Where(r => r.BestReturn is not null).ToArray(), RunSort.Parse(column, direction));

        table.WaitForAssertion(() => Assert.Equal(expected, Names(table)));
        var sorted = table.FindAll("th").Where(th => th.QuerySelector(".mud-direction-asc, .mud-direction-desc") is not null).ToArray();
        Assert.Single(sorted);
        Assert.Empty(_sorts); // applying the page's own sort is not a change to report back
    }

    [Theory]
    [InlineData("Return", "desc")]       // not a column name
    [InlineData("", "asc")]
    [InlineData(null, "desc")]
    [InlineData("Id", "desc")]           // a property, but not a column
    public void AnUnknownSortInTheAddress_IsIgnored_AndTheRowsKeepTheirOrder(string? column, string? direction)
    {
        Assert.Null(RunSort.Parse(column, direction));

        var table = RenderTable(sort: RunSort.Parse(column, direction));

        table.WaitForAssertion(() => Assert.Equal(["Run 0001", "Run 0002", "Run 0003", "Run 0004"], Names(table)));
    }

    [Fact]
    public void AnotherSortFromThePage_ReplacesTheGridsSort_AndNoneClearsIt()
    {
        RunRow[] rows = [.. Runs.Where(r => r.BestReturn is not null)];
        var table = RenderTable(rows, new RunSort("BestReturn", true));

        table.Render(p => p.Add(c => c.Sort, new RunSort("Algorithm", true)));
        table.WaitForAssertion(() => Assert.Equal(["Run 0003", "Run 0001", "Run 0002"], Names(table)));

        table.Render(p => p.Add(c => c.Sort, (RunSort?)null));
        table.WaitForAssertion(() => Assert.Equal(["Run 0001", "Run 0002", "Run 0003"], Names(table)));
    }

    [Fact]
    public void TheChosenColumns_AreRestoredFromWhatThisBrowserSaved()
    {
        Ctx.JSInterop.Setup<string?>("localStorage.getItem", RunTable.ColumnsStorageKey).SetResult("""["Map","Seed","NoLongerAColumn"]""");
        var table = RenderTable();
        var headers = () => table.FindAll("thead th").Select(th => th.TextContent.Trim()).ToArray();

        table.WaitForAssertion(() => Assert.DoesNotContain("Map", headers()));
        Assert.DoesNotContain("Seed", headers());
        Assert.Contains("Demonstrator", headers()); // hidden by default, but this browser's choice shows it
    }

    [Fact]
    public void AnUnreadableSavedColumnChoice_LeavesTheDefaults()
    {
        Ctx.JSInterop.Setup<string?>("localStorage.getItem", RunTable.ColumnsStorageKey).SetResult("not json");
        var table = RenderTable();

        var headers = table.FindAll("thead th").Select(th => th.TextContent.Trim()).ToArray();
        Assert.Contains("Map", headers);
        Assert.DoesNotContain("Demonstrator", headers);
    }

    [Fact]
    public void TheDeleteButton_AsksThePageToDeleteThatRun()
    {
        var table = RenderTable();

        table.FindAll("button[data-test=run-delete]")[2].Click();

        Assert.Equal("run-0003", Assert.Single(_deleted).Id);
    }

    [Fact]
    public void EditingTags_AndPressingEnter_RaisesTheCleanedTags()
    {
        var table = RenderTable();
        table.FindAll("button[data-test=run-edit-tags]")[0].Click();
        var input = table.Find("input[data-test=run-tags-input]");
        Assert.Equal("baseline", input.GetAttribute("value"));

        input.Change("baseline,  seed-sweep, , Baseline, ablation");
        table.Find("input[data-test=run-tags-input]").KeyUp(new KeyboardEventArgs { Key = "Enter" });

        var edit = Assert.Single(_tagEdits);
        Assert.Equal("run-0001", edit.Run.Id);
        Assert.Equal(["baseline", "seed-sweep", "ablation"], edit.Tags);
        Assert.Empty(table.FindAll("input[data-test=run-tags-input]"));
    }

    [Fact]
    public void EditingNotes_SavesWithTheButton_AndEscapeCancelsWithoutRaising()
    {
        var table = RenderTable();

        table.FindAll("button[data-test=run-edit-notes]")[1].Click();
        table.WaitForElement("input[data-test=run-notes-input]").Change("  try a lower learning rate ");
        table.Find("button[data-test=run-save]").Click();
        table.WaitForAssertion(() => Assert.Single(_noteEdits));

        table.FindAll("button[data-test=run-edit-notes]")[0].Click();
        table.WaitForElement("input[data-test=run-notes-input]").Change("never saved");
        table.Find("input[data-test=run-notes-input]").KeyUp(new KeyboardEventArgs { Key = "Escape" });

        table.WaitForAssertion(() => Assert.Empty(table.FindAll("input[data-test=run-notes-input]")));
        var edit = Assert.Single(_noteEdits);
        Assert.Equal("run-0002", edit.Run.Id);
        Assert.Equal("try a lower learning rate", edit.Notes);
    }

    [Fact]
    public void TickingRows_RaisesTheWholeSelectionEachTime()
    {
        var table = RenderTable();

        table.FindAll("tbody input.mud-checkbox-input")[0].Change(true);
        table.WaitForAssertion(() => Assert.Single(_selections));
        table.FindAll("tbody input.mud-checkbox-input")[2].Change(true);

        table.WaitForAssertion(() => Assert.Equal(2, _selections.Count));
        Assert.Equal(["run-0001", "run-0003"], _selections[^1].Select(r => r.Id).Order());
    }

    [Fact]
    public void TagsAreShownAsChips()
    {
        var table = RenderTable([Run(1, tags: ["baseline", "5-seeds"])]);

        Assert.Equal(["baseline", "5-seeds"], table.FindAll(".leed-run-tag").Select(c => c.TextContent.Trim()));
    }

    [Fact]
    public void AThousandRuns_RenderOnePageOfFifty_Quickly()
    {
        var rows = Enumerable.Range(0, 1_000).Select(i => Run(i, best: i)).ToArray();
        var clock = Stopwatch.StartNew();

        var table = RenderTable(rows);

        clock.Stop();
        Assert.Equal(50, table.FindAll("tbody tr.mud-table-row").Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        table.Find("input[data-test=run-minimum]").Input("990");
        Assert.Equal(10, Names(table).Length);
    }

    [Fact]
    public void FiltersFromTheAddress_ShowOnlyTheirRows_AndFillTheSearchBox()
    {
        var table = RenderTable(filter: new RunFilterState("leed", RunMetric.BestReturn, 50));

        table.WaitForAssertion(() => Assert.Equal(["Run 0001"], Names(table)));
        Assert.Equal("leed", table.Find("input[data-test=run-search]").GetAttribute("value"));
        Assert.Equal("50", table.Find("input[data-test=run-minimum]").GetAttribute("value"));
    }

    [Fact]
    public void TypingAndSettingAThreshold_TellThePageEachNewFilter()
    {
        var table = RenderTable();

        table.Find("input[data-test=run-search]").Input("leed");
        table.Find("input[data-test=run-minimum]").Input("50");

        table.WaitForAssertion(() => Assert.Equal(
            [new RunFilterState("leed"), new RunFilterState("leed", RunMetric.BestReturn, 50)], _filters));
    }

    [Fact]
    public void AnOlderFilterComingBackFromThePage_DoesNotUndoWhatWasTypedSince()
    {
        var table = RenderTable();
        table.Find("input[data-test=run-search]").Input("m");
        table.Find("input[data-test=run-search]").Input("mappo");

        // The page's address catches up with the first keystroke only now.
        table.Render(p => p.Add(c => c.Filter, new RunFilterState("m")));

        Assert.Equal("mappo", table.Find("input[data-test=run-search]").GetAttribute("value"));
        table.WaitForAssertion(() => Assert.Equal(["Run 0003"], Names(table)));
    }

    [Fact]
    public void AFilterThePageChanges_ReplacesTheTablesOwn_AndNoneClearsIt()
    {
        var table = RenderTable();
        table.Find("input[data-test=run-search]").Input("ippo");

        table.Render(p => p.Add(c => c.Filter, new RunFilterState("mappo")));  // e.g. the browser's back button
        table.WaitForAssertion(() => Assert.Equal(["Run 0003"], Names(table)));

        table.Render(p => p.Add(c => c.Filter, (RunFilterState?)null));
        table.WaitForAssertion(() => Assert.Equal(4, Names(table).Length));
        Assert.True(string.IsNullOrEmpty(table.Find("input[data-test=run-search]").GetAttribute("value")));
    }

    [Fact]
    public void WithTheSearchInTheAddress_TheBoxWritesIt_AndANewSearchFromTheAddressLeavesTheBoxAlone()
    {
        var module = Ctx.JSInterop.SetupModule(RunTable.AddressQueryModulePath);
        module.SetupVoid("bind", _ => true).SetVoidResult();
        var table = Ctx.Render<RunTable>(p => p
            .Add(c => c.Rows, Runs)
            .Add(c => c.Filter, new RunFilterState("leed"))
            .Add(c => c.FilterChanged, f => _filters.Add(f))
            .Add(c => c.SearchQueryName, "q"));
        table.WaitForAssertion(() => Assert.Equal("q", module.VerifyInvoke("bind").Arguments[1]));

        // The browser wrote each keystroke's address before the keystroke reached the table: an address
        // a keystroke behind the box must not set the box back (what was typed since would be lost).
        table.Find("input[data-test=run-search]").Input("mappo");
        table.Render(p => p.Add(c => c.Filter, new RunFilterState("mapp")));
        Assert.Equal("mappo", table.Find("input[data-test=run-search]").GetAttribute("value"));
        table.WaitForAssertion(() => Assert.Equal(["Run 0003"], Names(table)));

        // Anything else the address changes still applies.
        table.Render(p => p.Add(c => c.Filter, new RunFilterState("mappo", RunMetric.Steps, 1e9)));
        table.WaitForAssertion(() => Assert.Empty(Names(table)));
    }
}
