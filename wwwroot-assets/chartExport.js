// Saves a drawn Plotly chart as a PNG at a fixed size with a title above and the legend beneath the plot (for papers and slides).

export async function downloadPng(chartId, title, fileName, width, height, scale) {
    const url = await renderPng(chartId, title, width, height, scale);
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
}

/** The PNG as a data URL: the chart's own traces, re-laid out off screen (the page's chart stays as it is). */
export async function renderPng(chartId, title, width, height, scale) {
    const chart = document.getElementById(chartId);
    if (!chart || !chart.data || !window.Plotly) throw new Error(`No drawn chart with id ${chartId}.`);
    const layout = JSON.parse(JSON.stringify(chart.layout || {}));
    layout.width = width;
    layout.height = height;
    layout.autosize = false;
    layout.title = { text: title, x: 0.01, xanchor: 'left', font: { size: 20 } };
    layout.font = Object.assign({}, layout.font, { size: 15 });
    // Beneath the x axis title; Plotly grows the bottom margin to fit as many rows as the names need.
    layout.showlegend = true;
    layout.legend = { orientation: 'h', x: 0, xanchor: 'left', y: -0.16, yanchor: 'top', font: { size: 14 } };
    layout.margin = { l: 80, r: 30, t: 70, b: 60, autoexpand: true };
    layout.paper_bgcolor = '#ffffff';
    layout.plot_bgcolor = '#ffffff';
    return await window.Plotly.toImage({ data: chart.data, layout: layout }, { format: 'png', width: width, height: height, scale: scale });
}
