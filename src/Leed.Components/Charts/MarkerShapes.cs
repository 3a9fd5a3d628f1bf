// Chart markers (events such as a demonstration switch) as Plotly shapes: one look for every chart that draws them.
using Leed.Components.Views;
using Plotly.Blazor.LayoutLib;

namespace Leed.Components.Charts;

internal static class MarkerShapes
{
    /// <summary>A dashed vertical line across the plot per marker, labelled at its top; null when there are none (Plotly then draws no shapes).</summary>
    public static IList<Shape>? Of(IReadOnlyList<ChartMarker>? markers) =>
        markers is { Count: > 0 } ? [.. markers.Select(Shape)] : null;

    private static Shape Shape(ChartMarker marker) => new()
    {
        Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
        X0 = marker.X,
        X1 = marker.X,
        Y0 = 0,
        Y1 = 1,
        YRef = "paper",
        Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = "#6d4c41", Dash = "dash", Width = 1.5m },
        Label = new Plotly.Blazor.LayoutLib.ShapeLib.Label { Text = PlotlyText.Escape(marker.Label), TextPosition = Plotly.Blazor.LayoutLib.ShapeLib.LabelLib.TextPositionEnum.End, TextAngle = 0 },
    };
}
