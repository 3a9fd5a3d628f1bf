// The innermost handler of the LLM client's pipeline: it sees every HTTP attempt (status, Retry-After, error body, dropped connection) that Semantic Kernel would swallow.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Leed.Engine.Demonstrations;

/// <summary>How one HTTP attempt ended, as the handler saw it on the wire.</summary>
internal enum AttemptEnd
{
    /// <summary>A 2xx chat completion.</summary>
    Answered,

    /// <summary>An HTTP error status.</summary>
    Status,

    /// <summary>A 2xx whose body is not a chat completion (a proxy's page, a half-compatible server).</summary>
    NotAChatCompletion,

    /// <summary>Refused, reset or dropped connection.</summary>
    Transport,

    /// <summary>The pipeline's per-attempt timeout ended it.</summary>
    TimedOut,

    /// <summary>The caller cancelled (or the client was disposed).</summary>
    Cancelled,
}

/// <summary>One HTTP attempt: what it got back and how long it took (queueing for a slot excluded).</summary>
internal sealed record HttpAttempt(AttemptEnd End, DateTimeOffset Started, TimeSpan Duration)
{
    public int? StatusCode { get; init; }
    public string? ReasonPhrase { get; init; }
    public string? ErrorBody { get; init; }
    public TimeSpan? RetryAfter { get; init; }
    public Exception? Error { get; init; }

    public bool Failed => End != AttemptEnd.Answered;

    /// <summary>Timeouts, 429, 5xx, dropped connections and non-answers may go better next time; other 4xx will not.</summary>
    public bool Transient => End switch
    {
        AttemptEnd.TimedOut or AttemptEnd.Transport or AttemptEnd.NotAChatCompletion => true,
        AttemptEnd.Status => StatusCode is 429 or >= 500,
        _ => false,
    };
}

/// <summary>
/// Reports each attempt to the <see cref="LlmCall"/> it belongs to, and turns a 2xx that is not a
/// chat completion into a failure the pipeline retries. Sits inside the resilience handler, so it
/// runs once per attempt; it changes nothing it passes through (error bodies are buffered so the
/// SDK above still reads them).
/// </summary>
internal sealed class LlmAttemptHandler : DelegatingHandler
{
    private const int MaxErrorBodyChars = 4000;

    // Chat completions are text capped by max_tokens; anything near this is not one, and must not exhaust memory.
    private const long MaxResponseBytes = 16L << 20;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        LlmCall call = LlmCall.Require();
        DateTimeOffset started = DateTimeOffset.UtcNow;
        long start = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            AttemptEnd end = call.Cancellation.IsCancellationRequested ? AttemptEnd.Cancelled
                : e is OperationCanceledException ? AttemptEnd.TimedOut
                : AttemptEnd.Transport;
            call.Report(new HttpAttempt(end, started, Stopwatch.GetElapsedTime(start)) { Error = e });
            throw;
        }

        var attempt = new HttpAttempt(AttemptEnd.Answered, started, TimeSpan.Zero)
        {
            StatusCode = (int)response.StatusCode,
            ReasonPhrase = response.ReasonPhrase,
        };
        string? problem;
        try
        {
            // Buffered, so the SDK above still reads the same body; bounded, so no body can exhaust memory.
            await response.Content.LoadIntoBufferAsync(MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                call.Report(attempt with
                {
                    End = AttemptEnd.Status,
                    Duration = Stopwatch.GetElapsedTime(start),
                    RetryAfter = RetryAfterOf(response),
                    ErrorBody = body.Length <= MaxErrorBodyChars ? body : body[..MaxErrorBodyChars],
                });
                return response;
            }
            problem = await NotAChatCompletionAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            response.Dispose();
            AttemptEnd end = call.Cancellation.IsCancellationRequested ? AttemptEnd.Cancelled
                : e is OperationCanceledException ? AttemptEnd.TimedOut
                : AttemptEnd.Transport;
            call.Report(attempt with { End = end, Duration = Stopwatch.GetElapsedTime(start), Error = e });
            throw;
        }
        catch (HttpRequestException tooLarge)
        {
            problem = tooLarge.Message;
        }

        if (problem is not null)
        {
            response.Dispose();
            var error = new HttpRequestException($"the response is not a chat completion ({problem})");
            call.Report(attempt with { End = AttemptEnd.NotAChatCompletion, Duration = Stopwatch.GetElapsedTime(start), Error = error });
            throw error;
        }
        call.Report(attempt with { Duration = Stopwatch.GetElapsedTime(start) });
        return response;
    }

    /// <summary>Why a buffered 2xx body is not a chat completion, or null when it is one (a JSON object with a "choices" array).</summary>
    private static async Task<string?> NotAChatCompletionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            // A copy of the buffer: the buffered stream itself is what the SDK reads next, so it stays open.
            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            using JsonDocument document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("choices", out JsonElement choices) && choices.ValueKind == JsonValueKind.Array
                ? null
                : "no \"choices\" array";
        }
        catch (JsonException)
        {
            return "not JSON but " + (response.Content.Headers.ContentType?.MediaType ?? "no content type");
        }
    }

    /// <summary>The wait a 429 or 503 asks for: OpenAI's <c>retry-after-ms</c> when present (it is finer), else <c>Retry-After</c>.</summary>
    internal static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out IEnumerable<string>? values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)
            && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);

        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        if (header?.Delta is TimeSpan delta) return delta;
        if (header?.Date is DateTimeOffset date)
        {
            TimeSpan untilThen = date - DateTimeOffset.UtcNow;
            return untilThen > TimeSpan.Zero ? untilThen : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>A short description of a transport failure, e.g. "connection refused".</summary>
    /// <remarks>SocketsHttpHandler reports a reset during the response as the response ending early, so the two read alike.</remarks>
    internal static string DescribeTransportError(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.ConnectionReset => "connection reset by the server",
                    SocketError.HostNotFound or SocketError.NoData => "host name not found",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
                    SocketError.TimedOut => "connection timed out",
                    _ => "socket error " + socket.SocketErrorCode,
                };
            }
        }
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException http)
            {
                switch (http.HttpRequestError)
                {
                    case HttpRequestError.ResponseEnded: return "the connection closed before an answer arrived";
                    case HttpRequestError.NameResolutionError: return "host name not found";
                    case HttpRequestError.SecureConnectionError: return "the TLS handshake failed";
                    case HttpRequestError.InvalidResponse: return "the server sent an invalid HTTP response";
                    case HttpRequestError.ConnectionError: return "could not connect";
                }
            }
            if (e is HttpIOException io && io.HttpRequestError == HttpRequestError.ResponseEnded)
                return "the connection closed before an answer arrived";
        }
        return error.GetBaseException().Message;
    }

    internal static string StatusText(int status, string? reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? "HTTP " + status.ToString(CultureInfo.InvariantCulture)
            : $"HTTP {status.ToString(CultureInfo.InvariantCulture)} {reason}";
}
