// The empty chart's placeholder: which chart it stands for and what it says.
using Microsoft.AspNetCore.Components;

namespace Leed.Components.Charts;

/// <summary>
/// Fills a chart's frame (a positioned element of the chart's size) while the chart has nothing to
/// draw, so the page shows the reason rather than empty axes, and nothing moves when the chart appears.
/// </summary>
public sealed partial class ChartPlaceholder : ComponentBase
{
    /// <summary>The id of the chart it stands for; the message carries it as <c>data-chart-empty</c>.</summary>
    [Parameter, EditorRequired] public string ChartId { get; set; } = "";

    [Parameter, EditorRequired] public string? Text { get; set; }
}
