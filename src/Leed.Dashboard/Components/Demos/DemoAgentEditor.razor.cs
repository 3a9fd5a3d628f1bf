// The selected agent's editor: text edits go into the draft as typed (validated live); "ask again" runs a focused LLM refinement.
using Leed.Dashboard.Demos;
using Leed.Engine.Demonstrations;
using Leed.Engine.Hosting;
using Microsoft.AspNetCore.Components;

namespace Leed.Dashboard.Components.Demos;

public sealed partial class DemoAgentEditor : IDisposable
{
    [Inject] private LlmSettings Llm { get; set; } = default!;
    [Inject] private DemonstrationService Demonstrations { get; set; } = default!;

    /// <summary>The draft being edited; changed in place, then <see cref="OnChanged"/> is raised.</summary>
    [Parameter, EditorRequired] public DemonstrationDraft Draft { get; set; } = default!;

    [Parameter, EditorRequired] public int Agent { get; set; }

    /// <summary>Raised after the draft changed, so the page redraws routes and rows.</summary>
    [Parameter] public EventCallback OnChanged { get; set; }

    private string? _note, _askError;
    private bool _asking;
    private CancellationTokenSource? _cancellation;

    private AgentDraft Current => Draft.Agents[Agent];

    private bool LlmAvailable => Llm.Current.IsConfigured;

    private int ProblemCount => Current.ParseErrors.Count + Current.Validation.Errors.Count + (Current.Failure is null ? 0 : 1);

    private async Task OnTextChanged(string? text)
    {
        Draft.SetText(Agent, text);
        await OnChanged.InvokeAsync();
    }

    private async Task ClearRoute()
    {
        Draft.ClearRoute(Agent);
        await OnChanged.InvokeAsync();
    }

    private async Task AskAsync()
    {
        if (!LlmAvailable) return;
        LlmDemonstrator demonstrator;
        try
        {
            demonstrator = Demonstrations.CreateLlm(DemonstratorChoice.ConfiguredLlm);
        }
        catch (ArgumentException problem)
        {
            _askError = problem.Message;
            return;
        }

        int agent = Agent;
        AgentDraft current = Current;
        string? note = _note;
        _asking = true;
        _askError = null;
        _cancellation = new CancellationTokenSource();
        CancellationToken token = _cancellation.Token;
        try
        {
            AgentRefinement refinement = await Task.Run(() => demonstrator.RefineAgentAsync(Draft.Scenario, agent, current.Instructions,
                current.Validation.Errors, note, token), token);
            Draft.ApplyRefinement(agent, refinement, note);
            _note = null;
            await OnChanged.InvokeAsync();
        }
        catch (OperationCanceledException)
        {
            _askError = "Cancelled; the agent's list is unchanged.";
        }
        catch (LlmGenerationException failure)
        {
            Draft.RecordCalls(failure.Transcript);
            _askError = $"{failure.Message} The agent's list is unchanged.";
        }
        finally
        {
            _asking = false;
            CancellationTokenSource? used = _cancellation;
            _cancellation = null;
            used?.Dispose();
        }
    }

    private void CancelAsk() => _cancellation?.Cancel();

    public void Dispose() => _cancellation?.Cancel();
}
