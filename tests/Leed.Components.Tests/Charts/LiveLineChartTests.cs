// The live chart draws raw and smoothed lines, appends without redrawing, redraws when the lines change, and stops when disposed.
using System.Diagnostics;
using Bunit;
using Leed.Components.Charts;
using Leed.Components.Views;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace Leed.Components.Tests.Charts;

public sealed class LiveLineChartTests : ComponentTestBase
{
    private static readonly ChartSeries Return = new("charts/episodic_return", "Return", [new(0, 2), new(1, 4)]);

    private IRenderedComponent<LiveLineChart> RenderChart(double smoothing = 0.5, IReadOnlyList<ChartSeries>? series = null,
        IReadOnlyList<BandSeries>? bands = null) =>
        Ctx.Render<LiveLineChart>(p => p
            .Add(c => c.Id, "return-chart")
            .Add(c => c.Series, series ?? [Return])
            .Add(c => c.Bands, bands)
            .Add(c => c.Smoothing, smoothing)
            .Add(c => c.YAxisTitle, "return"));

    private IList<ITrace> Traces(IRenderedComponent<LiveLineChart> chart) => chart.FindComponent<PlotlyChart>().Instance.Data;

    private static double[] Ys(ITrace trace) => ((Scatter)trace).Y.Select(Convert.ToDouble).ToArray();

