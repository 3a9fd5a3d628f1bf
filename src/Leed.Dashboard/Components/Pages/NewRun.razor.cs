// The New run page: scenario, algorithm, demonstrations, hyperparameters and seeds, validated before start.
using System.Globalization;
using Leed.Components.Views;
using Leed.Dashboard.Runs;
using Leed.Dashboard.Views;
using Leed.Engine.Demonstrations;
using Leed.Engine.Hosting;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Pages;

public partial class NewRun
{
    /// <summary>What the form holds (the page's own state; nothing is stored until Start).</summary>
    private sealed class Form
    {
        public string Map { get; set; } = PresetMaps.Small;
        public int Agents { get; set; } = 4;
        public int ScenarioSeed { get; set; } = 1;
        public bool UseMapScenario { get; set; }
        public string Algorithm { get; set; } = Algorithms.Default.Name;
        public string Weight { get; set; } = WeightSchedules.DefaultSpec;
        public string Demonstrator { get; set; } = "planner";
        public int? DemoSetId { get; set; }
        public int Iterations { get; set; } = 50;
        public string Seeds { get; set; } = "1";
        public string? Name { get; set; }
    }

    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private RunRegistry Registry { get; set; } = default!;
    [Inject] private TrainerWorkloadFactory Runs { get; set; } = default!;
    [Inject] private LlmSettings LlmSettings { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "set")] public int? SetFromQuery { get; set; }
    [SupplyParameterFromQuery(Name = "map")] public string? MapFromQuery { get; set; }
    /// <summary>A run whose settings the form starts from ("New run from this one" on its page).</summary>
    [SupplyParameterFromQuery(Name = "from")] public string? FromQuery { get; set; }

    private readonly Form _form = new();
    private IReadOnlyList<CityMap> _maps = [];
    private IReadOnlyList<StoredDemonstrationSet> _sets = [];
    private Dictionary<string, string> _hyperparameters = [];
    private List<string> _problems = [];
    private CityMap? _preview;
    private CityGridView? _previewView;
    private bool _ready, _llmConfigured, _mapHasScenario;
    private int _mapAgents;
    private string _llmLabel = "";
    private RunRecord? _source;
    private string? _sourceProblem;

    private AlgorithmInfo Chosen => Algorithms.Parse(_form.Algorithm).Info();
    private bool NeedsDemonstrations => Chosen.NeedsDemonstrations;
    private bool UsesSet => NeedsDemonstrations && _form.Demonstrator == "set";
    private MapCatalog Catalog => MapCatalog.For(Store);

    /// <summary>The form's steps and time as it stands (unreadable numbers count as none until they are fixed).</summary>
    private RunEstimate Estimate => RunEstimate.For(_form.Iterations, WholeNumber(nameof(Hyperparameters.Envs)), WholeNumber(nameof(Hyperparameters.Steps)),
        (_form.Seeds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length,
        _form.Map, _form.UseMapScenario ? _mapAgents : _form.Agents, _form.Algorithm, Registry.List());

    private int WholeNumber(string hyperparameter) =>
        _hyperparameters.TryGetValue(hyperparameter, out string? text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : 0;

    protected override void OnInitialized()
    {
        _maps = Catalog.List();
        _sets = new DemonstrationStore(Store).List();
        LlmOptions llm = LlmSettings.Current;
        _llmConfigured = llm.IsConfigured;
        _llmLabel = DemonstratorFacts.From(llm).Label;
        var defaults = new Hyperparameters { Envs = 8, Steps = 64 };
        _hyperparameters = HyperparameterValues.ToValues(defaults)
            .Where(pair => pair.Key != nameof(Hyperparameters.Iterations))
            .ToDictionary(pair => pair.Key, pair => double.IsNaN(pair.Value) ? "" : HyperparameterValues.Format(pair.Value));
        if (MapFromQuery is not null && Catalog.Find(MapFromQuery) is not null) _form.Map = MapFromQuery;
        if (SetFromQuery is int set && _sets.FirstOrDefault(candidate => candidate.Id == set) is { } chosen)
        {
            _form.Demonstrator = "set";
            OnSetChanged(chosen.Id);
        }
        OnMapChanged(_form.Map);
        if (FromQuery is not null) CopyFrom(FromQuery);
    }

    /// <summary>Fills every field with the settings of run <paramref name="id"/>; the run itself is untouched.</summary>
    private void CopyFrom(string id)
    {
        _source = Registry.Get(id);
        if (_source is null)
        {
            _sourceProblem = $"No run with id {id} to copy settings from; the form shows the defaults.";
            return;
        }
        RunSpec spec = _source.Spec;
        if (Catalog.Find(spec.Map) is null)
        {
            _sourceProblem = $"Run {id} trained on map '{spec.Map}', which no longer exists; choose a map. Its other settings are copied.";
        }
        else
        {
            OnMapChanged(spec.Map);
            _form.UseMapScenario = _mapHasScenario && spec.Agents <= 0;
        }
        if (spec.Agents > 0) _form.Agents = spec.Agents;
        _form.ScenarioSeed = spec.ScenarioSeed;
        _form.Algorithm = Algorithms.Find(spec.Algorithm)?.Name ?? _form.Algorithm;
        if (!string.IsNullOrEmpty(spec.Weight)) _form.Weight = spec.Weight;
        if (spec.Demonstrator is "planner" or "llm" or "set") _form.Demonstrator = spec.Demonstrator;
        if (spec.Demonstrator == "set" && spec.DemoSetId is int set)
        {
            if (_sets.Any(candidate => candidate.Id == set)) OnSetChanged(set);
            else _sourceProblem = $"Run {id} trained on demonstration set {set}, which no longer exists; choose a set.";
        }
        _form.Iterations = spec.Iterations;
        _form.Seeds = spec.Seed.ToString(CultureInfo.InvariantCulture);
        _form.Name = spec.Name;
        List<string> dropped = [];
        foreach ((string name, double value) in spec.Hyperparameters)
        {
            if (_hyperparameters.ContainsKey(name)) _hyperparameters[name] = double.IsNaN(value) ? "" : HyperparameterValues.Format(value);
            else if (name != nameof(Hyperparameters.Iterations)) dropped.Add(name);
        }
        if (dropped.Count > 0) _sourceProblem = $"Not copied (no longer settings): {string.Join(", ", dropped)}.";
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
    }

    private void OnMapChanged(string name)
    {
        _form.Map = name;
        _preview = Catalog.Find(name);
        _previewView = _preview is null ? null : ViewMapper.ToGridView(_preview);
        var scenario = _preview is null ? null : Catalog.FindScenario(name);
        _mapHasScenario = scenario is not null;
        _mapAgents = scenario?.Agents.Count ?? 0;
        _form.UseMapScenario = _mapHasScenario;
    }

    private void OnSetChanged(int? id)
    {
        _form.DemoSetId = id;
        StoredDemonstrationSet? set = _sets.FirstOrDefault(candidate => candidate.Id == id);
        if (set is null) return;
        OnMapChanged(set.MapName);
        _form.Agents = set.Agents.Count;
        _form.ScenarioSeed = set.ScenarioSeed ?? _form.ScenarioSeed;
    }

    /// <summary>Checks everything a run needs; returns the problems in words, or the spec and seeds.</summary>
    private (RunSpec? Spec, List<int> Seeds) Validate()
    {
        _problems = [];
        var seeds = new List<int>();
        foreach (string part in (_form.Seeds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)) seeds.Add(seed);
            else _problems.Add($"Seeds: '{part}' is not a whole number (write e.g. 1,2,3).");
        }
        if (seeds.Count == 0 && _problems.Count == 0) _problems.Add("Seeds: give at least one seed.");
        if (seeds.Count > 20) _problems.Add("Seeds: at most 20 seeds in one group.");
        if (Catalog.Find(_form.Map) is null) _problems.Add($"Map: '{_form.Map}' does not exist.");
        if (!_form.UseMapScenario && _form.Agents is < 1 or > 500) _problems.Add("Agents: between 1 and 500.");
        if (_form.Iterations < 1) _problems.Add("Iterations: at least 1.");
        if (Chosen.UsesWeightSchedule)
        {
            try { WeightSchedules.Parse(_form.Weight); }
            catch (FormatException error) { _problems.Add(error.Message); } // it starts "Weight schedule '...':"
        }
        if (NeedsDemonstrations && _form.Demonstrator == "llm" && !_llmConfigured) _problems.Add("Demonstrations: no LLM is configured; choose the planner or a stored set.");
        if (UsesSet && _form.DemoSetId is null) _problems.Add("Demonstrations: choose a stored set.");

        var values = new Dictionary<string, double>();
        foreach ((string name, string text) in _hyperparameters)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                if (HyperparameterValues.TypeOf(name) == typeof(double?)) values[name] = double.NaN; // unset
                else _problems.Add($"{name}: needs a value.");
                continue;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) values[name] = value;
            else _problems.Add($"{name}: '{text}' is not a number.");
        }
        if (_problems.Count == 0)
        {
            try { HyperparameterValues.Apply(new Hyperparameters { Iterations = _form.Iterations }, values); }
            catch (Exception error) when (error is ArgumentException or OverflowException) { _problems.Add("Hyperparameters: " + error.Message); }
        }
        if (_problems.Count > 0) return (null, seeds);

        var spec = new RunSpec
        {
            Name = _form.Name?.Trim() ?? "",
            Algorithm = _form.Algorithm,
            Map = _form.Map,
            Agents = _form.UseMapScenario ? 0 : _form.Agents,
            ScenarioSeed = _form.ScenarioSeed,
            ScenarioKind = _form.UseMapScenario ? Engine.Env.ScenarioKind.Map : Engine.Env.ScenarioKind.Generated,
            Demonstrator = NeedsDemonstrations ? _form.Demonstrator : "none",
            DemoSetId = UsesSet ? _form.DemoSetId : null,
            Weight = Chosen.UsesWeightSchedule ? _form.Weight.Trim() : "",
            Iterations = _form.Iterations,
            // Every value (defaults too), so the run records exactly what it trained with.
            Hyperparameters = values,
        };
        // The one run-preparation path's own checks (scenario, stored set, memory), before anything is queued, as `train` makes them.
        try
        {
            Runs.Check(spec);
        }
        catch (Exception error) when (error is ArgumentException or KeyNotFoundException or NoValidAgentException)
        {
            _problems.Add(error.Message);
            return (null, seeds);
        }
        return (spec, seeds);
    }

    private void Start()
    {
        (RunSpec? spec, List<int> seeds) = Validate();
        if (spec is null) return;
        IReadOnlyList<RunRecord> runs = Registry.SubmitGroup(spec, seeds);
        Navigation.NavigateTo($"runs/{runs[0].Id}");
    }
}
