// Static figures as Plotly draws them: one plot as before, or small multiples with a panel per condition, shared axes, one legend entry and one colour per series.
using System.Text.Json;
using Bunit;
using Leed.Components.Figures;
using Leed.Components.Views;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace Leed.Components.Tests.Figures;

public sealed class PlotlyFigureTests : ComponentTestBase
{
    private static FigureTrace Curve(string name, int panel, int series, double level) =>
        new(name, FigureTraceKind.Band, [100, 200, 300], [level, level + 1, level + 2], [level - 1, level, level + 1], [level + 1, level + 2, level + 3])
            { Panel = panel, Series = series };

    /// <summary>Three conditions, two configurations in each, plus a third configuration only in the last.</summary>
    private static FigureView Panels() => new("study-curves", "s: team return", "environment steps", "team return",
        [Curve("leed", 0, 0, 1), Curve("ippo", 0, 1, 2), Curve("leed", 1, 0, 3), Curve("ippo", 1, 1, 4), Curve("leed", 2, 0, 5), Curve("ippo", 2, 1, 6), Curve("bc", 2, 2, 7)])
        { Panels = ["4 agents, none", "4 agents, detour-0.5", "4 agents, drop-0.5"] };

    private static Scatter[] Means(IList<ITrace> traces) => [.. traces.Cast<Scatter>().Where(trace => trace.Fill is null && trace.Line.Width != 0)];

    [Fact]
    public void SmallMultiples_DrawEachPanelOnItsOwnAxes_InAGridOfSharedRanges_WithItsTitleAbove()
    {
        FigureView figure = Panels();

        Scatter[] means = Means(PlotlyFigure.Traces(figure));
        Layout layout = PlotlyFigure.Layout(figure);

        Assert.Equal(["x", "x", "x2", "x2", "x3", "x3", "x3"], means.Select(trace => trace.XAxis));
        Assert.Equal(["y", "y", "y2", "y2", "y3", "y3", "y3"], means.Select(trace => trace.YAxis));
        Assert.Equal(3, layout.XAxis.Count);
        Assert.Equal([null, "x", "x"], layout.XAxis.Select(axis => axis.Matches));
        Assert.Equal([null, "y", "y"], layout.YAxis.Select(axis => axis.Matches));
        Assert.Equal(["y", "y2", "y3"], layout.XAxis.Select(axis => axis.Anchor));
        // Side by side, without overlapping; y labels and title on the left panel only.
        double[][] domains = [.. layout.XAxis.Select(axis => axis.Domain.Select(Convert.ToDouble).ToArray())];
        for (int i = 1; i < domains.Length; i++) Assert.True(domains[i][0] > domains[i - 1][1], $"panel {i} overlaps panel {i - 1}");
        Assert.Equal([true, false, false], layout.YAxis.Select(axis => axis.ShowTickLabels == true));
        Assert.Equal(["4 agents, none", "4 agents, detour-0.5", "4 agents, drop-0.5"], layout.Annotations.Select(title => title.Text));
        Assert.Equal((1500, PlotlyFigure.Size(figure).Height), PlotlyFigure.Size(figure));
    }

    [Fact]
    public void ASeries_KeepsItsColourInEveryPanel_AndHasOneLegendEntry()
    {
        Scatter[] means = Means(PlotlyFigure.Traces(Panels()));

        Assert.Equal(["leed", "ippo", "bc"], means.Where(trace => trace.ShowLegend == true).Select(trace => trace.Name));
        Assert.Single(means.Where(trace => trace.Name == "leed").Select(trace => trace.Line.Color).Distinct());
        Assert.Single(means.Where(trace => trace.Name == "ippo").Select(trace => trace.LegendGroup).Distinct());
        Assert.NotEqual(means.First(trace => trace.Name == "leed").Line.Color, means.First(trace => trace.Name == "ippo").Line.Color);
    }

    [Fact]
    public void SeriesPastThePalette_AreTheFirstColoursAgain_DrawnDotted()
    {
        FigureTrace[] traces = [.. Enumerable.Range(0, 12).Select(i => Curve($"c{i}", 0, i, i))];
        Scatter[] means = Means(PlotlyFigure.Traces(new FigureView("f", "t", "x", "y", traces)));

        Assert.Equal(means[0].Line.Color, means[10].Line.Color);
        Assert.Equal("solid", means[0].Line.Dash);
        Assert.Equal("dot", means[10].Line.Dash);
    }

