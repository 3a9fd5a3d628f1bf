// New study's logic: reads the pasted or uploaded file with the engine's schema (located errors), creates the study and queues its cells.
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Leed.Engine.Studies;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace Leed.Dashboard.Components.Pages;

public sealed partial class NewStudy
{
    /// <summary>What the example button fills in: a study that finishes in about a minute on the small preset.</summary>
    public static readonly string Example = $$"""
        {
          "name": "small",
          "map": "synthetic-small",
          "agents": [4],
          "demonstrations": "planner",
          "corruption": [{"kind": "none", "fraction": 0}, {"kind": "detour", "fraction": 0.5}],
          "configs": [
            {"name": "leed-dynamic", "algo": "{{Algorithm.Leed.Name()}}", "weight": "dynamic"},
            {"name": "{{Algorithm.Ippo.Name()}}", "algo": "{{Algorithm.Ippo.Name()}}"}
          ],
          "seeds": [1, 2],
          "iterations": 4,
          "hyperparameters": {"Envs": 2, "Steps": 64, "Minibatches": 2, "UpdateEpochs": 1, "HiddenSize": 16},
          "reference": "{{Algorithm.Ippo.Name()}}"
        }
        """;

    /// <summary>A study file larger than this is refused before it is read.</summary>
    public const long MaxUpload = 1 << 20;

    [Inject] private StudyRunner Runner { get; set; } = default!;
    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private string _text = "";
    private string _source = "New study page";
    private IReadOnlyList<string> _errors = [];
    private StudyPlan? _plan;
    private string? _startError;
    private bool _ready, _starting;

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
    }

    private void OnTextChanged(string? text)
    {
        _text = text ?? "";
        Check();
    }

    private void UseExample()
    {
        _text = Example;
        _source = "New study page";
        Check();
    }

    private async Task UploadAsync(InputFileChangeEventArgs upload)
    {
        if (upload.File.Size > MaxUpload)
        {
            (_errors, _plan) = ([$"{upload.File.Name}: {upload.File.Size:N0} bytes is more than a study file needs (at most {MaxUpload:N0})."], null);
            return;
        }
        using var reader = new StreamReader(upload.File.OpenReadStream(MaxUpload));
        _text = await reader.ReadToEndAsync();
        _source = upload.File.Name;
        Check();
    }

    private void Check()
    {
        _startError = null;
        if (string.IsNullOrWhiteSpace(_text))
        {
            (_errors, _plan) = ([], null);
            return;
        }
        try
        {
            _plan = StudyPlanReader.Read(_text, _source == "New study page" ? "study.json" : _source, MapCatalog.For(Store));
            _errors = [];
        }
        catch (StudyPlanException invalid)
        {
            (_errors, _plan) = (invalid.Errors, null);
        }
    }

    private async Task StartAsync()
    {
        if (_plan is null) return;
        _starting = true;
        StudyRecord study = Runner.Create(_plan, _source, _text);
        try
        {
            // Making the demonstrations takes a moment (the LLM far longer): off the circuit's thread.
            await Task.Run(() => Runner.Start(study.Id));
        }
        catch (StudyException failure)
        {
            _startError = $"Study {study.Id} was saved but could not start: {failure.Message} Its page can start it again.";
            _starting = false;
            return;
        }
        Navigation.NavigateTo($"studies/{study.Id}");
    }
}
