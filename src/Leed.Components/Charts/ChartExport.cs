// Saves a drawn Plotly chart as a PNG for a paper or a slide: a fixed size, a title above, the legend beneath the plot.
using Microsoft.JSInterop;

namespace Leed.Components.Charts;

public static class ChartExport
{
    public const string ModulePath = "./_content/Leed.Components/chartExport.js";

    /// <summary>
    /// Downloads the chart with DOM id <paramref name="chartId"/> as <paramref name="fileName"/>, drawn at
    /// <paramref name="width"/> x <paramref name="height"/> CSS pixels times <paramref name="scale"/>.
    /// <paramref name="title"/> is Plotly text (escape what users wrote). A <see cref="JSException"/> means the chart is not drawn yet.
    /// </summary>
    public static async Task DownloadPngAsync(IJSRuntime js, string chartId, string title, string fileName, int width, int height, int scale)
    {
        await using IJSObjectReference module = await js.InvokeAsync<IJSObjectReference>("import", ModulePath);
        await module.InvokeVoidAsync("downloadPng", chartId, title, fileName, width, height, scale);
    }
}
