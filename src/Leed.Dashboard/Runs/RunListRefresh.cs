// Reloads a page at most once a second while runs change: a registry list subscription that marks it dirty, and a timer that reloads on the page's dispatcher.
using Leed.Engine.Runs;

namespace Leed.Dashboard.Runs;

/// <summary>
/// Pages that show many runs (Studies, a study) reload on a timer rather than on every change:
/// runs change status far more often than a person can read. Start it in
/// <c>OnAfterRender(firstRender)</c>; dispose it with the page.
/// </summary>
public sealed class RunListRefresh : IDisposable
{
    private readonly IDisposable _subscription;
    private readonly PeriodicTimer _timer;
    private volatile bool _dirty = true; // what changed before the page subscribed is read at the first tick

    /// <param name="reload">Reads what the page shows and re-renders it; called through <paramref name="dispatch"/>.</param>
    /// <param name="dispatch">The component's <c>InvokeAsync</c>.</param>
    public RunListRefresh(RunRegistry registry, Action reload, Func<Action, Task> dispatch, TimeSpan? interval = null)
    {
        _subscription = registry.SubscribeList(() => _dirty = true);
        _timer = new PeriodicTimer(interval ?? TimeSpan.FromSeconds(1));
        _ = LoopAsync(reload, dispatch);
    }

    private async Task LoopAsync(Action reload, Func<Action, Task> dispatch)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync())
            {
                if (!_dirty) continue;
                _dirty = false;
                await dispatch(reload);
            }
        }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _timer.Dispose();
    }
}
