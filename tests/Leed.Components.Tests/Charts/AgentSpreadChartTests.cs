// The per-agent chart draws the mean with its band and a heatmap row per agent, downsamples long runs, and adds agents' lines on demand.
using Bunit;
using Leed.Components.Charts;
using Leed.Components.Views;
using Plotly.Blazor;
using Plotly.Blazor.Interop;
using Plotly.Blazor.Traces;

namespace Leed.Components.Tests.Charts;

public sealed class AgentSpreadChartTests : ComponentTestBase
{
    /// <summary>Iterations 1..n of <paramref name="agents"/> agents whose weight i at iteration t is i / 10 + t / 1000.</summary>
    private static AgentColumn[] Columns(int agents, int iterations, int from = 1) =>
        [.. Enumerable.Range(from, iterations).Select(t =>
        {
            double[] values = [.. Enumerable.Range(0, agents).Select(i => i / 10.0 + t / 1000.0)];
            return new AgentColumn(t, t * 64.0, values, values.Average(), values.Min(), values.Max());
        })];

    private IRenderedComponent<AgentSpreadChart> Render(int agents, AgentColumn[] columns) =>
        Ctx.Render<AgentSpreadChart>(p => p.Add(c => c.Id, "w").Add(c => c.Agents, agents).Add(c => c.Columns, columns)
            .Add(c => c.RedrawInterval, TimeSpan.Zero));

    private static IList<ITrace> Traces(IRenderedComponent<AgentSpreadChart> chart, int which) =>
        chart.FindComponents<PlotlyChart>()[which].Instance.Data;

    [Fact]
    public void ByDefault_DrawsTheBandAndTheMean_AndOneHeatmapRowPerAgent()
    {
        var chart = Render(8, Columns(8, 5));

        var lines = Traces(chart, 0).Cast<Scatter>().ToArray();
        Assert.Equal(["90% quantile", "10% to 90% of agents", "mean over agents"], lines.Select(line => line.Name));
        Assert.Equal(0.7 + 0.005, Convert.ToDouble(lines[0].Y[^1]), 12);
        var heatmap = (HeatMap)Assert.Single(Traces(chart, 1));
        Assert.Equal(8, heatmap.Z.Count);
        Assert.Equal(0.3 + 0.002, Convert.ToDouble(((object[])heatmap.Z[3])[1]), 12);
        Assert.Equal("8", chart.Find("#w").GetAttribute("data-agents"));
    }

    [Fact]
    public void TenThousandIterationsAtOneHundredAgents_AreDrawnDownsampled()
    {
        var chart = Render(100, Columns(100, 10_000));

        Assert.All(Traces(chart, 0).Cast<Scatter>(), line => Assert.Equal(Downsampling.DefaultMaxPoints, line.X.Count));
        var heatmap = (HeatMap)Traces(chart, 1).Single();
        Assert.Equal(AgentSpreadChart.HeatmapColumns, heatmap.X.Count);
        Assert.All(heatmap.Z, row => Assert.Equal(AgentSpreadChart.HeatmapColumns, ((object[])row).Length));
    }

    [Fact]
    public async Task AHeatmapClick_AddsThatAgentsLine_AndASecondClickRemovesIt()
    {
        var chart = Render(20, Columns(20, 6));
        var heatmap = chart.FindComponents<PlotlyChart>()[1].Instance;

        await chart.InvokeAsync(() => heatmap.ClickAction!([new EventDataPoint { X = 3, Y = 7 }]));
        chart.WaitForAssertion(() => Assert.Contains(Traces(chart, 0), trace => ((Scatter)trace).Name == "Agent_7"));
        Assert.Equal("7", chart.Find("#w").GetAttribute("data-shown"));
        var line = Traces(chart, 0).Cast<Scatter>().Single(trace => trace.Name == "Agent_7");
        Assert.Equal(0.7 + 0.006, Convert.ToDouble(line.Y[^1]), 12);

        await chart.InvokeAsync(() => heatmap.ClickAction!([new EventDataPoint { X = 3, Y = 7 }]));
        chart.WaitForAssertion(() => Assert.DoesNotContain(Traces(chart, 0), trace => ((Scatter)trace).Name == "Agent_7"));
    }

    [Fact]
    public async Task Append_AddsColumnsToBothCharts()
    {
        var chart = Render(4, Columns(4, 3));

        await chart.InvokeAsync(() => chart.Instance.Append(Columns(4, 2, from: 4)));

        Assert.Equal(5, ((Scatter)Traces(chart, 0)[2]).X.Count);
        Assert.Equal(5, ((object[])((HeatMap)Traces(chart, 1).Single()).Z[0]).Length);
    }

    [Fact]
    public async Task ColumnsThatDoNotContinueTheChart_ReplaceItFromTheirIteration_SoNoLineIsDrawnBack()
    {
        var chart = Render(4, Columns(4, 5));

        // A run continued from its checkpoint after iteration 2 sends iterations 3 and 4 again.
        await chart.InvokeAsync(() => chart.Instance.Append(Columns(4, 2, from: 3)));

        double[] x = [.. ((Scatter)Traces(chart, 0)[2]).X.Select(Convert.ToDouble)];
        Assert.Equal([64.0, 128, 192, 256], x);
        Assert.Equal(4, ((object[])((HeatMap)Traces(chart, 1).Single()).Z[0]).Length);
    }

    [Fact]
    public void MarkersGivenAfterTheFirstDraw_AreDrawnOnTheLinePlotAtTheirSteps_NotOnTheHeatmap()
    {
        var chart = Render(4, Columns(4, 3));
        Assert.Null(chart.FindComponents<PlotlyChart>()[0].Instance.Layout.Shapes);

        chart.Render(p => p.Add(c => c.Markers, [new ChartMarker(128, "set 1 v2")]));

        var shape = Assert.Single(chart.FindComponents<PlotlyChart>()[0].Instance.Layout.Shapes);
        Assert.Equal((128.0, "dash", "set 1 v2"), (Convert.ToDouble(shape.X0), shape.Line.Dash, shape.Label.Text));
        Assert.Null(chart.FindComponents<PlotlyChart>()[1].Instance.Layout.Shapes);
    }

    [Fact]
    public async Task NoIterationYet_SaysWhyInTheChartsPlace_UntilTheFirstColumnArrives()
    {
        var chart = Ctx.Render<AgentSpreadChart>(p => p.Add(c => c.Id, "w").Add(c => c.Agents, 4).Add(c => c.Columns, Array.Empty<AgentColumn>())
            .Add(c => c.RedrawInterval, TimeSpan.Zero).Add(c => c.EmptyText, "No iteration has finished yet."));
        Assert.Equal("No iteration has finished yet.", chart.Find("[data-chart-empty=w]").TextContent.Trim());
        Assert.NotNull(chart.Find("[data-chart-placeholder=w]"));
        // Both the band chart and the heatmap are hidden behind it.
        var hidden = chart.Find(".leed-chart-plot");
        Assert.Equal("visibility: hidden;", hidden.GetAttribute("style"));
        Assert.NotNull(hidden.QuerySelector("#w-lines"));
        Assert.NotNull(hidden.QuerySelector("#w-heatmap"));

        await chart.InvokeAsync(() => chart.Instance.Append(Columns(4, 1)));

        chart.WaitForAssertion(() => Assert.Empty(chart.FindAll("[data-chart-empty]")));
        Assert.Empty(chart.FindAll("[data-chart-placeholder]"));
        Assert.Null(chart.Find(".leed-chart-plot").GetAttribute("style"));
    }
}
