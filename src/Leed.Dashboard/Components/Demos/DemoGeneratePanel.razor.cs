// Generation of a new set: scenario from the form, the chosen demonstrator run off the render thread, saved as version 1 with its transcript.
using System.Globalization;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Hosting;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Demos;

public sealed partial class DemoGeneratePanel : IDisposable
{
    /// <summary>A map in the picker and the agents of its own scenario (0 for none).</summary>
    private sealed record MapChoice(string Name, int OwnAgents);

    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private LlmSettings Llm { get; set; } = default!;
    [Inject] private DemonstrationService Demonstrations { get; set; } = default!;

    /// <summary>Raised with the id of the stored version 1 once a set is generated and saved.</summary>
    [Parameter] public EventCallback<int> OnGenerated { get; set; }

    private IReadOnlyList<MapChoice> _maps = [];
    private string _map = PresetMaps.Small;
    private bool _useOwnScenario = true;
    private int _agents = ScenarioResolver.DefaultAgents, _seed = ScenarioResolver.DefaultSeed, _rounds = new LlmDemonstratorOptions().MaxRounds;
    private string _kind = "planner";
    private bool _running;
    private DemonstrationProgress? _progress;
    private CancellationTokenSource? _cancellation;
    private string? _error;

    private bool LlmConfigured => Llm.Current.IsConfigured;

    private string LlmLabel => LlmConfigured ? DemonstratorFacts.From(Llm.Current).Label : "LLM (none configured)";

    private int OwnAgents => _maps.FirstOrDefault(map => map.Name == _map)?.OwnAgents ?? 0;

    private bool UsingOwnScenario => OwnAgents > 0 && _useOwnScenario;

    private double ProgressPercent => _progress is { AgentCount: > 0 } progress ? 100.0 * progress.AgentsDone / progress.AgentCount : 0;

    private string ProgressText => _progress is null
        ? "Starting..."
        : string.Create(CultureInfo.InvariantCulture,
            $"Round {_progress.Round}{(_kind == "llm" ? $" of {_rounds}" : "")}: {_progress.AgentsDone} of {_progress.AgentCount} agents. {_progress.Message}");

    protected override void OnInitialized()
    {
        var catalog = MapCatalog.For(Store);
        _maps = [.. catalog.List().Select(map => new MapChoice(map.Name, catalog.FindScenario(map.Name)?.AgentCount ?? 0))];
        if (_maps.Count > 0 && _maps.All(map => map.Name != _map)) _map = _maps[0].Name;
        if (LlmConfigured) _kind = "llm";
    }

    private void OnMapChanged(string map)
    {
        _map = map;
        _useOwnScenario = true;
    }

    private async Task GenerateAsync()
    {
        _error = null;
        Scenario scenario;
        IDemonstrator demonstrator;
        try
        {
            scenario = ResolveScenario();
            demonstrator = CreateDemonstrator();
        }
        catch (Exception problem) when (problem is ArgumentException or MapNotFoundException)
        {
            _error = problem.Message;
            return;
        }

        _running = true;
        _progress = null;
        _cancellation = new CancellationTokenSource();
        CancellationToken token = _cancellation.Token;
        var progress = new LatestProgress(value => InvokeAsync(() =>
        {
            _progress = value;
            StateHasChanged();
        }));
        StateHasChanged();
        int? storedId = null;
        try
        {
            // Off the render thread: the planner is synchronous and an LLM round can take minutes.
            storedId = await Task.Run(async () =>
            {
                DemonstrationSet set = await demonstrator.GenerateAsync(scenario, progress, token);
                token.ThrowIfCancellationRequested();
                // Kept for review and repair on this page, but labelled so it is never mistaken for usable demonstrations.
                return Demonstrations.Save(scenario, set, keepInvalid: true)!.Stored.Id;
            }, token);
        }
        catch (OperationCanceledException)
        {
            _error = "Generation cancelled; nothing was stored.";
        }
        catch (LlmException failure)
        {
            _error = $"{failure.Message} Nothing was stored. Check the endpoint and model on the Settings page, or use the planner.";
        }
        finally
        {
            _running = false;
            CancellationTokenSource? used = _cancellation;
            _cancellation = null;
            used?.Dispose();
        }
        if (storedId is int id) await OnGenerated.InvokeAsync(id);
    }

    private void Cancel() => _cancellation?.Cancel();

    private Scenario ResolveScenario()
    {
        var catalog = MapCatalog.For(Store);
        CityMap map = catalog.Require(_map);
        return ScenarioResolver.Build(catalog, map, UsingOwnScenario ? ScenarioSource.MapRows(OwnAgents) : ScenarioSource.Generated(_agents, _seed));
    }

    private IDemonstrator CreateDemonstrator() =>
        Demonstrations.Create(_kind == "llm" ? DemonstratorChoice.ConfiguredLlm with { MaxRounds = _rounds } : DemonstratorChoice.Planner);

    public void Dispose()
    {
        // Leaving the page ends the generation: nothing half-made is stored.
        _cancellation?.Cancel();
    }

    /// <summary>Hands each report to the page as it comes; reports arrive from the generation's threads.</summary>
    private sealed class LatestProgress(Func<DemonstrationProgress, Task> show) : IProgress<DemonstrationProgress>
    {
        public void Report(DemonstrationProgress value) => _ = show(value);
    }
}
