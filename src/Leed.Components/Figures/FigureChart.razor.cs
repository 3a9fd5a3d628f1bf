// The figure component's logic: rebuilds its traces when a new figure arrives and redraws in place.
using Leed.Components.Views;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;

namespace Leed.Components.Figures;

public sealed partial class FigureChart : ComponentBase
{
    /// <summary>What to draw; a different record redraws the chart.</summary>
    [Parameter, EditorRequired] public FigureView Figure { get; set; } = default!;

    private PlotlyChart? _chart;
    private IList<ITrace> _traces = [];
    private Layout _layout = new();
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false };
    private FigureView? _built;
    private bool _drawn, _redraw;

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Figure, _built)) return;
        _built = Figure;
        // Plotly.Blazor keeps the list it was given: refill it rather than replace it.
        _traces.Clear();
        foreach (ITrace trace in PlotlyFigure.Traces(Figure)) _traces.Add(trace);
        Layout layout = PlotlyFigure.Layout(Figure);
        _layout.Title = layout.Title;
        _layout.XAxis = layout.XAxis;
        _layout.YAxis = layout.YAxis;
        _layout.Annotations = layout.Annotations;
        _layout.Legend = layout.Legend;
        _layout.Margin = layout.Margin;
        _layout.Height = layout.Height;
        _layout.AutoSize = layout.AutoSize;
        _redraw = _drawn;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _drawn = true;
            return;
        }
        if (!_redraw || _chart is null) return;
        _redraw = false;
        try
        {
            await _chart.React();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; nothing to draw on.
        }
    }
}
