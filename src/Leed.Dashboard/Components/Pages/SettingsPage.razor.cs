// The Settings page: LLM endpoint and model, key state, and a connection test.
using Leed.Engine.Demonstrations;
using Leed.Engine.Hosting;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Leed.Dashboard.Components.Pages;

public partial class SettingsPage
{
    [Inject] private LlmSettings Settings { get; set; } = default!;
    [Inject] private IHttpClientFactory Http { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private string? _endpoint, _model, _validation;
    // A key typed for an endpoint other than the saved one: used for one test, never stored or shown again.
    private string? _otherKey;
    private LlmConnectionTest? _test;
    private bool _testing, _ready;

    private string ActiveLabel => DemonstratorFacts.From(Settings.Current).Label;

    protected override void OnInitialized()
    {
        LlmOptions current = Settings.Current;
        (_endpoint, _model) = (current.Endpoint, current.Model);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _ready = true;
        StateHasChanged();
    }

    /// <summary>What the form says, with the configured key only when the endpoint is the saved one (else the key typed for it, or none).</summary>
    private LlmOptions Entered => new() { Endpoint = _endpoint, Model = _model, ApiKey = Settings.Current.KeyFor(_endpoint, _otherKey) };

    /// <summary>True when the form names an endpoint other than the saved one: the configured key is not sent there.</summary>
    private bool OtherEndpoint => !string.IsNullOrWhiteSpace(_endpoint) && !LlmOptions.SameEndpoint(_endpoint, Settings.Current.Endpoint);

    private string SavedHost => Uri.TryCreate(Settings.Current.Endpoint, UriKind.Absolute, out Uri? saved) ? saved.Authority : "none saved";

    private bool Validate()
    {
        _validation = null;
        try
        {
            LlmEndpoint.FromOptions(Entered);
        }
        catch (ArgumentException error)
        {
            _validation = error.Message;
        }
        if (_validation is null && string.IsNullOrWhiteSpace(_endpoint) != string.IsNullOrWhiteSpace(_model))
            _validation = "Give both an endpoint and a model, or neither (the planner is used then).";
        return _validation is null;
    }

    private void Save()
    {
        if (!Validate()) return;
        Settings.Save(_endpoint, _model);
        _otherKey = null;
        Snackbar.Add($"Saved. Demonstrator in use: {ActiveLabel}.", Severity.Success);
    }

    private async Task TestConnection()
    {
        if (!Validate()) return;
        LlmEndpoint? endpoint = LlmEndpoint.FromOptions(Entered);
        if (endpoint is null)
        {
            _validation = "No endpoint to test: enter an endpoint and a model.";
            return;
        }
        _testing = true;
        _test = null;
        StateHasChanged();
        using var client = new LlmChatClient(Http, endpoint with { MaxRetries = 0, Timeout = TimeSpan.FromSeconds(30) });
        _test = await client.TestConnectionAsync();
        _testing = false;
    }
}
