// The Workers page: the cluster's workers as the coordinator sees them, refreshed with each heartbeat.
using Leed.Cluster;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Pages;

public partial class Workers : ComponentBase
{
    [Inject] private IServiceProvider Services { get; set; } = default!;
    [Inject] private ClusterSettings Settings { get; set; } = default!;

    private WorkerDirectory? Directory => Settings.Enabled ? Services.GetService<WorkerDirectory>() : null;

    private IReadOnlyList<WorkerView> _workers = [];
    private IReadOnlyList<string> _refusals = [];
    private bool _ready;

    private string Summary => ClusterSummary.Describe(Settings, _workers);

    protected override void OnInitialized()
    {
        Refresh();
        if (Directory is { } directory) directory.Changed += OnChanged;
    }

    private void Refresh()
    {
        if (Directory is not { } directory) return;
        _workers = directory.Workers;
        _refusals = directory.Refusals;
    }

    // The directory raises this after each heartbeat (about once a second): a data-only refresh.
    private void OnChanged() => _ = InvokeAsync(() =>
    {
        Refresh();
        StateHasChanged();
    });

    private static string Ago(DateTime at)
    {
        double seconds = Math.Max(0, (DateTime.UtcNow - at).TotalSeconds);
        return seconds < 1.5 ? "just now" : $"{seconds:0} s ago";
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
    }

    public void Dispose()
    {
        if (Directory is { } directory) directory.Changed -= OnChanged;
    }
}
