// The side-by-side replay page: two runs' (or one run's two) episodes of one scenario, played on one timeline, chosen by the link.
using Leed.Components.Views;
using Leed.Dashboard.Replay;
using Leed.Dashboard.Views;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Pages;

public partial class SideBySideReplay
{
    private static readonly IReadOnlyList<string> GridIds = ["replay-left-grid", "replay-right-grid"];

    /// <summary>One side of the page: the run, its kept episodes, the one shown.</summary>
    private sealed class ReplaySideView(string name, string title)
    {
        public string Name { get; } = name;
        public string Title { get; } = title;
        public RunRecord? Run { get; set; }
        public IReadOnlyList<SnapshotEntry> Entries { get; set; } = [];
        public EpisodeSnapshot? Episode { get; set; }
        public EpisodeView? View { get; set; }
        public string? Problem { get; set; }

        public ReplayTarget? Target => Run is null ? null : new ReplayTarget(Run.Id, Episode?.Iteration);

        public string Label => Run is null ? Title : $"{RunName(Run)} @ {Episode?.Iteration}";

        public string Caption => Run is null
            ? "Choose a run."
            : $"{Run.Spec.Algorithm} on {Run.Spec.Map}, {Run.Agents} agents, scenario seed {Run.Spec.ScenarioSeed}, seed {Run.Spec.Seed} · demonstrations: {Run.Demonstrations}"
              + (Episode is null ? "" : $" · episode after iteration {Episode.Iteration} of {Run.Spec.Iterations}");

        public void Clear()
        {
            Run = null;
            Entries = [];
            Episode = null;
            View = null;
            Problem = null;
        }
    }

    private sealed record RunChoice(string Id, string Label);

    [Inject] private RunRegistry Registry { get; set; } = default!;
    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "left")] public string? Left { get; set; }
    [SupplyParameterFromQuery(Name = "right")] public string? Right { get; set; }

    private readonly ReplaySideView _left = new("left", "Left"), _right = new("right", "Right");
    private IReadOnlyList<RunRecord> _runs = [];
    private (string?, string?)? _applied;
    private string? _mismatch;
    private CityGridView? _map;
    private bool _ready;

    private bool CanPlay => _left.View is not null && _right.View is not null && _mismatch is null && _map is not null;

    private IReadOnlyList<string> CounterLabels => [_left.Label, _right.Label];

    private IEnumerable<string> Problems =>
        new[] { _left.Problem, _right.Problem, _mismatch }.OfType<string>();

    protected override void OnParametersSet()
    {
        // The link is the selection: it applies when the page opens and whenever a choice rewrites it.
        if (_applied == (Left, Right)) return;
        _applied = (Left, Right);
        _runs = Registry.List();
        Apply(_left, ReplayTarget.Parse(Left, "left", out string? leftProblem), leftProblem);
        Apply(_right, ReplayTarget.Parse(Right, "right", out string? rightProblem), rightProblem);
        Check();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
    }

    private void Apply(ReplaySideView side, ReplayTarget? target, string? problem)
    {
        side.Clear();
        side.Problem = problem;
        if (target is null) return;
        side.Run = Registry.Get(target.RunId);
        if (side.Run is null)
        {
            side.Problem = $"{side.Title}: no run with id {target.RunId}. It may have been deleted; the Runs page lists every run with its id.";
            return;
        }
        side.Entries = Registry.Snapshots(side.Run.Id);
        if (side.Entries.Count == 0)
        {
            side.Problem = $"{side.Title}: run '{RunName(side.Run)}' has no recorded episode yet.";
            return;
        }
        int iteration = target.Iteration ?? side.Entries[^1].Iteration;
        side.Episode = Registry.Snapshot(side.Run.Id, iteration);
        if (side.Episode is null)
        {
            side.Problem = $"{side.Title}: run '{RunName(side.Run)}' kept no episode after iteration {iteration}. "
                + $"It has episodes after iterations {string.Join(", ", side.Entries.Select(entry => entry.Iteration))}.";
            return;
        }
        side.View = ViewMapper.ToEpisodeView(side.Episode);
    }

    private void Check()
    {
        _mismatch = null;
        _map = null;
        if (_left.Run is null || _right.Run is null || _left.Episode is null || _right.Episode is null) return;
        _mismatch = ReplayScenario.Mismatch(_left.Run, _left.Episode, _right.Run, _right.Episode);
        if (_mismatch is not null) return;
        CityMap? map = MapCatalog.For(Store).Find(_left.Run.Spec.Map);
        if (map is null) _mismatch = $"The map '{_left.Run.Spec.Map}' of these runs is no longer stored: import it again to replay them.";
        else _map = ViewMapper.ToGridView(map);
    }

    /// <summary>Runs to offer on a side: those on the other side's scenario first (marked), then the rest, newest first.</summary>
    private IEnumerable<RunChoice> RunChoices(ReplaySideView side)
    {
        string? scenario = (side == _left ? _right : _left).Run?.ScenarioKey;
        return _runs
            .OrderByDescending(run => scenario is not null && run.ScenarioKey == scenario)
            .Select(run => new RunChoice(run.Id, RunName(run) + (scenario is not null && run.ScenarioKey == scenario ? " (same scenario)" : "")
                + $" · {run.Spec.Algorithm} · {run.Spec.Map}"));
    }

    private void ChooseRun(ReplaySideView side, string? id) =>
        Navigate(side, id is null ? null : new ReplayTarget(id, null));

    private void ChooseIteration(ReplaySideView side, int iteration) =>
        Navigate(side, side.Run is null ? null : new ReplayTarget(side.Run.Id, iteration));

    private void Navigate(ReplaySideView side, ReplayTarget? target)
    {
        ReplayTarget? left = side == _left ? target : _left.Target, right = side == _right ? target : _right.Target;
        Navigation.NavigateTo(ReplayTarget.Link(left, right), replace: true);
    }

    private static string RunName(RunRecord run) => string.IsNullOrWhiteSpace(run.Spec.Name) ? run.Id : run.Spec.Name;
}
