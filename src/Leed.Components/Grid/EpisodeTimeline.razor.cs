// The episode timeline component: hands its controls and the grids it drives to episodeTimeline.js, which plays them in the browser.
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Leed.Components.Grid;

/// <summary>
/// One timeline for the <see cref="CityGrid"/>s named in <see cref="GridIds"/>, each showing an episode
/// (<see cref="CityGrid.Episode"/>): they play on one clock, so two runs' episodes replayed side by side
/// stay at the same step. Playing, scrubbing and the counters are the browser's work; the server is told
/// nothing per frame. The wrapper carries <c>data-step</c>, <c>data-steps</c> and <c>data-playing</c>.
/// </summary>
public sealed partial class EpisodeTimeline : ComponentBase, IAsyncDisposable
{
    /// <summary>Where the timeline module is served from.</summary>
    public const string ModulePath = "./_content/Leed.Components/episodeTimeline.js";

    /// <summary>Playback speeds, as multiples of 8 steps per second.</summary>
    public static readonly IReadOnlyList<(double Value, string Label)> Speeds =
        [(0.25, "×¼"), (0.5, "×½"), (1, "×1"), (2, "×2"), (4, "×4"), (8, "×8"), (16, "×16")];

    private const string ButtonStyle = "min-width: 32px; height: 28px; padding: 0 8px; border: 1px solid #9aa5b1; border-radius: 4px; " +
        "background: #fff; color: #263238; font: 600 13px sans-serif; cursor: pointer;";

    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>The wrapper element's id.</summary>
    [Parameter, EditorRequired] public string Id { get; set; } = "";

    /// <summary>The ids of the grids this timeline drives.</summary>
    [Parameter, EditorRequired] public IReadOnlyList<string> GridIds { get; set; } = [];

    /// <summary>One label per grid, for its counters (arrivals and blocked moves up to the step shown); none when null.</summary>
    [Parameter] public IReadOnlyList<string>? Labels { get; set; }

    /// <summary>Starts playing as soon as an episode is there.</summary>
    [Parameter] public bool Autoplay { get; set; } = true;

    /// <summary>Starts again from step 0 at the end (the repeat box, which the user can change).</summary>
    [Parameter] public bool Loop { get; set; } = true;

    private ElementReference _element;
    private IJSObjectReference? _module;
    private string? _initialised;
    private bool _disposed;

    // The script owns the controls' state; only a new set of grids or labels renders again.
    private string Signature => string.Join('\u001f', GridIds) + '\u001e' + string.Join('\u001f', Labels ?? []);

    protected override bool ShouldRender() => Signature != _initialised;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            var module = await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            if (_disposed)
            {
                await module.DisposeAsync();
                return;
            }
            _module = module;
        }
        if (_module is null || Signature == _initialised)
            return;
        _initialised = Signature;
        await _module.InvokeVoidAsync("init", _element, GridIds, new { autoplay = Autoplay, loop = Loop });
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_module is null)
            return;
        try
        {
            await _module.InvokeVoidAsync("dispose", _element);
            await _module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone, and the module with it.
        }
        _module = null;
    }
}
