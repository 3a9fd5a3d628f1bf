// The evaluation panel of a run's page: runs the engine's evaluator off the circuit's thread and lists what is stored.
using System.Globalization;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Runs;

public sealed partial class RunEvaluationPanel
{
    private const int MaxEpisodes = Evaluation.MaxEpisodes;

    [Parameter, EditorRequired] public string RunId { get; set; } = "";

    [Inject] private RunEvaluator Evaluator { get; set; } = default!;

    private int _episodes = 10;
    private int? _scenarioSeed;
    private bool _busy;
    private string? _error;
    private IReadOnlyList<RunEvaluation> _evaluations = [];

    protected override void OnParametersSet() => _evaluations = Evaluator.Of(RunId);

    private async Task EvaluateAsync()
    {
        _busy = true;
        _error = null;
        try
        {
            await Evaluator.EvaluateAsync(RunId, _episodes, _scenarioSeed);
        }
        catch (Exception refused) when (refused is ArgumentException or KeyNotFoundException)
        {
            _error = refused.Message;
        }
        finally
        {
            _busy = false;
            _evaluations = Evaluator.Of(RunId);
        }
    }

    private static string ScenarioLabel(RunEvaluation evaluation) =>
        evaluation.TrainingScenario ? "training scenario" : $"seed {evaluation.ScenarioSeed} (generalisation)";

    private static string Stat(EvaluationStat stat, string format) =>
        $"{stat.Mean.ToString(format, CultureInfo.InvariantCulture)} ± {stat.Std.ToString(format, CultureInfo.InvariantCulture)}";
}