    [Fact]
    public void AFigureOfOnePlot_IsDrawnAsBefore_AtItsSize_OnTheFirstAxes()
    {
        var figure = new FigureView("f", "t", "steps", "return", [Curve("leed", 0, 0, 1), Curve("ippo", 0, 1, 2)]);

        Layout layout = PlotlyFigure.Layout(figure);

        Assert.Equal((PlotlyFigure.Width, PlotlyFigure.Height), PlotlyFigure.Size(figure));
        Assert.Single(layout.XAxis);
        Assert.Null(layout.Annotations);
        Assert.Equal("steps", layout.XAxis[0].Title.Text);
        Assert.All(Means(PlotlyFigure.Traces(figure)), trace => Assert.Equal(("x", "y", true), (trace.XAxis, trace.YAxis, trace.ShowLegend == true)));
    }

    [Fact]
    public void AReferenceLine_SpansItsOwnPanelsRange()
    {
        var figure = new FigureView("f", "t", "x", "y",
        [
            new FigureTrace("leed", FigureTraceKind.Points, [0, 0.5], [1, 2]) { Panel = 0, Series = 0 },
            new FigureTrace("leed", FigureTraceKind.Points, [0, 0.3], [1, 2]) { Panel = 1, Series = 0 },
            new FigureTrace("ippo", FigureTraceKind.Reference, [0, 1], [5]) { Panel = 0, Series = 1 },
            new FigureTrace("ippo", FigureTraceKind.Reference, [0, 1], [5]) { Panel = 1, Series = 1 },
        ]) { Panels = ["detour", "drop"] };

        Scatter[] references = [.. PlotlyFigure.Traces(figure).Cast<Scatter>().Where(trace => trace.Name == "ippo")];

        Assert.Equal([0.5, 0.3], references.Select(trace => Convert.ToDouble(trace.X[1])));
        Assert.Equal([true, false], references.Select(trace => trace.ShowLegend == true));
    }

    [Fact]
    public void TheJsonPlotlyReads_NamesEveryPanelsAxes_AndTheirTitles()
    {
        using JsonDocument json = JsonDocument.Parse(PlotlyFigure.Json(Panels()));
        JsonElement layout = json.RootElement.GetProperty("layout");

        Assert.Equal("y3", layout.GetProperty("xaxis3").GetProperty("anchor").GetString());
        Assert.Equal("y", layout.GetProperty("yaxis2").GetProperty("matches").GetString());
        Assert.Equal(1500, layout.GetProperty("width").GetInt32());
        Assert.Equal(3, layout.GetProperty("annotations").GetArrayLength());
        Assert.Contains(json.RootElement.GetProperty("data").EnumerateArray(), trace => trace.TryGetProperty("xaxis", out JsonElement axis) && axis.GetString() == "x3");
    }

    [Fact]
    public void TheFigureComponent_IsAsTallAsItsGrid()
    {
        FigureView figure = Panels() with { Panels = ["a", "b", "c", "d", "e"], Traces = [.. Enumerable.Range(0, 5).Select(panel => Curve("leed", panel, 0, panel))] };

        var chart = Ctx.Render<FigureChart>(p => p.Add(c => c.Figure, figure));

        Assert.Equal((2, 3), PlotlyFigure.Grid(figure));
        Assert.Equal("5", chart.Find("[data-figure=study-curves]").GetAttribute("data-panels"));
        Assert.Contains($"height: {PlotlyFigure.Size(figure).Height}px", chart.Find(".leed-figure > div").GetAttribute("style"));
        Assert.True(PlotlyFigure.Size(figure).Height > PlotlyFigure.Height);
        Assert.Equal(5, chart.FindComponent<PlotlyChart>().Instance.Layout.Annotations.Count);
    }

    [Fact]
    public void PanelsOfAnotherScale_HaveTheirOwnYRange_AndTheirOwnTickLabels()
    {
        // Two agent counts of two conditions each: 4 agents on the left pair of the first row, then 8 agents.
        FigureView figure = new("f", "t", "steps", "return", [.. Enumerable.Range(0, 4).Select(panel => Curve("leed", panel, 0, panel * 10))])
            { Panels = ["4 agents, none", "4 agents, drop", "8 agents, none", "8 agents, drop"], PanelScales = [4, 4, 8, 8] };

        Layout layout = PlotlyFigure.Layout(figure);

        Assert.Equal([null, "y", null, "y3"], layout.YAxis.Select(axis => axis.Matches));
        Assert.Equal([null, "x", "x", "x"], layout.XAxis.Select(axis => axis.Matches));
        Assert.Equal([true, false, true, false], layout.YAxis.Select(axis => axis.ShowTickLabels == true));

        // In one row: the second panel starts another range, so it labels its own ticks.
        Layout row = PlotlyFigure.Layout(figure with { Panels = ["5 agents", "10 agents, none", "10 agents, drop"], PanelScales = [5, 10, 10], Traces = [.. figure.Traces.Take(3)] });
        Assert.Equal([null, null, "y2"], row.YAxis.Select(axis => axis.Matches));
        Assert.Equal([true, true, false], row.YAxis.Select(axis => axis.ShowTickLabels == true));
    }
}
