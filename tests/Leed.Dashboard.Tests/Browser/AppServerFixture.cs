// A real dashboard on a free loopback port with a temporary data folder, and headless Chromium to drive it.
using Leed.Dashboard.Tests.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Leed.Dashboard.Tests.Browser;

/// <summary>
/// Starts the app on Kestrel (a real socket, so a browser can reach it) and one Chromium. Extra
/// configuration (e.g. an LLM endpoint) can be given by subclasses through <see cref="Settings"/>.
/// </summary>
public class AppServerFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private RealServer? _server;
    private IPlaywright? _playwright;
    private readonly bool _ownsData;

    public AppServerFixture() : this(Directory.CreateTempSubdirectory("leed-e2e-").FullName, ownsData: true) { }

    /// <summary>A server on an existing data folder, which it leaves in place (a restart is a second server on the same folder).</summary>
    protected AppServerFixture(string dataDirectory, bool ownsData)
    {
        DataDirectory = dataDirectory;
        _ownsData = ownsData;
    }

    public string DataDirectory { get; }
    public string ArtifactsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts");
    public Uri BaseAddress { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;
    public IServiceProvider Services => _server!.Services;

    /// <summary>Configuration given to the app (Leed:DataDirectory is set already).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>
    /// How long a page action or an assertion waits, in milliseconds. Playwright's 5 s is tight on a
    /// 2-core CI machine, and 15 s still timed out under a load average of 30; a passing test never waits it out.
    /// </summary>
    public const int WaitMilliseconds = 30_000;

    public virtual async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(WaitMilliseconds);
        Directory.CreateDirectory(ArtifactsDirectory);
        var settings = new Dictionary<string, string?>
        {
            // Tests share one server: a run another test left running must not queue this test's run.
            ["Leed:Runs:MaxConcurrent"] = "4",
        };
        foreach ((string key, string? value) in Settings) settings[key] = value;
        _server = new RealServer(settings, dataDirectory: DataDirectory);
        BaseAddress = _server.BaseAddress;

        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"The browser tests need Chromium at {ChromiumPath}: run ./test.sh (it installs Debian's package) or apt-get install chromium.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ],
        });
    }

    /// <summary>
    /// Stops every active run named one of <paramref name="names"/>: a test that fails before its own
    /// Stop click must not leave a long run training in the shared server, slowing every later test.
    /// </summary>
    public void StopRunsNamed(params string[] names)
    {
        var registry = Services.GetRequiredService<RunRegistry>();
        foreach (RunRecord run in registry.List().Where(run => run.IsActive && names.Contains(run.Spec.Name)))
        {
            try
            {
                registry.Stop(run.Id);
            }
            catch (Exception finished) when (finished is InvalidOperationException or KeyNotFoundException)
            {
                // It finished between the listing and the stop.
            }
        }
    }

    /// <summary>A fresh page with the fixture's wait (<see cref="WaitMilliseconds"/>) and animations off (stable screenshots).</summary>
    public async Task<IPage> NewPageAsync()
    {
        await CloseOldPagesAsync();
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 1000 },
            AcceptDownloads = true,
            ReducedMotion = ReducedMotion.Reduce,
        });
        context.SetDefaultTimeout(WaitMilliseconds);
        IPage page = await context.NewPageAsync();
        string console = Path.Combine(ArtifactsDirectory, "browser-console.log");
        page.Console += (_, message) => { lock (this) File.AppendAllText(console, $"[{message.Type}] {page.Url}: {message.Text}\n"); };
        await page.AddInitScriptAsync("document.addEventListener('DOMContentLoaded', () => { const s = document.createElement('style'); s.textContent = '*,*::before,*::after{transition:none!important;animation:none!important}'; document.head.appendChild(s); });");
        lock (_open) _open.Enqueue(context);
        return page;
    }

    /// <summary>Pages a test may hold open at once (no test uses more than two); older ones are closed.</summary>
    private const int PagesKeptOpen = 3;

    private readonly Queue<IBrowserContext> _open = new();

    /// <summary>
    /// Closes all but the newest pages before a new one opens. The fixture's tests run one after
    /// another, so an older page belongs to a finished test; left open, each one kept its renderer
    /// and its live circuit (charts refreshing every second) busy, and by the end of the suite
    /// about fifty of them loaded a 2-core machine more than the tests did.
    /// </summary>
    private async Task CloseOldPagesAsync()
    {
        var closing = new List<IBrowserContext>();
        lock (_open)
            while (_open.Count >= PagesKeptOpen) closing.Add(_open.Dequeue());
        foreach (IBrowserContext context in closing)
        {
            try
            {
                await context.CloseAsync();
            }
            catch (PlaywrightException)
            {
                // Already closed by its test, or the browser is going away.
            }
        }
    }

    /// <summary>Navigates and waits until the page's interactive circuit marks it ready.</summary>
    public static async Task GotoReadyAsync(IPage page, string path, string readySelector)
    {
        await page.GotoAsync(path);
        await page.Locator($"{readySelector}[data-ready='true']").WaitForAsync();
    }

    /// <summary>
    /// Opens a MudSelect (its visible combobox) and picks the option with this exact name. An
    /// opening click that lands while the page re-renders, or before its circuit attaches, is lost
    /// and the list never appears; the click is repeated until it does, as a person would.
    /// </summary>
    public static async Task ChooseAsync(ILocator combobox, string option)
    {
        ILocator item = combobox.Page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true });
        for (int attempt = 1; ; attempt++)
        {
            await combobox.ClickAsync();
            try
            {
                await item.WaitForAsync(new LocatorWaitForOptions { Timeout = attempt < 5 ? 5_000 : WaitMilliseconds });
                break;
            }
            catch (TimeoutException) when (attempt < 5)
            {
                await combobox.Page.Keyboard.PressAsync("Escape");
            }
        }
        await item.ClickAsync();
    }

    /// <summary>A file of the repository's samples/maps folder, as copied beside the tests.</summary>
    public static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);

    /// <summary>Stores samples/maps/sample-town.map (with its .scen agents when asked) under <paramref name="name"/>, as `maps import` does.</summary>
    public MapImportResult StoreSampleTown(string name, bool withScenario)
    {
        MapImportResult town = MapImporter.Import(new MapImportRequest(Sample("sample-town.map"))
            { ScenarioPath = withScenario ? Sample("sample-town.scen") : null, Name = name });
        new MapRepository(Services.GetRequiredService<ILeedStore>()).Save(town.Map, town.Scenario, overwrite: true);
        return town;
    }

    /// <summary>A run small enough to finish in seconds (2 environments x 32 steps, one epoch).</summary>
    public static RunSpec TinyRun(string name, string map, int agents, int iterations) => new()
    {
        Name = name, Algorithm = "leed", Map = map, Agents = agents, ScenarioSeed = 2, Iterations = iterations,
        Hyperparameters = new() { ["Envs"] = 2, ["Steps"] = 32, ["Minibatches"] = 2, ["UpdateEpochs"] = 1 },
    };

    /// <summary>Trains these runs to the end in this server and returns their ids; fails with a run's error if one did not complete.</summary>
    public async Task<string[]> TrainAsync(params RunSpec[] specs)
    {
        var registry = Services.GetRequiredService<RunRegistry>();
        string[] ids = [.. specs.Select(spec => registry.Submit(spec).Id)];
        await GridFitBrowserTests.WaitForAsync(() => ids.All(id => !registry.Get(id)!.IsActive));
        foreach (string id in ids) Assert.True(registry.Get(id)!.Status == RunStatus.Completed, registry.Get(id)!.Error);
        return ids;
    }

    /// <summary><see cref="TinyRun"/> with another algorithm (and scenario seed).</summary>
    public static RunSpec TinyRun(string name, string map, int agents, int iterations, string algorithm, int scenarioSeed = 2)
    {
        RunSpec spec = TinyRun(name, map, agents, iterations);
        spec.Algorithm = algorithm;
        spec.ScenarioSeed = scenarioSeed;
        return spec;
    }

    public async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDirectory, name + ".png"), FullPage = true });

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        if (_ownsData)
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<AppServerFixture>
{
    public const string Name = "browser";
}
