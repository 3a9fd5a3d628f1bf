// The run table's state: filter inputs, the selection, the sort, the chosen columns and the one cell being edited; every change is raised to the page.
using System.Text.Json;
using Leed.Components.Views;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;

namespace Leed.Components.Runs;

/// <summary>
/// The runs list: sortable columns, a search box that matches any column, a minimum on one
/// metric, multi-select, tags and notes edited in place, and a delete button. It never changes
/// <see cref="Rows"/> itself: edits and deletions are raised for the page to apply (and confirm).
/// Rows are paged, so a thousand runs render one page at a time. The sort and the filters are the
/// page's to keep (in its address); the chosen columns are kept in the browser's local storage, per browser.
/// </summary>
public sealed partial class RunTable : ComponentBase, IAsyncDisposable
{
    public const string AddressQueryModulePath = "./_content/Leed.Components/addressQuery.js";

    private enum EditedField { Tags, Notes }

    private static readonly int[] PageSizeOptions = [25, 50, 100];

    /// <summary>The runs to list.</summary>
    [Parameter, EditorRequired] public IReadOnlyList<RunRow> Rows { get; set; } = [];

    /// <summary>Rows per page.</summary>
    [Parameter] public int PageSize { get; set; } = 50;

    /// <summary>Raised with every selected run whenever the selection changes.</summary>
    [Parameter] public EventCallback<IReadOnlyCollection<RunRow>> OnSelectionChanged { get; set; }

    /// <summary>Raised with the run and its new tags when a tag edit is saved.</summary>
    [Parameter] public EventCallback<RunTagsEdit> OnTagsChanged { get; set; }

    /// <summary>Raised with the run and its new notes when a notes edit is saved.</summary>
    [Parameter] public EventCallback<RunNotesEdit> OnNotesChanged { get; set; }

    /// <summary>Raised when the delete button of a run is pressed; the page asks for confirmation.</summary>
    [Parameter] public EventCallback<RunRow> OnDeleteRequested { get; set; }

    /// <summary>The sort to show (null: the rows' own order); the grid follows it whenever it changes.</summary>
    [Parameter] public RunSort? Sort { get; set; }

    /// <summary>Raised when a header click changes the sort (null when the grid is no longer sorted).</summary>
    [Parameter] public EventCallback<RunSort?> SortChanged { get; set; }

    /// <summary>
    /// The filters to show; a new value replaces what the search box and threshold hold, unless it is
    /// one the table raised itself, or (with <see cref="SearchQueryName"/>) a new search alone, which
    /// the box wrote into the address itself.
    /// </summary>
    [Parameter] public RunFilterState? Filter { get; set; }

    /// <summary>Raised with every change of the search text, the metric or the minimum.</summary>
    [Parameter] public EventCallback<RunFilterState> FilterChanged { get; set; }

    /// <summary>
    /// The query parameter of the page's address that holds the search text, when the page keeps it
    /// there. Then the box writes it into the address itself, in the browser, at every keystroke
    /// (through the page's navigation, so <see cref="Filter"/> follows): the page's own write comes a
    /// server round trip later, and a reload in between would bring back the previous search.
    /// </summary>
    [Parameter] public string? SearchQueryName { get; set; }

    /// <summary>The local storage key of the hidden columns, as a JSON array of column titles.</summary>
    public const string ColumnsStorageKey = "leed.runs.hiddenColumns";

    /// <summary>Columns the chooser can hide (the name, the status and the selection always show).</summary>
    public static IReadOnlyList<string> OptionalColumns { get; } =
        ["Algorithm", "Map", "Agents", "Demonstrator", "Seed", "Progress", "Best return", "Last return", "Steps", "Wall time", "Tags", "Notes", "Group", "Created"];

    /// <summary>Hidden until chosen: with them all the table would not fit a 1440-pixel screen.</summary>
    public static IReadOnlyList<string> HiddenByDefault { get; } = ["Demonstrator", "Progress", "Last return", "Steps", "Group", "Created"];

    [Inject] private IJSRuntime JS { get; set; } = default!;

