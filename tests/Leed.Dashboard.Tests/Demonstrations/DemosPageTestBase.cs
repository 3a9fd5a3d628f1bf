// A bUnit context that renders the Demonstrations page over a real (temporary) store holding one planner set.
using Bunit;
using Leed.Components.Grid;
using Leed.Dashboard.Components.Pages;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Leed.Dashboard.Tests.Demonstrations;

/// <summary>
/// xunit 2 disposes test classes synchronously and MudBlazor's services are async-only, so the
/// context is disposed in <see cref="DisposeAsync"/>. The store is a real LiteDB file, so tests
/// check what approval wrote exactly as the trainer would read it.
/// </summary>
public abstract class DemosPageTestBase : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("leed-demos-bunit-").FullName;

    protected DemosPageTestBase()
    {
        Store = LiteDbStore.Open(_data);
        Ctx.Services.AddMudServices();
        Ctx.Services.AddSingleton<ILeedStore>(Store);
        // Resolved at first render, so a test can point Llm at a scripted endpoint in its constructor.
        Ctx.Services.AddSingleton(_ => new LlmSettings(Store, Llm));
        Ctx.Services.AddLlmHttp(); // the pages' LLM calls go through the real pipeline to a scripted endpoint
        Ctx.Services.AddSingleton(provider => new DemonstrationService(Store, provider.GetRequiredService<IHttpClientFactory>(),
            () => provider.GetRequiredService<LlmSettings>().Current));
        Ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        Ctx.JSInterop.SetupModule(CityGrid.ModulePath);
        Base = new DemonstrationStore(Store).SaveNew(Scenario, 5, new PlannerDemonstrator().Generate(Scenario));
    }

    /// <summary>Three agents on the small preset; the planner makes every list valid.</summary>
    protected static Scenario Scenario { get; } = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, seed: 5);

    protected BunitContext Ctx { get; } = new();

    /// <summary>The configured LLM; none unless a test sets one before rendering.</summary>
    protected LlmOptions Llm { get; set; } = new();

    protected ILeedStore Store { get; }

    /// <summary>Version 1, as stored before the test.</summary>
    protected StoredDemonstrationSet Base { get; }

    protected RoadGraph Graph => Scenario.Graph;

    /// <summary>The page for <see cref="Base"/> (or another set, or the list for null), with the popover provider MudBlazor's selects need beside it.</summary>
    protected IRenderedComponent<DemosPage> RenderPage(int? setId = -1)
    {
        Ctx.Render<MudPopoverProvider>();
        return Ctx.Render<DemosPage>(parameters => parameters.Add(page => page.SetId, setId == -1 ? Base.Id : setId));
    }

    protected static IReadOnlySet<int> NeighboursOf(int node) => new HashSet<int>(InstructionValidator.Neighbours(Scenario.Graph, node));

    /// <summary>Clicks the canvas cell of an intersection, as the renderer reports a click.</summary>
    protected static Task ClickIntersection(IRenderedComponent<DemosPage> page, int node)
    {
        IRenderedComponent<CityGrid> grid = page.FindComponent<CityGrid>();
        int cell = Scenario.Graph.IntersectionCells[node];
        return page.InvokeAsync(() => grid.Instance.OnCellClicked(cell % Scenario.Map.Width, cell / Scenario.Map.Width));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        await Ctx.DisposeAsync();
        Store.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