    // Pushes do not re-render the component, so poll rather than wait for a render.
    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        Assert.True(condition(), "the condition did not hold within 10 s");
    }

    private int Calls(string identifier) => Ctx.JSInterop.Invocations[identifier].Count;

    [Fact]
    public void FirstRender_PlotsTheRawLineFaint_AndTheSmoothedLineOnTop_InAnElementWithTheGivenId()
    {
        var chart = RenderChart(smoothing: 0.5);

        var traces = Traces(chart);
        Assert.Equal(2, traces.Count);
        Assert.Equal([2.0, 4.0], Ys(traces[0]));
        Assert.True(((Scatter)traces[0]).Opacity < 1);
        // Drawn at single precision: 7 significant digits.
        Assert.Equal(2.0, Ys(traces[1])[0], 6);
        Assert.Equal(10.0 / 3.0, Ys(traces[1])[1], 6);
        Assert.Equal("return-chart", chart.Find("div.leed-live-chart").Id);
        Assert.Equal(1, Calls("newPlot"));
    }

    [Fact]
    public void WithoutSmoothing_EachSeriesIsOneFullLine()
    {
        var chart = RenderChart(smoothing: 0);

        var trace = (Scatter)Assert.Single(Traces(chart));
        Assert.Equal(1m, trace.Opacity);
        Assert.Equal("Return", trace.Name);
    }

    [Fact]
    public async Task Append_ExtendsTheRawAndSmoothedTraces_WithoutARedraw()
    {
        var chart = RenderChart(smoothing: 0.5);

        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(Return.Key, [new SeriesPoint(2, 8)])]));

        Assert.Equal(1, Calls("extendTraces"));
        Assert.Equal(0, Calls("react"));
        var extend = Ctx.JSInterop.Invocations["extendTraces"].Single().Arguments;
        Assert.Equal("return-chart", extend[0]);
        Assert.Equal([0, 1], (int[])extend[3]!);
        var ys = ((IEnumerable<IEnumerable<object>>)extend[2]!).Select(y => y.Select(Convert.ToDouble).Single()).ToArray();
        Assert.Equal(8.0, ys[0]);
        Assert.Equal(6.0, ys[1], 12);            // the moving average continues: 2, 10/3, 6
        Assert.Equal([2.0, 4.0, 8.0], Ys(Traces(chart)[0]));   // appended once, not twice
    }

    [Fact]
    public async Task ALineOfOnePoint_IsAMarker_AndALineOnceItHasTwo()
    {
        // A line of one point draws nothing in Plotly: after a run's first iteration the charts looked empty.
        var chart = RenderChart(smoothing: 0, series: [Return with { Points = [new(0, 2)] }]);
        Assert.Equal(ModeFlag.Markers, ((Scatter)Traces(chart)[0]).Mode);

        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(Return.Key, [new SeriesPoint(1, 4)])]));

        Assert.Equal(ModeFlag.Lines, ((Scatter)Traces(chart)[0]).Mode);
        Assert.Equal([2.0, 4.0], Ys(Traces(chart)[0]));
        Assert.Equal(1, Calls("react"));       // drawn again as a line, not extended as markers
    }

    [Fact]
    public async Task ChangingTheSmoothing_RedrawsOnce_FromEveryPointSoFar()
    {
        var chart = RenderChart(smoothing: 0.5);
        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(Return.Key, [new SeriesPoint(2, 8)])]));

        chart.Render(p => p.Add(c => c.Smoothing, 0.9));

        Assert.Equal(1, Calls("react"));
        var smoothed = Ys(Traces(chart)[1]);
        Assert.Equal(Smoothing.Ema([2.0, 4.0, 8.0], 0.9).Select(y => (double)(float)y), smoothed);
    }

    [Fact]
    public void TheSameSeriesAgain_DoesNotRedraw_ButADifferentSetDoes()
    {
        var chart = RenderChart();

        chart.Render(p => p.Add(c => c.Series, [Return with { Points = [] }]));
        Assert.Equal(0, Calls("react"));

        chart.Render(p => p.Add(c => c.Series, [Return, new ChartSeries("losses/value_loss", "Value loss", [new(0, 1)])]));
        Assert.Equal(1, Calls("react"));
        Assert.Equal(4, Traces(chart).Count);
    }

    [Fact]
    public async Task AppendingToAnUnknownKey_AddsALine_WithOneRedraw()
    {
        var chart = RenderChart(smoothing: 0);

        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta("losses/entropy", [new SeriesPoint(0, 1.5)])]));

        Assert.Equal(1, Calls("react"));
        Assert.Equal(0, Calls("extendTraces"));
        Assert.Equal(2, Traces(chart).Count);
        Assert.Equal([1.5], Ys(Traces(chart)[1]));
    }

    [Fact]
    public async Task PointsThatDoNotContinueALine_ReplaceItFromTheirX_WithOneRedraw_NotAStrayLineBack()
    {
        var chart = RenderChart(smoothing: 0.5, series: [Return with { Points = [new(0, 2), new(1, 4), new(2, 6), new(3, 8)] }]);

        // A run continued from an earlier checkpoint: steps 2 and 3 come again, with other values.
        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(Return.Key, [new SeriesPoint(2, 1), new SeriesPoint(3, 3)])]));

        Assert.Equal(0, Calls("extendTraces"));
        Assert.Equal(1, Calls("react"));
        var raw = (Scatter)Traces(chart)[0];
        Assert.Equal([0.0, 1, 2, 3], raw.X.Select(Convert.ToDouble));
        Assert.Equal([2.0, 4, 1, 3], Ys(raw));
        Assert.Equal(Smoothing.Ema([2.0, 4, 1, 3], 0.5).Select(y => (double)(float)y), Ys(Traces(chart)[1]));

        // A point already drawn arriving again (read when the page opened, then pushed) is drawn once.
        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(Return.Key, [new SeriesPoint(3, 3), new SeriesPoint(4, 5)])]));
        Assert.Equal([0.0, 1, 2, 3, 4], ((Scatter)Traces(chart)[0]).X.Select(Convert.ToDouble));
    }

    [Fact]
    public async Task BurstsForADenseAndASparseLine_WithARepeatedPoint_LeaveBothLinesCompleteAndInOrder()
    {
        ChartSeries dense = new("demo/agreement", "agreement", [new(1, 0.1)]), sparse = new("charts/arrival_rate", "arrival", []);
        var chart = RenderChart(smoothing: 0, series: [dense, sparse]);

        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(dense.Key, [new(2, 0.2), new(3, 0.3)]), new SeriesDelta(sparse.Key, [new(3, 0.5)])]));
        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(dense.Key, [new(3, 0.3), new(4, 0.4), new(5, 0.5)])]));
        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(dense.Key, [new(6, 0.6)]), new SeriesDelta(sparse.Key, [new(6, 0.7)])]));

        Assert.Equal([1.0, 2, 3, 4, 5, 6], ((Scatter)Traces(chart)[0]).X.Select(Convert.ToDouble));
        Assert.Equal([3.0, 6], ((Scatter)Traces(chart)[1]).X.Select(Convert.ToDouble));
    }

    [Fact]
    public void ABand_IsDrawnAsAFilledAreaBetweenLowerAndUpper_UnderItsMeanLine()
    {
        var band = new BandSeries("leed", "LEED (5 seeds)", [0, 1], [1, 2], [0.5, 1.5], [1.5, 2.5]);

        var chart = RenderChart(smoothing: 0, series: [], bands: [band]);

        var traces = Traces(chart).Cast<Scatter>().ToArray();
        Assert.Equal(3, traces.Length);
        Assert.Equal([1.5, 2.5], Ys(traces[0]));
        Assert.Equal([0.5, 1.5], Ys(traces[1]));
        Assert.Equal(FillEnum.ToNextY, traces[1].Fill);
        Assert.Equal([1.0, 2.0], Ys(traces[2]));
        Assert.Equal("LEED (5 seeds)", traces[2].Name);
    }

    [Fact]
    public async Task AHundredPostsInFiftyMilliseconds_ReachTheChartInAtMostTwoPushes()
    {
        var chart = RenderChart(smoothing: 0);
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 100; i++)
        {
            chart.Instance.Post([new SeriesDelta(Return.Key, [new SeriesPoint(10 + i, i)])]);
            while (clock.Elapsed < TimeSpan.FromMilliseconds(0.5 * (i + 1)))
                Thread.SpinWait(50);
        }

        await Eventually(() => Ys(Traces(chart)[0]).Length == 102);
        Assert.InRange(Calls("extendTraces"), 1, 2);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (double)i), Ys(Traces(chart)[0]).Skip(2));
    }

    [Fact]
    public async Task Disposing_StopsThePushTimer_SoNoPostedPointArrivesAfterwards()
    {
        var chart = RenderChart(smoothing: 0);
        chart.Instance.Post([new SeriesDelta(Return.Key, [new SeriesPoint(2, 1)])]);
        await Eventually(() => Calls("extendTraces") == 1);

        chart.Instance.Post([new SeriesDelta(Return.Key, [new SeriesPoint(3, 1)])]);   // waits for the next interval
        await Ctx.DisposeComponentsAsync();
        await Task.Delay(ThrottledPush.DefaultInterval * 2);

        Assert.Equal(1, Calls("extendTraces"));
    }

    [Fact]
    public async Task ALongSeries_IsDrawnDownsampled_KeepingItsEnds_AndTheSeriesKeepsEveryPoint()
    {
        // 10,000 iterations of a curve with one dip at iteration 6,000.
        var points = Enumerable.Range(0, 10_000).Select(i => new SeriesPoint(i * 128, i == 6_000 ? -100 : Math.Log(1 + i))).ToArray();
        var series = new ChartSeries("long", "long run", points);

        var chart = RenderChart(smoothing: 0.6, series: [series]);

        var traces = Traces(chart);
        Assert.Equal(2, traces.Count);
        foreach (Scatter trace in traces.Cast<Scatter>())
        {
            Assert.Equal(Downsampling.DefaultMaxPoints, trace.X.Count);
            Assert.Equal(0.0, Convert.ToDouble(trace.X[0]));
            Assert.Equal(9_999.0 * 128, Convert.ToDouble(trace.X[^1]));
        }
        Assert.Contains(-100.0, Ys(traces[0])); // the dip survives in the raw line
        Assert.Equal(10_000, series.Points.Count);

        // Appends are drawn as they come, until the line has twice the limit: then it is downsampled again.
        var more = Enumerable.Range(10_000, Downsampling.DefaultMaxPoints + 1).Select(i => new SeriesPoint(i * 128, 5)).ToArray();
        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta("long", more)]));
        Assert.Equal(Downsampling.DefaultMaxPoints, ((Scatter)Traces(chart)[0]).X.Count);
        Assert.Equal((10_000.0 + Downsampling.DefaultMaxPoints) * 128, Convert.ToDouble(((Scatter)Traces(chart)[0]).X[^1]));
    }

    [Fact]
    public void ALongBand_IsDrawnDownsampled_WithItsEdgesAtTheSameX()
    {
        double[] x = [.. Enumerable.Range(0, 5_000).Select(i => (double)i)];
        double[] mean = [.. x.Select(v => Math.Sin(v / 300))];
        var band = new BandSeries("g", "group", x, mean, [.. mean.Select(v => v - 0.1)], [.. mean.Select(v => v + 0.1)]);

        var chart = RenderChart(smoothing: 0, series: [], bands: [band]);

        var traces = Traces(chart).Cast<Scatter>().ToArray();
        Assert.Equal(3, traces.Length);
        Assert.All(traces, trace => Assert.Equal(Downsampling.DefaultMaxPoints, trace.X.Count));
        Assert.Equal(traces[2].X, traces[0].X);
        Assert.Equal(traces[2].X, traces[1].X);
        int at = Array.IndexOf(x, Convert.ToDouble(traces[2].X[700]));
        Assert.Equal(mean[at] + 0.1, Convert.ToDouble(traces[0].Y[700]), 12);
    }

    [Fact]
    public void Names_BandNames_AndAxisTitles_ReachPlotlyEscaped_SoMarkupIsShownAsText()
    {
        const string markup = "<a href=\"https://attacker.example/\">run</a> & <br>";
        const string escaped = "&lt;a href=\"https://attacker.example/\"&gt;run&lt;/a&gt; &amp; &lt;br&gt;";
        var band = new BandSeries("group", markup, [0, 1], [1, 2], [0.5, 1.5], [1.5, 2.5]);

        var chart = Ctx.Render<LiveLineChart>(p => p
            .Add(c => c.Id, "escaped-chart")
            .Add(c => c.Series, [new ChartSeries("run-1", markup, [new(0, 1)])])
            .Add(c => c.Bands, [band])
            .Add(c => c.XAxisTitle, "steps <i>x</i>")
            .Add(c => c.YAxisTitle, markup));

        Assert.All(Traces(chart).Cast<Scatter>(), trace => Assert.StartsWith(escaped, trace.Name, StringComparison.Ordinal));
        Layout layout = chart.FindComponent<PlotlyChart>().Instance.Layout;
        Assert.Equal("steps &lt;i&gt;x&lt;/i&gt;", layout.XAxis[0].Title.Text);
        Assert.Equal(escaped, layout.YAxis[0].Title.Text);
    }

    [Theory]
    [InlineData("plain name", "plain name")]
    [InlineData("a < b > c", "a &lt; b &gt; c")]
    [InlineData("&lt; stays visible", "&amp;lt; stays visible")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void PlotlyTextEscape_LeavesNothingPlotlyWouldReadAsMarkupOrAnEntity(string? text, string expected) =>
        Assert.Equal(expected, PlotlyText.Escape(text));

    [Fact]
    public async Task AChartWithNoPointYet_SaysWhyInItsPlace_AndShowsWithTheFirstAppendedPoint()
    {
        var arrival = new ChartSeries("metrics/arrival_rate", "arrival rate", []);
        var chart = Ctx.Render<LiveLineChart>(p => p.Add(c => c.Id, "traffic").Add(c => c.Series, [arrival]).Add(c => c.Height, 220)
            .Add(c => c.EmptyText, "No episode has finished yet: arrival appears after the first finished episode."));

        Assert.Equal("No episode has finished yet: arrival appears after the first finished episode.", chart.Find("[data-chart-empty=traffic]").TextContent.Trim());
        Assert.NotNull(chart.Find("[data-chart-placeholder=traffic]"));
        // The chart stays in place at its size, ready for its points, but no empty axes are shown.
        Assert.Single(chart.FindComponents<PlotlyChart>());
        Assert.Contains("height: 220px", chart.Find("div.leed-live-chart").GetAttribute("style"));
        Assert.Equal("visibility: hidden;", chart.Find(".leed-chart-plot").GetAttribute("style"));

        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta(arrival.Key, [new SeriesPoint(384, 0.5)])]));

        chart.WaitForAssertion(() => Assert.Empty(chart.FindAll("[data-chart-empty]")));
        Assert.Empty(chart.FindAll("[data-chart-placeholder]"));
        Assert.Null(chart.Find(".leed-chart-plot").GetAttribute("style"));
        Assert.Equal(1, Calls("extendTraces"));
    }

    [Fact]
    public void AChartWithPoints_OrWithoutAnEmptyText_SaysNothing()
    {
        var withPoints = Ctx.Render<LiveLineChart>(p => p.Add(c => c.Id, "a").Add(c => c.Series, [Return]).Add(c => c.EmptyText, "nothing yet"));
        var withoutText = Ctx.Render<LiveLineChart>(p => p.Add(c => c.Id, "b").Add(c => c.Series, [new ChartSeries("k", "k", [])]));

        Assert.Empty(withPoints.FindAll("[data-chart-empty]"));
        Assert.Empty(withoutText.FindAll("[data-chart-empty]"));
    }

    [Fact]
    public async Task AMessageAboutSomeLines_StaysWhileOnlyTheOthersHavePoints()
    {
        var agreement = new ChartSeries("agreement", "agreement", [new(128, 0.4)]);
        var arrival = new ChartSeries("arrival", "arrival rate", []);
        var chart = Ctx.Render<LiveLineChart>(p => p.Add(c => c.Id, "traffic").Add(c => c.Series, [agreement, arrival])
            .Add(c => c.EmptyText, "No episode has finished yet.").Add(c => c.EmptyKeys, ["arrival"]));

        Assert.Single(chart.FindAll("[data-chart-empty=traffic]"));
        // The agreement line is drawn: the message sits above the chart, not in its place.
        Assert.Empty(chart.FindAll("[data-chart-placeholder]"));
        Assert.Null(chart.Find(".leed-chart-plot").GetAttribute("style"));
        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta("agreement", [new SeriesPoint(256, 0.5)])]));
        chart.Render();
        Assert.Single(chart.FindAll("[data-chart-empty=traffic]"));

        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new SeriesDelta("arrival", [new SeriesPoint(384, 0.25)])]));
        chart.WaitForAssertion(() => Assert.Empty(chart.FindAll("[data-chart-empty]")));
    }
}
