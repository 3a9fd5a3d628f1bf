// Version history of a set: provenance, rounds, who edited what in which version, and a per-agent line diff.
using System.Globalization;
using Leed.Dashboard.Demos;
using Leed.Engine.Demonstrations;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Demos;

public sealed partial class DemoVersionsPanel
{
    /// <summary>The version shown on the page.</summary>
    [Parameter, EditorRequired] public StoredDemonstrationSet Current { get; set; } = default!;

    /// <summary>Every version of the family, oldest first.</summary>
    [Parameter, EditorRequired] public IReadOnlyList<StoredDemonstrationSet> Versions { get; set; } = [];

    private int _from, _to, _shownFor = -1;
    private IReadOnlyList<(int Agent, LineDiff Diff)> _diff = [];

    protected override void OnParametersSet()
    {
        if (_shownFor == Current.Id) return;
        // By default: what this version changed from the one it was made from (or, for v1, what the next one changed).
        _shownFor = Current.Id;
        StoredDemonstrationSet? parent = Versions.FirstOrDefault(version => version.Id == Current.ParentId);
        StoredDemonstrationSet? child = Versions.FirstOrDefault(version => version.ParentId == Current.Id);
        (_from, _to) = parent is not null ? (parent.Id, Current.Id) : (Current.Id, child?.Id ?? Current.Id);
        ComputeDiff();
    }

    /// <summary>The edits a version added to its parent's (each version carries its whole history).</summary>
    private IEnumerable<DemonstrationEdit> NewEdits(StoredDemonstrationSet version)
    {
        int inherited = Versions.FirstOrDefault(other => other.Id == version.ParentId)?.Edits.Count ?? 0;
        return version.Edits.Skip(inherited);
    }

    private void OnFromChanged(int id)
    {
        _from = id;
        ComputeDiff();
    }

    private void OnToChanged(int id)
    {
        _to = id;
        ComputeDiff();
    }

    private void ComputeDiff()
    {
        StoredDemonstrationSet? from = Versions.FirstOrDefault(version => version.Id == _from);
        StoredDemonstrationSet? to = Versions.FirstOrDefault(version => version.Id == _to);
        if (from is null || to is null)
        {
            _diff = [];
            return;
        }
        _diff = [.. to.Agents
            .Select(agent => (agent.Agent, Diff: LineDiff.Compute(from.Agents.FirstOrDefault(old => old.Agent == agent.Agent)?.Instructions ?? [], agent.Instructions)))
            .Where(entry => entry.Diff.HasChanges)];
    }

    private static string Percent(double share) => share.ToString("P0", CultureInfo.InvariantCulture);

    private static string DiffPrefix(DiffKind kind) => kind switch { DiffKind.Added => "+", DiffKind.Removed => "-", _ => " " };

    private static string DiffClass(DiffKind kind) => kind switch { DiffKind.Added => "demo-diff-added", DiffKind.Removed => "demo-diff-removed", _ => "demo-diff-same" };

    private static string DiffStyle(DiffKind kind) => kind switch
    {
        DiffKind.Added => "background: rgba(46, 125, 50, 0.15)",
        DiffKind.Removed => "background: rgba(211, 47, 47, 0.15)",
        _ => "opacity: 0.7",
    };
}
