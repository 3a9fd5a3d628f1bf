// The Studies page's logic: reads the studies and their cells' runs, reloading at most once a second while runs change.
using Leed.Dashboard.Runs;
using Leed.Engine.Runs;
using Leed.Engine.Studies;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Pages;

public sealed partial class Studies : IDisposable
{
    private sealed record Row(StudyRecord Study, string Map, StudyProgress Progress);

    [Inject] private StudyRunner Runner { get; set; } = default!;
    [Inject] private RunRegistry Registry { get; set; } = default!;

    private IReadOnlyList<Row> _rows = [];
    private bool _ready;
    private RunListRefresh? _refresh;

    protected override void OnInitialized()
    {
        Load();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
        _refresh ??= new RunListRefresh(Registry, () => { Load(); StateHasChanged(); }, InvokeAsync);
    }

    private void Load()
    {
        // One read of the runs for every study (a lookup by id each would be a query per cell).
        Dictionary<string, RunRecord> runs = Registry.List().ToDictionary(run => run.Id);
        _rows = [.. Runner.Studies.List().Select(study => new Row(study, MapOf(study),
            StudyProgress.Of(study.Cells.Select(cell => StudyProgress.StateOf(cell.RunId is { } id ? runs.GetValueOrDefault(id) : null)))))];
    }

    private static string MapOf(StudyRecord study)
    {
        try
        {
            return study.Plan().Map;
        }
        catch (StudyPlanException)
        {
            return "?";
        }
    }

    public void Dispose() => _refresh?.Dispose();
}
