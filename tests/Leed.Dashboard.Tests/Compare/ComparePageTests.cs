// The Compare page in bUnit: picking runs and groups draws their curves and fills the summary; links and buttons export what is shown.
using Bunit;
using Leed.Components.Charts;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using ComparePage = Leed.Dashboard.Components.Pages.Compare;

namespace Leed.Dashboard.Tests.Compare;

public sealed class ComparePageTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();
    private readonly LiteDbStore _store = LiteDbStore.OpenInMemory();
    private readonly RunRegistry _registry;

    public ComparePageTests()
    {
        var runs = new RunStore(_store);
        CompareRuns.Save(runs, CompareRuns.Make("s1", "leed s1", [1, 2, 4], group: "leed-sweep", seed: 1));
        CompareRuns.Save(runs, CompareRuns.Make("s2", "leed s2", [3, 4, 5], group: "leed-sweep", seed: 2));
        CompareRuns.Save(runs, CompareRuns.Make("s3", "leed s3", [5, 6, 9], group: "leed-sweep", seed: 3));
        CompareRuns.Save(runs, CompareRuns.Make("base", "ippo baseline", [0, 1, 1], algorithm: "ippo", demonstrations: "none"));
        _registry = new RunRegistry(runs, new NoWorkloads());
        _ctx.Services.AddMudServices();
        _ctx.Services.AddSingleton(_registry);
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        // As in the app's circuit; the prerender is tested on its own.
        _ctx.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _registry.Dispose();
        _store.Dispose();
    }

    private sealed class NoWorkloads : IRunWorkloadFactory
    {
        public IRunWorkload Create(RunRecord run) => throw new InvalidOperationException("The Compare page never starts runs.");
    }

    private IRenderedComponent<ComparePage> Open(string query = "")
    {
        _ctx.Services.GetRequiredService<NavigationManager>().NavigateTo("compare" + query);
        return _ctx.Render<ComparePage>();
    }

    [Fact]
    public void Prerendering_ShowsTheLinksSelection_ButLeavesTheRunsMetricsToTheCircuit()
    {
        _ctx.Renderer.SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        IRenderedComponent<ComparePage> page = Open("?runs=s1,s2");

        Assert.Equal("2 runs selected", page.Find("#compare-selected-count").TextContent.Trim());
        Assert.Empty(page.FindComponents<PlotlyChart>().SelectMany(chart => chart.Instance.Data));
        Assert.Empty(page.FindAll("#compare-problem"));
    }

    private static void Pick(IRenderedComponent<ComparePage> page, string key) =>
        page.Find($"[data-pick='{key}'] input[type=checkbox]").Change(true);

    private static IList<ITrace> Traces(IRenderedComponent<ComparePage> page) => page.FindComponent<PlotlyChart>().Instance.Data;

    private static string[] LegendNames(IRenderedComponent<ComparePage> page) =>
        [.. Traces(page).Cast<Scatter>().Where(trace => trace.ShowLegend != false).Select(trace => trace.Name)];

    private static string[] SummaryNames(IRenderedComponent<ComparePage> page) =>
        [.. page.FindAll("#compare-summary tbody td[data-label=Name]").Select(cell => cell.TextContent.Trim())];

    private static string SummaryCell(IRenderedComponent<ComparePage> page, string column) =>
        page.Find($"#compare-summary tbody td[data-label='{column}']").TextContent.Trim();

    [Fact]
    public void WithNothingPicked_ThePageSaysHowToPick_AndListsGroupsWithTheirSeedCount()
    {
        var page = Open();

        Assert.Contains("Pick runs or groups", page.Find("#compare-empty").TextContent);
        string group = page.Find("[data-pick='group:leed-sweep']").TextContent;
        Assert.Contains("leed (dynamic) · grid-6x6 · 20 agents · seeds 1–3", group);
        Assert.Contains("3 runs · group leed-sweep", group);
        Assert.Empty(Traces(page));
    }

    [Fact]
    public void PickingAGroup_DrawsItsMeanWithABand_AndSummarisesItsSeeds()
    {
        var page = Open();

        Pick(page, "group:leed-sweep");

        Assert.Equal("3 runs selected", page.Find("#compare-selected-count").TextContent.Trim());
        Assert.Equal(["leed (dynamic) · grid-6x6 · 20 agents · seeds 1–3 (mean)"], LegendNames(page));
        var band = Traces(page).Cast<Scatter>().ToArray();
        Assert.Equal(3, band.Length); // upper edge, lower edge filled to it, mean on top
        Assert.Equal([3.0, 4.0, 6.0], band[2].Y.Select(Convert.ToDouble));
        Assert.Equal(["leed (dynamic) · grid-6x6 · 20 agents · seeds 1–3"], SummaryNames(page));
        Assert.Equal("1, 2, 3", SummaryCell(page, "Seeds"));
        Assert.Equal("4.33 ± 5.43", SummaryCell(page, "Final return")); // 13/3 ± t(2)·s/√3
        Assert.Equal("planner, no LLM", SummaryCell(page, "Demonstrations"));
    }

    [Fact]
    public void PickingSingleRuns_DrawsALinePerRun_AndARowPerRun_WithItsDemonstrations()
    {
        var page = Open();

        Pick(page, "run:base");
        Pick(page, "run:s1");

        Assert.Equal(["ippo baseline", "leed s1"], LegendNames(page));
        Assert.Equal(["ippo baseline", "leed s1"], SummaryNames(page));
        Assert.Equal(["none", "planner, no LLM"],
            page.FindAll("#compare-summary tbody td[data-label=Demonstrations]").Select(cell => cell.TextContent.Trim()));
    }

    [Fact]
    public void TheLink_PreselectsItsRuns_AndTheCsvLinkExportsThem()
    {
        var page = Open("?runs=s2,base");

        Assert.Equal(["leed s2", "ippo baseline"], SummaryNames(page));
        var csv = page.Find("a#compare-csv");
        Assert.Equal("api/compare.csv?runs=s2%2Cbase&metric=charts%2Fepisodic_return", csv.GetAttribute("href"));
        Assert.True(csv.HasAttribute("download"), "a download link, so the router does not take it as a page");
    }

    [Fact]
    public void TheWallTimeToggle_RedrawsTheSameRunsAgainstSecondsOfTraining()
    {
        var page = Open("?runs=s1");
        Assert.Equal([100.0, 200.0, 300.0], ((Scatter)Traces(page)[0]).X.Select(Convert.ToDouble));
        Assert.Equal("charts/episodic_return", page.Find("#compare-metric").GetAttribute("data-metric"));

        page.FindAll("#compare-axis *").Last(element => element.TextContent.Trim() == "Wall time").Click();

        Assert.Equal([10.0, 20.0, 30.0], ((Scatter)Traces(page)[0]).X.Select(Convert.ToDouble));
    }

    [Fact]
    public void ALinkToAnUnknownRun_SaysSo_AndShowsTheRest()
    {
        var page = Open("?runs=s1,gone");

        Assert.Equal("No run with id gone.", page.Find("#compare-problem").TextContent.Trim());
        Assert.Equal(["leed s1"], SummaryNames(page));
    }

    [Fact]
    public void AThreshold_AddsWhenEachRunReachedIt_OrNotReached()
    {
        var page = Open("?runs=s1,base");

        page.FindComponent<MudBlazor.MudNumericField<double?>>().Find("input").Change("2");

        Assert.Equal(["200", "not reached"],
            page.FindAll("#compare-summary tbody td[data-label='Steps to threshold']").Select(cell => cell.TextContent.Trim()));
    }

    [Fact]
    public void DownloadPng_ExportsTheChartFoundByItsId_AtPublicationSize_WithATitleNamingWhatIsShown()
    {
        var download = _ctx.JSInterop.SetupModule(ChartExport.ModulePath).SetupVoid("downloadPng", _ => true);
        download.SetVoidResult();
        var page = Open("?runs=s1&axis=time&smoothing=0.5");

        page.Find("#compare-png").Click();

        var call = Assert.Single(download.Invocations);
        Assert.Equal(ComparePage.ChartId, call.Arguments[0]);
        Assert.Equal(ComparePage.ChartId, page.Find(".leed-live-chart").Id);
        Assert.Equal("charts/episodic_return over wall time (s), smoothing 0.50", call.Arguments[1]);
        Assert.Equal("leed-compare-episodic_return.png", call.Arguments[2]);
        Assert.Equal([1200, 750, 2], call.Arguments.Skip(3).Select(Convert.ToInt32));
    }

    [Fact]
    public void DownloadPng_BeforeTheChartIsDrawn_SaysToTryAgain()
    {
        _ctx.JSInterop.SetupModule(ChartExport.ModulePath).SetupVoid("downloadPng", _ => true).SetException(new Microsoft.JSInterop.JSException("not a plot"));
        var page = Open("?runs=s1");
        var snackbar = _ctx.Services.GetRequiredService<MudBlazor.ISnackbar>();

        page.Find("#compare-png").Click();

        Assert.Contains(snackbar.ShownSnackbars, shown => shown.Message?.Contains("not drawn yet") == true);
    }

    [Fact]
    public void TheLink_SetsMetricsAxisSmoothingAndSeeds_AndAChangeOnThePageIsWrittenBackToIt()
    {
        var page = Open("?groups=leed-sweep&metric=charts/episodic_return&axis=time&smoothing=0.3&seeds=separate");

        Assert.Equal(["leed s1", "leed s2", "leed s3"], SummaryNames(page)); // seeds=separate: one row per run
        Assert.Equal("wall time (s)", page.FindComponent<PlotlyChart>().Instance.Layout.XAxis[0].Title.Text);

        page.FindComponent<MudBlazor.MudSwitch<bool>>().Find("input").Change(true);

        var navigation = _ctx.Services.GetRequiredService<NavigationManager>();
        Assert.EndsWith("compare?groups=leed-sweep&axis=time&smoothing=0.3&seeds=grouped", navigation.Uri);
        Assert.Equal(["leed (dynamic) · grid-6x6 · 20 agents · seeds 1–3"], SummaryNames(page));
    }

    [Fact]
    public void AMalformedLink_SaysWhichValueAndWhatToWrite_AndDrawsTheRest()
    {
        var page = Open("?runs=s1&axis=sideways&smoothing=2&metric=charts/nope");

        string problem = page.Find("#compare-problem").TextContent;
        Assert.Contains("axis=sideways: write axis=steps (environment steps) or axis=time (wall time).", problem);
        Assert.Contains("smoothing=2: write a number from 0", problem);
        Assert.Contains("metric=charts/nope: the selected runs have no such metric", problem);
        Assert.Equal(["leed s1"], SummaryNames(page));
    }
}
