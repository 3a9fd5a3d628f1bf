// One question to the LLM and what came back: request, reply, outcome and the connection-test result.
using Microsoft.SemanticKernel;

namespace Leed.Engine.Demonstrations;

/// <summary>A JSON schema for structured output (OpenAI <c>response_format</c> of type <c>json_schema</c>).</summary>
/// <param name="Name">Schema name the endpoint reports back; letters, digits, '_' and '-'.</param>
/// <param name="Schema">The JSON schema document.</param>
/// <param name="Strict">Ask the endpoint to enforce the schema exactly.</param>
public sealed record LlmJsonSchema(string Name, string Schema, bool Strict = true);

/// <summary>One chat completion to ask for.</summary>
/// <param name="SystemPrompt">The system message.</param>
/// <param name="UserPrompt">The user message.</param>
public sealed record LlmRequest(string SystemPrompt, string UserPrompt)
{
    /// <summary>Structured output to request; dropped for this client if the endpoint rejects it.</summary>
    public LlmJsonSchema? ResponseSchema { get; init; }

    /// <summary>Functions the model may call while answering (auto-invoked by Semantic Kernel).</summary>
    public IReadOnlyList<KernelPlugin> Plugins { get; init; } = [];

    /// <summary>Refinement round the call belongs to, for the transcript.</summary>
    public int Round { get; init; }

    /// <summary>Agents the call is about, for the transcript.</summary>
    public IReadOnlyList<int> Agents { get; init; } = [];

    /// <summary>Sampling temperature; null leaves the endpoint's default (some models accept no other).</summary>
    public double? Temperature { get; init; }

    /// <summary>Upper bound on completion tokens; null leaves the endpoint's default.</summary>
    public int? MaxTokens { get; init; }
}

/// <summary>How one attempt (or one call) ended.</summary>
public enum LlmOutcome
{
    /// <summary>An answer arrived.</summary>
    Ok,

    /// <summary>No answer within the per-call timeout.</summary>
    Timeout,

    /// <summary>HTTP 429.</summary>
    RateLimited,

    /// <summary>HTTP 5xx, or a response that is not a chat completion.</summary>
    ServerError,

    /// <summary>Connection refused, reset or dropped.</summary>
    TransportError,

    /// <summary>Any other 4xx: wrong key, unknown model, bad request. Not retried.</summary>
    Refused,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>A successful answer.</summary>
/// <param name="Text">The assistant's message text (may be empty if the model said nothing).</param>
/// <param name="PromptTokens">Prompt tokens as reported by the endpoint, summed over tool-call rounds; 0 if not reported.</param>
/// <param name="CompletionTokens">Completion tokens, summed likewise.</param>
/// <param name="Latency">Wall time of the whole call, retries and backoff included.</param>
/// <param name="Attempts">HTTP attempts made, the successful one included.</param>
/// <param name="Outcome">Always <see cref="LlmOutcome.Ok"/>; failures throw <see cref="LlmException"/>.</param>
/// <param name="UsedResponseFormat">Whether the successful attempt asked for structured output.</param>
public sealed record LlmReply(
    string Text,
    int PromptTokens,
    int CompletionTokens,
    TimeSpan Latency,
    int Attempts,
    LlmOutcome Outcome,
    bool UsedResponseFormat);

/// <summary>Result of <see cref="LlmChatClient.TestConnectionAsync"/>, ready to show on the settings page.</summary>
/// <param name="Ok">True when the endpoint answered.</param>
/// <param name="Latency">Time until the answer or the failure.</param>
/// <param name="Reply">The model's reply when <paramref name="Ok"/>.</param>
/// <param name="Error">What went wrong when not <paramref name="Ok"/>.</param>
public sealed record LlmConnectionTest(bool Ok, TimeSpan Latency, string? Reply, string? Error);
