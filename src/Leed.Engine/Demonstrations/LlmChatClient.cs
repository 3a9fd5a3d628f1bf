// Talks to any OpenAI-compatible chat endpoint through Semantic Kernel and the LLM resilience pipeline, recording every attempt and tool call.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI.Chat;
using ChatMessageContent = Microsoft.SemanticKernel.ChatMessageContent;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// Chat completions against one <see cref="LlmEndpoint"/>. Each call is retried with exponential
/// backoff and full jitter on timeouts, 429 (honouring Retry-After), 5xx and transport errors, and
/// fails fast on other 4xx. At most <see cref="LlmEndpoint.MaxConcurrency"/> attempts are in flight
/// across all calls of a client. Every attempt is reported to the transcript sink, with the tool
/// calls the model made through it.
/// </summary>
/// <remarks>
/// The retries, timeouts and limit are the resilience pipeline of the <see cref="LlmHttp"/> client,
/// handed to Semantic Kernel; with a custom client the OpenAI SDK's own retries and network
/// timeout are off, so that pipeline is the only policy and tests are deterministic. This class
/// keeps what is ours: the settings of each call, the fallback when an endpoint rejects structured
/// output, and messages that say what went wrong. The sink runs synchronously on the calling
/// thread, possibly from parallel calls.
/// </remarks>
public sealed class LlmChatClient : IDisposable
{
    /// <summary>The user message of <see cref="TestConnectionAsync"/>.</summary>
    public const string ConnectionTestPrompt = "Reply with the word ready.";

    private const int MaxQuotedErrorChars = 300;
    private const int MaxToolTextChars = 16_000;

    private readonly LlmEndpoint _endpoint;
    private readonly Action<LlmCallRecord>? _onCall;
    private readonly HttpClient _http;
    private readonly OpenAIChatCompletionService _chat;
    private readonly ConcurrencyLimiter _slots;
    private readonly CancellationTokenSource _disposal = new();
    private volatile bool _responseFormatRejected;
    private volatile bool _disposed;

    /// <summary>Creates a client; nothing is sent until the first call.</summary>
    /// <param name="http">The factory with the <see cref="LlmHttp"/> client registered (<see cref="LlmHttp.AddLlmHttp"/>, or <see cref="LlmHttp.Shared"/>).</param>
    /// <param name="endpoint">Where to send requests and how patiently.</param>
    /// <param name="onCall">Receives one record per attempt (pass <c>progress.Report</c> for an <see cref="IProgress{T}"/>).</param>
    /// <exception cref="ArgumentException">A setting of <paramref name="endpoint"/> is out of range.</exception>
    public LlmChatClient(IHttpClientFactory http, LlmEndpoint endpoint, Action<LlmCallRecord>? onCall = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.Validate();
        _endpoint = endpoint;
        _onCall = onCall;
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = endpoint.MaxConcurrency,
            QueueLimit = int.MaxValue, // further attempts wait their turn; none is refused
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        // The connector takes a custom endpoint from BaseAddress (the stable constructor), and an
        // empty key becomes a blank credential, which keyless local servers ignore.
        _http = http.CreateClient(LlmHttp.ClientName);
        _http.BaseAddress = endpoint.Endpoint;
        _chat = new OpenAIChatCompletionService(endpoint.Model, endpoint.ApiKey ?? "", organization: null, httpClient: _http);
    }

    /// <summary>Host and port of the endpoint, as shown in messages.</summary>
    public string Host => _endpoint.Host;

    /// <summary>Model asked.</summary>
    public string Model => _endpoint.Model;

    /// <summary>False once the endpoint has rejected <c>response_format</c>; later calls then ask without it.</summary>
    public bool SupportsResponseFormat => !_responseFormatRejected;

    /// <summary>Asks for one chat completion, retrying transient failures.</summary>
    /// <exception cref="LlmException">No answer after the retries, or a failure that retrying cannot fix.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<LlmReply> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(request, _endpoint.MaxRetries, cancellationToken);

