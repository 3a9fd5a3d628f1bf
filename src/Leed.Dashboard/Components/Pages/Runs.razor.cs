// The Runs page: every run in a sortable, filterable table; tags, notes, delete, compare. The sort and the filters live in the address.
using Leed.Components.Runs;
using Leed.Components.Views;
using Leed.Dashboard.Views;
using Leed.Engine.Runs;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Leed.Dashboard.Components.Pages;

public partial class Runs : IDisposable
{
    [Inject] private RunRegistry Registry { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    /// <summary>The column the table is sorted by (<c>?sort=BestReturn&amp;dir=desc</c>); an unknown name is ignored.</summary>
    [SupplyParameterFromQuery(Name = "sort")] public string? SortColumn { get; set; }

    /// <summary><c>asc</c> or <c>desc</c>.</summary>
    [SupplyParameterFromQuery(Name = "dir")] public string? SortDirectionText { get; set; }

    /// <summary>The query parameter of the search text; the box writes it into the address at every keystroke (<see cref="RunTable.SearchQueryName"/>).</summary>
    private const string SearchQuery = "q";

    /// <summary>The search text (<c>?q=…</c>); longer than the box takes, it is ignored.</summary>
    [SupplyParameterFromQuery(Name = SearchQuery)] public string? SearchText { get; set; }

    /// <summary>The threshold's metric (<c>?metric=LastReturn</c>), a <see cref="RunMetric"/> name; anything else is ignored.</summary>
    [SupplyParameterFromQuery(Name = "metric")] public string? MetricText { get; set; }

    /// <summary>The threshold (<c>?min=50</c>), an invariant-culture number; anything else is ignored. Text, not double: a malformed number must not fail the page.</summary>
    [SupplyParameterFromQuery(Name = "min")] public string? MinimumText { get; set; }

    private IReadOnlyList<RunRow> _rows = [];
    private IReadOnlyCollection<RunRow> _selected = [];
    private RunRow? _pendingDelete;
    private bool _confirmVisible, _ready, _dirty;
    private IDisposable? _subscription;
    private PeriodicTimer? _timer;

    protected override void OnInitialized()
    {
        Load();
        _subscription = Registry.SubscribeList(() => _dirty = true);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
        _ = RefreshLoopAsync();
    }

    /// <summary>Reloads at most once a second: when runs changed, or while some are active (their progress moves).</summary>
    private async Task RefreshLoopAsync()
    {
        _timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await _timer.WaitForNextTickAsync())
            {
                if (!_dirty && !_rows.Any(row => row.Status is Leed.Components.Views.RunStatus.Running or Leed.Components.Views.RunStatus.Queued or Leed.Components.Views.RunStatus.Paused)) continue;
                _dirty = false;
                await InvokeAsync(() =>
                {
                    Load();
                    StateHasChanged();
                });
            }
        }
        catch (ObjectDisposedException) { }
    }

    private void Load() => _rows = [.. Registry.List().Select(ViewMapper.ToRow)];

    private RunSort? Sort => RunSort.Parse(SortColumn, SortDirectionText);

    // Replaces the history entry: re-sorting is not a step worth going back through.
    private void OnSortChanged(RunSort? sort)
    {
        if (sort == Sort) return;
        var query = new Dictionary<string, object?> { ["sort"] = sort?.Column, ["dir"] = sort?.Direction };
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(query), new NavigationOptions { ReplaceHistoryEntry = true });
    }

    private RunFilterState Filter => RunFilterState.Parse(SearchText, MetricText, MinimumText);

    // Replaces the history entry too: each keystroke is not a page to go back to.
    private void OnFilterChanged(RunFilterState filter)
    {
        if (filter == Filter) return;
        var query = new Dictionary<string, object?> { [SearchQuery] = filter.Query, ["metric"] = filter.MetricName, ["min"] = filter.MinimumText };
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(query), new NavigationOptions { ReplaceHistoryEntry = true });
    }

    private void OnSelectionChanged(IReadOnlyCollection<RunRow> selected) => _selected = selected;

    private void CompareSelected() => Navigation.NavigateTo("compare?runs=" + Uri.EscapeDataString(string.Join(',', _selected.Select(row => row.Id))));

    private void OnTagsChanged(RunTagsEdit edit) => Update(edit.Run.Id, run => run.Tags = [.. edit.Tags]);

    private void OnNotesChanged(RunNotesEdit edit) => Update(edit.Run.Id, run => run.Notes = edit.Notes);

    private void Update(string id, Action<RunRecord> change)
    {
        RunRecord? run = Registry.Get(id);
        if (run is null) return;
        change(run);
        Registry.Store.Save(run);
        Load();
    }

    private void AskDelete(RunRow row)
    {
        _pendingDelete = row;
        _confirmVisible = true;
    }

    private void ConfirmDelete()
    {
        _confirmVisible = false;
        if (_pendingDelete is null) return;
        try
        {
            Registry.Delete(_pendingDelete.Id);
            Snackbar.Add($"Deleted {_pendingDelete.Name}.", Severity.Success);
        }
        catch (InvalidOperationException error)
        {
            Snackbar.Add(error.Message, Severity.Warning);
        }
        _pendingDelete = null;
        Load();
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _timer?.Dispose();
    }
}
