// The intervention panel of a run's page: a paused run on a stored set resumes on another version of that set.
using Leed.Engine.Demonstrations;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using RunStatus = Leed.Engine.Runs.RunStatus;

namespace Leed.Dashboard.Components.Runs;

public sealed partial class RunInterventionPanel
{
    [Parameter, EditorRequired] public RunRecord Run { get; set; } = default!;

    [Inject] private RunRegistry Registry { get; set; } = default!;
    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private StoredDemonstrationSet? _current;
    private IReadOnlyList<StoredDemonstrationSet> _versions = [];
    private int? _chosen;
    // Who switched, as the run records it: the person at the dashboard says so; the account running it is the default.
    private string _who = Environment.UserName;

    private bool CanSwitch => Run.Status == RunStatus.Paused && Run.Spec.Demonstrator == "set" && Run.Spec.DemoSetId is not null;

    protected override void OnParametersSet()
    {
        if (!CanSwitch) return;
        var demos = new DemonstrationStore(Store);
        _current = demos.Find(Run.Spec.DemoSetId!.Value);
        _versions = _current is null ? [] : [.. demos.List().Where(set => set.Family == _current.Family && set.Id != _current.Id).OrderByDescending(set => set.Version)];
        if (_chosen is null || _versions.All(version => version.Id != _chosen)) _chosen = _versions.FirstOrDefault()?.Id;
    }

    private void SwitchAndResume()
    {
        if (_chosen is not int setId) return;
        try
        {
            Registry.SwitchDemonstrations(Run.Id, setId, _who.Trim());
            Registry.Resume(Run.Id);
        }
        catch (InvalidOperationException refused)
        {
            Snackbar.Add(refused.Message, Severity.Warning);
        }
    }
}