    private ElementReference _searchBox;
    private IJSObjectReference? _addressQuery;
    // The box writes its text into the page's address (SearchQueryName), once the script is bound.
    private bool _searchInAddress, _disposed;
    private readonly HashSet<string> _hidden = [.. HiddenByDefault];
    private MudDataGrid<RunRow>? _grid;
    // What the grid is sorted by now, as last applied from Sort or reported by the grid; and the
    // last Sort given, so that only a new one is applied (a page that does not bind it back keeps clicks).
    private RunSort? _gridSort, _givenSort;
    private bool _sortToApply;
    private HashSet<RunRow> _selected = new(RunRowIdComparer.Instance);
    private string? _search;
    private RunMetric _metric = RunMetric.BestReturn;
    private double? _minimum;
    private RunFilterState? _givenFilter;
    // Filters raised to the page and not yet given back. The page's address catches up a round trip
    // later; by then a fast typist has typed on, and applying the older text would drop keystrokes.
    private readonly Queue<RunFilterState> _raisedFilters = new();
    private (string RunId, EditedField Field)? _editing;
    private string _draft = "";
    // The rows as they were when an edit began. The page refreshes its rows while runs train, and a
    // refreshed row is a new item to the grid, which would rebuild the editor and drop what is typed.
    private IReadOnlyList<RunRow>? _rowsWhileEditing;

    private IReadOnlyList<RunRow> ShownRows => _rowsWhileEditing ?? Rows;

    private bool IsHidden(string column) => _hidden.Contains(column);

    private async Task ToggleColumnAsync(string column)
    {
        if (!_hidden.Remove(column)) _hidden.Add(column);
        await JS.InvokeVoidAsync("localStorage.setItem", ColumnsStorageKey, JsonSerializer.Serialize(_hidden.Order(StringComparer.Ordinal)));
    }

