// Loads the transcripts of a version and its ancestors (plus calls made in the open draft) and copies texts to the clipboard.
using Leed.Engine.Demonstrations;
using Leed.Engine.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace Leed.Dashboard.Components.Demos;

public sealed partial class DemoTranscriptPanel
{
    private sealed record TranscriptGroup(string Title, IReadOnlyList<LlmCallRecord> Calls);

    [Inject] private ILeedStore Store { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    /// <summary>The shown version and its ancestors, version 1 first: a version's calls are the ones that made or changed it.</summary>
    [Parameter, EditorRequired] public IReadOnlyList<StoredDemonstrationSet> Chain { get; set; } = [];

    /// <summary>Calls made while editing, stored only when the draft is approved.</summary>
    [Parameter] public IReadOnlyList<LlmCallRecord> Pending { get; set; } = [];

    private IReadOnlyList<TranscriptGroup> _groups = [];
    private int _loadedFor = -1;
    private IReadOnlyList<TranscriptGroup> _stored = [];

    protected override void OnParametersSet()
    {
        int shown = Chain.Count == 0 ? -1 : Chain[^1].Id;
        if (shown != _loadedFor)
        {
            _loadedFor = shown;
            var transcripts = new LlmTranscriptStore(Store);
            _stored = [.. Chain.Select(version => new TranscriptGroup(
                version.Version == 1 ? $"v1: generation ({version.Label})" : $"v{version.Version}: asked again while editing",
                transcripts.ForSet(version.Id)))];
        }
        _groups = Pending.Count == 0 ? _stored : [.. _stored, new TranscriptGroup("Draft: asked again, not stored until approved", Pending)];
    }

    private static string AgentsText(LlmCallRecord call) =>
        call.Agents.Count <= 6 ? string.Join(", ", call.Agents.Select(agent => $"Agent_{agent}")) : $"{call.Agents.Count} agents";

    private static string ToolCallsText(LlmCallRecord call) =>
        call.ToolCalls.Count == 1 ? "1 tool call" : $"{call.ToolCalls.Count} tool calls";

    // In the order they happened: the prompts, the functions the model called while answering, its answer.
    private static IEnumerable<(string Title, string Text)> Parts(LlmCallRecord call)
    {
        yield return ("System prompt", call.SystemPrompt);
        yield return ("User prompt", call.UserPrompt);
        foreach ((LlmToolCall tool, int index) in call.ToolCalls.Select((tool, index) => (tool, index)))
            yield return ($"Tool call {index + 1}: {tool.Function}", $"arguments: {tool.Arguments}\nresult: {tool.Result ?? "(none came back)"}");
        if (call.Response is not null) yield return ("Response", call.Response);
    }

    private async Task CopyAsync(string title, string text)
    {
        try
        {
            await JS.InvokeVoidAsync("navigator.clipboard.writeText", text);
            Snackbar.Add($"{title} copied.", Severity.Success);
        }
        catch (JSException failure)
        {
            // Browsers refuse clipboard writes outside secure contexts or without permission.
            Snackbar.Add($"Could not copy ({failure.Message.Split('\n')[0]}); select the text instead.", Severity.Warning);
        }
    }
}