    /// <summary>
    /// Sends one tiny request (<see cref="ConnectionTestPrompt"/>) without retries, so the settings
    /// page shows a problem at once.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<LlmConnectionTest> TestConnectionAsync(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var request = new LlmRequest("You are checking that a chat endpoint answers.", ConnectionTestPrompt);
            LlmReply reply = await RunAsync(request, maxRetries: 0, cancellationToken).ConfigureAwait(false);
            return new LlmConnectionTest(true, reply.Latency, reply.Text.Trim(), null);
        }
        catch (LlmException e)
        {
            return new LlmConnectionTest(false, clock.Elapsed, null, e.Message);
        }
    }

    /// <summary>Ends the calls still running (they fail with <see cref="ObjectDisposedException"/>) and releases the client.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _disposal.Cancel();
        _http.Dispose(); // the factory's pooled handler is not disposed with it
        _slots.Dispose();
        _disposal.Dispose();
    }

    private async Task<LlmReply> RunAsync(LlmRequest request, int maxRetries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();

        var callId = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposal.Token);
        bool useFormat = request.ResponseSchema is not null && !_responseFormatRejected;
        var conversation = new Conversation();
        LlmCall? call = null;
        call = new LlmCall(_endpoint, maxRetries, _slots, cancellation.Token, attempt =>
            _onCall?.Invoke(FailureRecord(callId, call!.Failures, request, attempt, useFormat, conversation.ToolCallsSinceLastAsked())));

        for (bool droppedResponseFormat = false; ; droppedResponseFormat = true)
        {
            try
            {
                Answer answer = await AskAsync(request, conversation, useFormat, call, cancellation.Token).ConfigureAwait(false);
                int attempt = call.Failures + 1;
                DateTimeOffset started = call.FirstSinceFailure?.Started ?? DateTimeOffset.UtcNow;
                _onCall?.Invoke(new LlmCallRecord(Guid.NewGuid(), callId, request.Round, [.. request.Agents], request.SystemPrompt, request.UserPrompt,
                    answer.Text, answer.PromptTokens, answer.CompletionTokens, (DateTimeOffset.UtcNow - started).TotalMilliseconds, attempt,
                    LlmOutcome.Ok, null, Host, Model, useFormat, started) { ToolCalls = conversation.ToolCallsSinceLastAsked() });
                return new LlmReply(answer.Text, answer.PromptTokens, answer.CompletionTokens, clock.Elapsed, attempt, LlmOutcome.Ok, useFormat);
            }
            catch (Exception) when (_disposed)
            {
                throw new ObjectDisposedException(nameof(LlmChatClient), "The LLM client was disposed during the call.");
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The LLM call was cancelled.", e, cancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Failure failure;
                int attempts = call.Failures;
                if (call.Last is { Failed: true } last)
                {
                    failure = Classify(last, useFormat);
                }
                else
                {
                    // Semantic Kernel failed after an answer arrived: a body it could not read as a completion.
                    failure = new Failure(LlmOutcome.ServerError,
                        Redact($"{Host} sent a response that is not a chat completion ({e.GetType().Name}: {Truncate(e.Message)})"), null);
                    _onCall?.Invoke(Record(callId, ++attempts, request, failure, useFormat, DateTimeOffset.UtcNow, clock.Elapsed, conversation.ToolCallsSinceLastAsked()));
                }

                if (failure.ResponseFormatRejected && useFormat && !droppedResponseFormat)
                {
                    // Many local servers do not implement structured output; the prompt still asks for
                    // JSON and the parser copes with whatever comes back. Does not use up a retry.
                    _responseFormatRejected = true;
                    useFormat = false;
                    continue;
                }
                // No inner exception: Semantic Kernel's messages quote response bodies, which may echo the key.
                throw new LlmException(FinalMessage(failure, attempts), failure.Outcome, Host, attempts, failure.StatusCode);
            }
        }
    }

    /// <summary>
    /// Full-jitter backoff: a uniform draw in [0, min(max, base * 2^retry)], so that many clients
    /// hit by the same outage do not come back in lockstep.
    /// </summary>
    /// <param name="retry">0 for the first retry.</param>
    /// <param name="unit">A uniform draw in [0, 1).</param>
    internal static TimeSpan BackoffDelay(int retry, TimeSpan baseDelay, TimeSpan maxDelay, double unit)
    {
        double ceiling = Math.Min(maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, Math.Min(retry, 30)));
        return TimeSpan.FromTicks((long)(Math.Clamp(unit, 0, 1) * ceiling));
    }

    /// <summary>One answer through Semantic Kernel; the pipeline under it retries, times and records each HTTP attempt.</summary>
    private async Task<Answer> AskAsync(LlmRequest request, Conversation conversation, bool useFormat, LlmCall call, CancellationToken cancellationToken)
    {
        ChatHistory history = conversation.Start(request);
        int sent = history.Count;
        Kernel? kernel = request.Plugins.Count > 0 ? new Kernel(plugins: new KernelPluginCollection(request.Plugins)) : null;

        using LlmCall.Scope scope = call.Enter();
        ChatMessageContent answer = await _chat.GetChatMessageContentAsync(
            history, Settings(request, useFormat, kernel is not null), kernel, cancellationToken).ConfigureAwait(false);

        // Tool-call rounds leave their assistant messages in the history; each carries its own usage.
        int prompt = 0, completion = 0;
        foreach (ChatMessageContent message in history.Skip(sent).Append(answer))
        {
            if (message.Metadata?.TryGetValue("Usage", out object? value) == true && value is ChatTokenUsage usage)
            {
                prompt += usage.InputTokenCount;
                completion += usage.OutputTokenCount;
            }
        }
        return new Answer(answer.Content ?? "", prompt, completion);
    }

    private static OpenAIPromptExecutionSettings Settings(LlmRequest request, bool useFormat, bool withTools)
    {
        var settings = new OpenAIPromptExecutionSettings
        {
            Temperature = request.Temperature,
            MaxTokens = request.MaxTokens,
        };
        if (useFormat && request.ResponseSchema is { } schema)
        {
            settings.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(
                schema.Name, BinaryData.FromString(schema.Schema), jsonSchemaIsStrict: schema.Strict);
        }
        if (withTools) settings.FunctionChoiceBehavior = FunctionChoiceBehavior.Auto();
        return settings;
    }

    /// <summary>What a failed attempt means for the user: its outcome and a sentence that says what to do.</summary>
    private Failure Classify(HttpAttempt attempt, bool useFormat)
    {
        switch (attempt.End)
        {
            case AttemptEnd.Cancelled:
                return new Failure(LlmOutcome.Cancelled, "cancelled by the caller", null);
            case AttemptEnd.TimedOut:
                return new Failure(LlmOutcome.Timeout, $"no answer from {Host} within {Duration(_endpoint.Timeout)}", null);
            case AttemptEnd.Transport:
                return new Failure(LlmOutcome.TransportError,
                    Redact($"could not reach {Host}: {LlmAttemptHandler.DescribeTransportError(attempt.Error!)}"), null);
            case AttemptEnd.NotAChatCompletion:
                return new Failure(LlmOutcome.ServerError, Redact($"{Host} sent a response that is not a chat completion ({Truncate(attempt.Error!.Message)})"), null);
        }

        int status = attempt.StatusCode!.Value;
        string statusText = LlmAttemptHandler.StatusText(status, attempt.ReasonPhrase);
        string detail = Redact(ErrorDetail(attempt.ErrorBody));
        string said = detail.Length > 0 ? ": " + detail : "";
        if (status == 429)
        {
            return new Failure(LlmOutcome.RateLimited, attempt.RetryAfter is TimeSpan asked && asked > _endpoint.MaxDelay
                ? $"{Host} is rate limiting requests and asked to wait {Duration(asked)}, longer than the {Duration(_endpoint.MaxDelay)} this client waits; try again later"
                : $"{Host} is rate limiting requests ({statusText}){said}", status);
        }
        if (status >= 500) return new Failure(LlmOutcome.ServerError, $"{Host} failed with {statusText}{said}", status);
        if (status == 400 && useFormat && (attempt.ErrorBody ?? "").Contains("response_format", StringComparison.OrdinalIgnoreCase))
        {
            return new Failure(LlmOutcome.Refused,
                $"{Host} does not accept response_format (structured output), {statusText}{said}; asking again without it", status)
            {
                ResponseFormatRejected = true,
            };
        }
        return new Failure(LlmOutcome.Refused, status switch
        {
            401 => $"the endpoint refused the API key ({statusText} from {Host}); check Leed:Llm:ApiKey",
            403 => $"{Host} refused access ({statusText}){said}; the key may lack access to model '{Model}'",
            404 => $"{Host} answered {statusText}{said}; check the endpoint URL (it usually ends in /v1) and the model name '{Model}'",
            _ => $"{Host} rejected the request ({statusText}){said}",
        }, status);
    }

    private static string FinalMessage(Failure last, int attempts) =>
        attempts == 1 ? last.Error : string.Create(CultureInfo.InvariantCulture, $"{last.Error} (gave up after {attempts} attempts)");

    private LlmCallRecord FailureRecord(Guid callId, int attempt, LlmRequest request, HttpAttempt failed, bool useFormat, IReadOnlyList<LlmToolCall> tools) =>
        Record(callId, attempt, request, Classify(failed, useFormat), useFormat, failed.Started, failed.Duration, tools);

    private LlmCallRecord Record(Guid callId, int attempt, LlmRequest request, Failure failure, bool useFormat, DateTimeOffset started, TimeSpan latency,
        IReadOnlyList<LlmToolCall> tools) =>
        new(Guid.NewGuid(), callId, request.Round, [.. request.Agents], request.SystemPrompt, request.UserPrompt, null, 0, 0,
            latency.TotalMilliseconds, attempt, failure.Outcome, failure.Error, Host, Model, useFormat, started) { ToolCalls = tools };

    // Servers put the useful sentence in error.message (OpenAI, vLLM), error (Ollama) or message.
    private static string ErrorDetail(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return "";
        try
        {
            using var document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out JsonElement error))
                {
                    if (error.ValueKind == JsonValueKind.String) return Truncate(error.GetString()!);
                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out JsonElement message)
                        && message.ValueKind == JsonValueKind.String)
                        return Truncate(message.GetString()!);
                }
                if (root.TryGetProperty("message", out JsonElement plain) && plain.ValueKind == JsonValueKind.String)
                    return Truncate(plain.GetString()!);
            }
        }
        catch (JsonException)
        {
            // Not JSON: an HTML error page or plain text; quote its start.
        }
        return Truncate(body.Trim());
    }

    private static string Truncate(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= MaxQuotedErrorChars ? text : text[..MaxQuotedErrorChars] + "...";
    }

    // Servers sometimes echo the credential in their error text; it must not travel further.
    private string Redact(string text) =>
        string.IsNullOrEmpty(_endpoint.ApiKey) || _endpoint.ApiKey.Trim().Length == 0
            ? text
            : text.Replace(_endpoint.ApiKey, "***", StringComparison.Ordinal);

    private static string Duration(TimeSpan span) => span >= TimeSpan.FromSeconds(1)
        ? span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
        : span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private readonly record struct Answer(string Text, int PromptTokens, int CompletionTokens);

    /// <param name="StatusCode">The HTTP status, when there was one.</param>
    private sealed record Failure(LlmOutcome Outcome, string Error, int? StatusCode)
    {
        public bool ResponseFormatRejected { get; init; }
    }

    /// <summary>
    /// The messages of one ask through Semantic Kernel (it appends the tool rounds), and the tool
    /// calls in them, each handed out once, to the record of the attempt it happened in.
    /// </summary>
    private sealed class Conversation
    {
        private readonly Lock _gate = new();
        private ChatHistory _history = [];
        private int _reported;

        public ChatHistory Start(LlmRequest request)
        {
            lock (_gate)
            {
                _history = [];
                _history.AddSystemMessage(request.SystemPrompt);
                _history.AddUserMessage(request.UserPrompt);
                _reported = 0;
                return _history;
            }
        }

        public IReadOnlyList<LlmToolCall> ToolCallsSinceLastAsked()
        {
            lock (_gate)
            {
                var results = new Dictionary<string, string?>(StringComparer.Ordinal);
                var calls = new List<FunctionCallContent>();
                foreach (KernelContent item in _history.SelectMany(message => message.Items))
                {
                    if (item is FunctionCallContent call) calls.Add(call);
                    else if (item is FunctionResultContent { CallId: { } id } result) results[id] = result.Result?.ToString();
                }
                List<LlmToolCall> fresh = [.. calls.Skip(_reported).Select(call => new LlmToolCall(
                    call.PluginName is null ? call.FunctionName : $"{call.PluginName}-{call.FunctionName}",
                    Cap(ArgumentsOf(call))!,
                    call.Id is not null && results.TryGetValue(call.Id, out string? result) ? Cap(result) : null))];
                _reported = calls.Count;
                return fresh;
            }
        }

        // The JSON the model wrote, when the connector kept it; else the arguments as Semantic Kernel read them.
        private static string ArgumentsOf(FunctionCallContent call) => call.InnerContent is ChatToolCall { FunctionArguments: { } raw }
            ? raw.ToString()
            : JsonSerializer.Serialize(call.Arguments?.ToDictionary(argument => argument.Key, argument => argument.Value) ?? []);

        // Arguments come from the model and results from our functions: the transcript keeps a bounded share of each.
        private static string? Cap(string? text) => text is null || text.Length <= MaxToolTextChars ? text : text[..MaxToolTextChars] + "...";
    }
}
