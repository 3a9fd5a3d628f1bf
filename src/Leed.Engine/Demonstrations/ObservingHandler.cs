// The HTTP handler under Semantic Kernel that lets LlmChatClient see statuses, Retry-After and transport errors itself.
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Leed.Engine.Demonstrations;

/// <summary>What the handler saw during one attempt (the last HTTP request of it wins).</summary>
internal sealed class HttpObservation
{
    public int Requests { get; set; }
    public int? StatusCode { get; set; }
    public string? ReasonPhrase { get; set; }
    public string? ErrorBody { get; set; }
    public TimeSpan? RetryAfter { get; set; }
    public Exception? TransportError { get; set; }
}

/// <summary>
/// Records each response's status, Retry-After and error body, and each transport failure, into the
/// <see cref="HttpObservation"/> of the calling attempt. Semantic Kernel turns failures into its own
/// exceptions and drops the headers; reading them here keeps retry decisions on facts.
/// </summary>
internal sealed class ObservingHandler : DelegatingHandler
{
    private const int MaxErrorBodyChars = 4000;

    // Flows from LlmChatClient's attempt down through Semantic Kernel and the OpenAI SDK into SendAsync.
    internal static readonly AsyncLocal<HttpObservation?> Current = new();

    public ObservingHandler(HttpMessageHandler inner) : base(inner)
    {
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpObservation? observation = Current.Value;
        if (observation is null) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

        observation.Requests++;
        observation.StatusCode = null;
        observation.ReasonPhrase = null;
        observation.ErrorBody = null;
        observation.RetryAfter = null;
        observation.TransportError = null;
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SocketException)
        {
            observation.TransportError = e;
            throw;
        }

        observation.StatusCode = (int)response.StatusCode;
        observation.ReasonPhrase = response.ReasonPhrase;
        if (!response.IsSuccessStatusCode)
        {
            observation.RetryAfter = RetryAfterOf(response);
            // Buffered so the SDK above can still read the same body.
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            observation.ErrorBody = body.Length <= MaxErrorBodyChars ? body : body[..MaxErrorBodyChars];
        }
        return response;
    }

    // OpenAI sends retry-after-ms as well as the standard header; the finer one wins.
    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
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

    /// <summary>True when the failure happened on the wire rather than in a response.</summary>
    internal static bool IsTransportError(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or SocketException) return true;
        }
        return false;
    }

    internal static string StatusText(int status, string? reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? "HTTP " + status.ToString(CultureInfo.InvariantCulture)
            : $"HTTP {status.ToString(CultureInfo.InvariantCulture)} {reason}";
}
