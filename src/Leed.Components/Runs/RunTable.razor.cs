// The run table's state: filter inputs, the selection and the one cell being edited; every change is raised to the page.
using Leed.Components.Views;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Leed.Components.Runs;

/// <summary>
/// The runs list: sortable columns, a search box that matches any column, a minimum on one
/// metric, multi-select, tags and notes edited in place, and a delete button. It never changes
/// <see cref="Rows"/> itself: edits and deletions are raised for the page to apply (and confirm).
/// Rows are paged, so a thousand runs render one page at a time.
/// </summary>
public sealed partial class RunTable : ComponentBase
{
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

    /// <summary>Columns the chooser can hide (the name, the status and the selection always show).</summary>
    public static IReadOnlyList<string> OptionalColumns { get; } =
        ["Algorithm", "Map", "Agents", "Demonstrator", "Seed", "Progress", "Best return", "Last return", "Steps", "Wall time", "Tags", "Notes", "Group", "Created"];

    /// <summary>Hidden until chosen: with them all the table would not fit a 1440-pixel screen.</summary>
    public static IReadOnlyList<string> HiddenByDefault { get; } = ["Demonstrator", "Progress", "Last return", "Steps", "Group", "Created"];

    private readonly HashSet<string> _hidden = [.. HiddenByDefault];
    private HashSet<RunRow> _selected = new(RunRowIdComparer.Instance);
    private string? _search;
    private RunMetric _metric = RunMetric.BestReturn;
    private double? _minimum;
    private (string RunId, EditedField Field)? _editing;
    private string _draft = "";
    // The rows as they were when an edit began. The page refreshes its rows while runs train, and a
    // refreshed row is a new item to the grid, which would rebuild the editor and drop what is typed.
    private IReadOnlyList<RunRow>? _rowsWhileEditing;

    private IReadOnlyList<RunRow> ShownRows => _rowsWhileEditing ?? Rows;

    private bool IsHidden(string column) => _hidden.Contains(column);

    private void ToggleColumn(string column)
    {
        if (!_hidden.Remove(column)) _hidden.Add(column);
    }

    private bool IsShown(RunRow row) => RunFilter.Matches(row, _search, _metric, _minimum);

    private void OnSearchChanged(string? text) => _search = text;

    private void OnMetricChanged(RunMetric metric) => _metric = metric;

    private void OnMinimumChanged(double? minimum) => _minimum = minimum;

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
}
