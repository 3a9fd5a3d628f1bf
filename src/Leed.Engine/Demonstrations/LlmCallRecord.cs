// One transcript entry per attempt of an LLM call, with the tool calls made in it, for storage and for the Demonstrations page.
namespace Leed.Engine.Demonstrations;

/// <summary>One function the model called while answering, as Semantic Kernel ran it.</summary>
/// <param name="Function">The name the endpoint saw, e.g. <c>Roads-CheckRoute</c>.</param>
/// <param name="Arguments">The arguments as a JSON object, as the model wrote them.</param>
/// <param name="Result">What the function returned to the model, or null when no result came back.</param>
public sealed record LlmToolCall(string Function, string Arguments, string? Result);

/// <summary>
/// What one attempt sent and received. Every attempt, failed or not, yields one record through the
/// client's sink, so a transcript shows retries as they happened. A failed HTTP request is an
/// attempt of its own; the requests of tool-call rounds that led to an answer belong to the
/// answer's attempt, and the calls made in them are in <see cref="ToolCalls"/>. Holds the
/// endpoint's host, never its key.
/// </summary>
/// <param name="Id">Unique id of this record.</param>
/// <param name="CallId">Shared by all attempts of one <see cref="LlmChatClient.CompleteAsync"/> call.</param>
/// <param name="Round">Refinement round from the request.</param>
/// <param name="Agents">Agents the request was about.</param>
/// <param name="SystemPrompt">System message sent.</param>
/// <param name="UserPrompt">User message sent.</param>
/// <param name="Response">Assistant text, or null when the attempt failed.</param>
/// <param name="PromptTokens">Prompt tokens reported (0 when failed or not reported).</param>
/// <param name="CompletionTokens">Completion tokens reported (0 when failed or not reported).</param>
/// <param name="LatencyMs">Duration of this attempt in milliseconds (queueing for a slot excluded).</param>
/// <param name="Attempt">1-based number of this attempt within its call.</param>
/// <param name="Outcome">How the attempt ended.</param>
/// <param name="Error">Why it failed, or null.</param>
/// <param name="EndpointHost">Host and port of the endpoint.</param>
/// <param name="Model">Model asked.</param>
/// <param name="UsedResponseFormat">Whether structured output was requested in this attempt.</param>
/// <param name="Timestamp">When the attempt started.</param>
public sealed record LlmCallRecord(
    Guid Id,
    Guid CallId,
    int Round,
    IReadOnlyList<int> Agents,
    string SystemPrompt,
    string UserPrompt,
    string? Response,
    int PromptTokens,
    int CompletionTokens,
    double LatencyMs,
    int Attempt,
    LlmOutcome Outcome,
    string? Error,
    string EndpointHost,
    string Model,
    bool UsedResponseFormat,
    DateTimeOffset Timestamp)
{
    /// <summary>Functions the model called during this attempt, in order; empty when it called none.</summary>
    public IReadOnlyList<LlmToolCall> ToolCalls { get; init; } = [];
}