    protected override void OnParametersSet()
    {
        ApplyGivenFilter();
        if (Sort == _givenSort)
            return;
        _givenSort = Sort;
        _sortToApply = true;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && SearchQueryName is not null)
        {
            // Only once interactive: a prerendered page has no circuit to tell of the new address.
            _addressQuery = await JS.InvokeAsync<IJSObjectReference>("import", AddressQueryModulePath);
            if (_disposed)
            {
                await _addressQuery.DisposeAsync();
                return;
            }
            await _addressQuery.InvokeVoidAsync("bind", _searchBox, SearchQueryName);
            _searchInAddress = true;
        }
        if (firstRender && await SavedHiddenColumnsAsync() is { } saved)
        {
            _hidden.Clear();
            _hidden.UnionWith(saved);
            StateHasChanged();
        }
        if (_grid is not null && _sortToApply)
        {
            _sortToApply = false;
            if (Sort != _gridSort)
                await ApplySortAsync(_grid, Sort);
        }
    }

    /// <summary>The hidden columns this browser saved, or null when it saved none or something unreadable (then the defaults stay).</summary>
    private async Task<IEnumerable<string>?> SavedHiddenColumnsAsync()
    {
        string? json = await JS.InvokeAsync<string?>("localStorage.getItem", ColumnsStorageKey);
        if (string.IsNullOrEmpty(json))
            return null;
        try
        {
            // Titles this version no longer has are dropped, so a renamed column cannot stay hidden for ever.
            return JsonSerializer.Deserialize<string[]>(json)?.Where(OptionalColumns.Contains);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task ApplySortAsync(MudDataGrid<RunRow> grid, RunSort? sort)
    {
        RunSort? previous = _gridSort;
        _gridSort = sort;
        if (sort is not null)
            await grid.SetSortAsync(sort.Column, sort.Descending ? SortDirection.Descending : SortDirection.Ascending, RunSort.Columns[sort.Column]);
        else if (previous is not null)
            await grid.RemoveSortAsync(previous.Column);
        StateHasChanged();
    }

    private async Task OnGridSortChanged(Dictionary<string, SortDefinition<RunRow>> definitions)
    {
        RunSort? sort = definitions.Values.OrderBy(d => d.Index).Select(d => RunSort.Parse(d.SortBy, d.Descending ? "desc" : "asc")).FirstOrDefault();
        if (sort == _gridSort)
            return;
        _gridSort = sort;
        await SortChanged.InvokeAsync(sort);
    }

    private bool IsShown(RunRow row) => RunFilter.Matches(row, _search, _metric, _minimum);

    private void ApplyGivenFilter()
    {
        if (Filter == _givenFilter)
            return;
        RunFilterState? previous = _givenFilter;
        _givenFilter = Filter;
        if (Filter is not null && _raisedFilters.Contains(Filter))
        {
            // Our own change coming back: drop it and the older ones before it.
            while (_raisedFilters.Dequeue() != Filter) { }
            return;
        }
        if (_searchInAddress && Filter is not null && previous is not null && Filter with { Search = previous.Search } == previous)
        {
            // Only the search moved: the box wrote it into the address itself, ahead of its keystroke,
            // and has held it (or typed on) since. Setting the box to it could drop what was typed after.
            return;
        }
        _raisedFilters.Clear();
        RunFilterState given = Filter ?? RunFilterState.None;
        (_search, _metric, _minimum) = (given.Search, given.Metric, given.Minimum);
    }

    private Task OnSearchChanged(string? text)
    {
        _search = text is { Length: > RunFilterState.MaxSearchLength } ? text[..RunFilterState.MaxSearchLength] : text;
        return RaiseFilterAsync();
    }

    private Task OnMetricChanged(RunMetric metric)
    {
        _metric = metric;
        return RaiseFilterAsync();
    }

    private Task OnMinimumChanged(double? minimum)
    {
        _minimum = minimum is { } value && !double.IsFinite(value) ? null : minimum;
        return RaiseFilterAsync();
    }

    private async Task RaiseFilterAsync()
    {
        var state = new RunFilterState(string.IsNullOrEmpty(_search) ? null : _search, _metric, _minimum);
        if (!FilterChanged.HasDelegate)
            return;
        _raisedFilters.Enqueue(state);
        // A page that never gives filters back must not grow the queue for ever.
        while (_raisedFilters.Count > 64) _raisedFilters.Dequeue();
        await FilterChanged.InvokeAsync(state);
    }

    private async Task OnGridSelectionChanged(HashSet<RunRow> selected)
    {
        _selected = new HashSet<RunRow>(selected, RunRowIdComparer.Instance);
        await OnSelectionChanged.InvokeAsync(_selected.ToArray());
    }

    private bool IsEditing(RunRow row, EditedField field) => _editing == (row.Id, field);

    private void BeginEdit(RunRow row, EditedField field)
    {
        _editing = (row.Id, field);
        _rowsWhileEditing = Rows;
        _draft = (field == EditedField.Tags ? TagText.Format(row.Tags ?? []) : row.Notes) ?? "";
    }

    private void CancelEdit()
    {
        _editing = null;
        _rowsWhileEditing = null;
    }

    private async Task SaveEditAsync()
    {
        if (_editing is not { } editing)
            return;
        CancelEdit();
        var row = Rows.FirstOrDefault(r => r.Id == editing.RunId);
        if (row is null)
            return;
        if (editing.Field == EditedField.Tags)
            await OnTagsChanged.InvokeAsync(new RunTagsEdit(row, TagText.Parse(_draft)));
        else
            await OnNotesChanged.InvokeAsync(new RunNotesEdit(row, _draft.Trim()));
    }

    // On key up: Enter has fired the input's change event by then, so the draft holds every keystroke.
    private async Task OnEditorKeyUp(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
            await SaveEditAsync();
        else if (e.Key == "Escape")
            CancelEdit();
    }

    private static Color StatusColour(RunStatus status) => status switch
    {
        RunStatus.Running => Color.Info,
        RunStatus.Completed => Color.Success,
        RunStatus.Failed => Color.Error,
        RunStatus.Interrupted => Color.Warning,
        RunStatus.Paused or RunStatus.Stopped => Color.Secondary,
        _ => Color.Default,
    };

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_addressQuery is null) return;
        try
        {
            await _addressQuery.InvokeVoidAsync("unbind", _searchBox);
            await _addressQuery.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone, and the box with it.
        }
    }
}
