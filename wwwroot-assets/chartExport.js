// Saves a Plotly chart of the page as a PNG download, found by its DOM id (Plotly.Blazor loads plotly.js as window.Plotly).

/**
 * Downloads the chart drawn in the element with id `id` as `<filename>.png`, at the size it has on
 * the page. Resolves to false when there is no drawn chart with that id yet.
 */
export async function downloadPng(id, filename) {
    const chart = document.getElementById(id);
    if (!chart || !window.Plotly || !chart.data) {
        return false;
    }
    await window.Plotly.downloadImage(chart, {
        format: 'png',
        filename: filename,
        width: chart.clientWidth || 1200,
        height: chart.clientHeight || 480,
    });
    return true;
}
