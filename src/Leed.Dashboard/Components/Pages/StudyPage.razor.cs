// The Study page's logic: the study's cells with their runs, results and figures, reloaded at most once a second while its runs change.
using Leed.Components.Views;
using Leed.Dashboard.Runs;
using Leed.Dashboard.Studies;
using Leed.Engine.Analysis;
using Leed.Engine.Runs;
using Leed.Engine.Studies;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Leed.Dashboard.Components.Pages;

public sealed partial class StudyPage : IDisposable
{
    [Inject] private StudyRunner Runner { get; set; } = default!;
    [Inject] private RunRegistry Registry { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter] public string Id { get; set; } = "";

    private StudyRecord? _study;
    private StudyPlan? _plan;
    private StudyProgress? _progress;
    private IReadOnlyList<(StoredStudyCell Cell, RunRecord? Run)> _cells = [];
    private StudySummary? _summary;
    private IReadOnlyList<ConfigRanking> _ranking = [];
    private IReadOnlyList<FigureView> _figures = [];
    private int _summarisedAt = -1;
    private bool _ready, _resuming;
    private RunListRefresh? _refresh;

    private bool CanResume => _progress is { } progress && progress.Running + progress.Queued == 0 && !progress.Done;

    private Color StatusColour => _progress?.Status switch
    {
        "completed" => Color.Success,
        "running" => Color.Info,
        "interrupted" or "completed with failures" => Color.Warning,
        _ => Color.Default,
    };

    protected override void OnParametersSet()
    {
        _summarisedAt = -1;
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
        _study = Runner.Studies.Find(Id);
        if (_study is null) return;
        _plan = _study.Plan();
        _cells = Runner.CellRuns(_study);
        _progress = StudyProgress.Of(_cells.Select(pair => StudyProgress.StateOf(pair.Run)));
        // The statistics change only when a run finishes: recompute them then, not on every status change.
        int finished = _progress.Finished;
        if (finished == _summarisedAt && _summary is not null) return;
        _summarisedAt = finished;
        (StudySummary summary, IReadOnlyList<StudyCurve> curves) = Runner.Results(_study);
        _summary = summary;
        _ranking = summary.Ranking;
        _figures = StudyFigures.All(_study, summary, curves);
    }

    private async Task ResumeAsync()
    {
        if (_study is null) return;
        _resuming = true;
        try
        {
            await Task.Run(() => Runner.Resume(_study.Id));
        }
        catch (StudyException failure)
        {
            Snackbar.Add(failure.Message, Severity.Error);
        }
        _resuming = false;
        Load();
    }

    private async Task DownloadPngAsync()
    {
        if (_study is null) return;
        try
        {
            // Plotly.Blazor loads plotly.js as the global Plotly, whose downloadImage saves a drawn chart found by its DOM id.
            foreach (FigureView figure in _figures.Where(figure => !figure.IsEmpty))
            {
                (int width, int height) = Leed.Components.Figures.PlotlyFigure.Size(figure);
                await JS.InvokeAsync<string>("Plotly.downloadImage", figure.Id, new { format = "png", filename = $"{StudyFigures.FileStem(_study)}-{figure.Id}", width, height });
            }
        }
        catch (JSException)
        {
            Snackbar.Add("The figures are not drawn yet: try again in a moment.", Severity.Warning);
        }
    }

    private static Color CellColour(CellState state) => state switch
    {
        CellState.Completed => Color.Success,
        CellState.Running => Color.Info,
        CellState.Failed => Color.Error,
        CellState.Interrupted or CellState.Stopped => Color.Warning,
        _ => Color.Default,
    };

    private static string CellText(CellState state, RunRecord run) => state switch
    {
        CellState.Running => $"{run.Iteration}/{run.Spec.Iterations}",
        CellState.Interrupted when run.StartedAt is null => "queued (restart)",
        _ => state.ToString().ToLowerInvariant(),
    };

    public void Dispose() => _refresh?.Dispose();
}
