// Talks to any OpenAI-compatible chat endpoint through Semantic Kernel, with our own timeouts, retries, concurrency and transcript.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
/// across all calls of a client. Every attempt is reported to the transcript sink.
/// </summary>
/// <remarks>
/// Semantic Kernel is handed our own <see cref="HttpClient"/>; with a custom client it disables
/// the OpenAI SDK's retries and network timeout, so the policy here is the only one and tests are
/// deterministic. The sink runs synchronously on the calling thread, possibly from parallel calls.
/// </remarks>
public sealed class LlmChatClient : IDisposable
{
    /// <summary>The user message of <see cref="TestConnectionAsync"/>.</summary>
    public const string ConnectionTestPrompt = "Reply with the word ready.";

    private const int MaxQuotedErrorChars = 300;

    private readonly LlmEndpoint _endpoint;
    private readonly Action<LlmCallRecord>? _onCall;
    private readonly HttpClient _http;
    private readonly OpenAIChatCompletionService _chat;
    private readonly SemaphoreSlim _slots;
    private volatile bool _responseFormatRejected;
    private volatile bool _disposed;

    /// <summary>Creates a client; nothing is sent until the first call.</summary>
    /// <param name="endpoint">Where to send requests and how patiently.</param>
    /// <param name="onCall">Receives one record per attempt (pass <c>progress.Report</c> for an <see cref="IProgress{T}"/>).</param>
    /// <exception cref="ArgumentException">A setting of <paramref name="endpoint"/> is out of range.</exception>
    public LlmChatClient(LlmEndpoint endpoint, Action<LlmCallRecord>? onCall = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.Validate();
        _endpoint = endpoint;
        _onCall = onCall;
        _slots = new SemaphoreSlim(endpoint.MaxConcurrency, endpoint.MaxConcurrency);
        var sockets = new SocketsHttpHandler
        {
            // Long-lived client: re-resolve DNS now and then rather than pinning one address forever.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = endpoint.Timeout,
        };
        // The connector takes a custom endpoint from BaseAddress (the stable constructor), and an
        // empty key becomes a blank credential, which keyless local servers ignore.
        _http = new HttpClient(new ObservingHandler(sockets))
        {
            BaseAddress = endpoint.Endpoint,
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
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

    /// <summary>Releases the HTTP connections. Calls still running fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _http.Dispose();
    }

    private async Task<LlmReply> RunAsync(LlmRequest request, int maxRetries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();

        var callId = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        bool droppedResponseFormat = false;
        int retries = 0;
        for (int attempt = 1; ; attempt++)
        {
            bool useFormat = request.ResponseSchema is not null && !_responseFormatRejected;
            AttemptResult result = await AttemptAsync(request, useFormat, cancellationToken).ConfigureAwait(false);
            _onCall?.Invoke(ToRecord(callId, attempt, request, result, useFormat));

            switch (result.Outcome)
            {
                case LlmOutcome.Ok:
                    return new LlmReply(result.Text ?? "", result.PromptTokens, result.CompletionTokens,
                        clock.Elapsed, attempt, LlmOutcome.Ok, useFormat);
                case LlmOutcome.Cancelled:
                    throw new OperationCanceledException("The LLM call was cancelled.", cancellationToken);
            }

            if (result.ResponseFormatRejected && !droppedResponseFormat)
            {
                // Many local servers do not implement structured output; the prompt still asks for
                // JSON and the parser copes with whatever comes back. Does not use up a retry.
                _responseFormatRejected = true;
                droppedResponseFormat = true;
                continue;
            }

            if (!result.Retryable || retries >= maxRetries)
                throw new LlmException(FinalMessage(result, attempt), result.Outcome, Host, attempt, result.StatusCode);

            TimeSpan delay;
            if (result.RetryAfter is TimeSpan asked)
            {
                if (asked > _endpoint.MaxDelay)
                {
                    throw new LlmException(
                        $"{Host} is rate limiting requests and asked to wait {Duration(asked)}, longer than the " +
                        $"{Duration(_endpoint.MaxDelay)} this client waits; try again later",
                        result.Outcome, Host, attempt, result.StatusCode);
                }
                delay = asked;
            }
            else
            {
                delay = BackoffDelay(retries, _endpoint.BaseDelay, _endpoint.MaxDelay, Random.Shared.NextDouble());
            }
            retries++;
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            ObjectDisposedException.ThrowIf(_disposed, this);
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

    private async Task<AttemptResult> AttemptAsync(LlmRequest request, bool useFormat, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var observation = new HttpObservation();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            timeout.CancelAfter(_endpoint.Timeout);
            ObservingHandler.Current.Value = observation;

            var history = new ChatHistory();
            history.AddSystemMessage(request.SystemPrompt);
            history.AddUserMessage(request.UserPrompt);
            int sent = history.Count;
            Kernel? kernel = request.Plugins.Count > 0 ? new Kernel(plugins: new KernelPluginCollection(request.Plugins)) : null;

            ChatMessageContent answer = await _chat.GetChatMessageContentAsync(
                history, Settings(request, useFormat, kernel is not null), kernel, timeout.Token).ConfigureAwait(false);

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
            return new AttemptResult(LlmOutcome.Ok, started, clock.Elapsed) with
            {
                Text = answer.Content ?? "",
                PromptTokens = prompt,
                CompletionTokens = completion,
            };
        }
        catch (Exception) when (_disposed)
        {
            throw new ObjectDisposedException(nameof(LlmChatClient), "The LLM client was disposed during the call.");
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(LlmOutcome.Cancelled, started, clock.Elapsed) { Error = "cancelled by the caller" };
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            return new AttemptResult(LlmOutcome.Timeout, started, clock.Elapsed)
            {
                Error = $"no answer from {Host} within {Duration(_endpoint.Timeout)}",
                Retryable = true,
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Classify(e, observation, useFormat, started, clock.Elapsed);
        }
        finally
        {
            ObservingHandler.Current.Value = null;
            _slots.Release();
        }
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

    private AttemptResult Classify(Exception error, HttpObservation observation, bool useFormat, DateTimeOffset started, TimeSpan latency)
    {
        var result = new AttemptResult(LlmOutcome.ServerError, started, latency);
        if (observation.StatusCode is int status and >= 400)
        {
            string statusText = ObservingHandler.StatusText(status, observation.ReasonPhrase);
            string detail = Redact(ErrorDetail(observation.ErrorBody));
            string said = detail.Length > 0 ? ": " + detail : "";
            result = result with { StatusCode = status };
            if (status == 429)
            {
                return result with
                {
                    Outcome = LlmOutcome.RateLimited,
                    Retryable = true,
                    RetryAfter = observation.RetryAfter,
                    Error = $"{Host} is rate limiting requests ({statusText}){said}",
                };
            }
            if (status >= 500)
                return result with { Retryable = true, Error = $"{Host} failed with {statusText}{said}" };

            result = result with { Outcome = LlmOutcome.Refused };
            if (status == 400 && useFormat && (observation.ErrorBody ?? "").Contains("response_format", StringComparison.OrdinalIgnoreCase))
            {
                return result with
                {
                    ResponseFormatRejected = true,
                    Error = $"{Host} does not accept response_format (structured output), {statusText}{said}; asking again without it",
                };
            }
            return result with
            {
                Error = status switch
                {
                    401 => $"the endpoint refused the API key ({statusText} from {Host}); check Leed:Llm:ApiKey",
                    403 => $"{Host} refused access ({statusText}){said}; the key may lack access to model '{Model}'",
                    404 => $"{Host} answered {statusText}{said}; check the endpoint URL (it usually ends in /v1) and the model name '{Model}'",
                    _ => $"{Host} rejected the request ({statusText}){said}",
                },
            };
        }

        if (observation.TransportError is not null || ObservingHandler.IsTransportError(error))
        {
            string what = ObservingHandler.DescribeTransportError(observation.TransportError ?? error);
            return result with
            {
                Outcome = LlmOutcome.TransportError,
                Retryable = true,
                Error = Redact($"could not reach {Host}: {what}"),
            };
        }

        // A 2xx whose body is not a chat completion: a proxy page or a half-compatible server.
        return result with
        {
            Retryable = true,
            Error = Redact($"{Host} sent a response that is not a chat completion ({error.GetType().Name}: {Truncate(error.Message)})"),
        };
    }

    private string FinalMessage(AttemptResult last, int attempts)
    {
        string error = last.Error ?? last.Outcome.ToString();
        return attempts == 1 ? error : string.Create(CultureInfo.InvariantCulture, $"{error} (gave up after {attempts} attempts)");
    }

    private LlmCallRecord ToRecord(Guid callId, int attempt, LlmRequest request, AttemptResult result, bool useFormat) =>
        new(Guid.NewGuid(), callId, request.Round, [.. request.Agents], request.SystemPrompt, request.UserPrompt,
            result.Outcome == LlmOutcome.Ok ? result.Text : null, result.PromptTokens, result.CompletionTokens,
            result.Latency.TotalMilliseconds, attempt, result.Outcome, result.Error, Host, Model, useFormat, result.Started);

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

    private sealed record AttemptResult(LlmOutcome Outcome, DateTimeOffset Started, TimeSpan Latency)
    {
        public string? Text { get; init; }
        public int PromptTokens { get; init; }
        public int CompletionTokens { get; init; }
        public string? Error { get; init; }
        public int? StatusCode { get; init; }
        public bool Retryable { get; init; }
        public TimeSpan? RetryAfter { get; init; }
        public bool ResponseFormatRejected { get; init; }
    }
}
