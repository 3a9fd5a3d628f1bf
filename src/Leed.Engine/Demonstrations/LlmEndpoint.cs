// Where and how LlmChatClient talks to an OpenAI-compatible chat endpoint; the key never leaves this record as text.
using System.Globalization;
using Leed.Engine.Hosting;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// An OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI's <c>/openai/v1/</c> endpoint, Ollama,
/// vLLM, LM Studio) and the resilience settings used against it.
/// </summary>
/// <param name="Endpoint">Base URL including the API version segment, e.g. <c>http://127.0.0.1:11434/v1</c>;
/// requests go to <c>{Endpoint}/chat/completions</c>.</param>
/// <param name="Model">Model name as the endpoint knows it.</param>
/// <param name="ApiKey">Sent as a Bearer token; null or empty for local servers that need none. Never logged or printed.</param>
public sealed record LlmEndpoint(Uri Endpoint, string Model, string? ApiKey = null)
{
    /// <summary>How long one attempt may take before it counts as a timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after the first attempt on timeouts, 429, 5xx and transport errors.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Attempts of one client in flight at once; further calls queue.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Backoff unit: retry r waits a random time in [0, BaseDelay * 2^r] (full jitter).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between attempts; a server asking for a longer Retry-After ends the call instead.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Host and port, the only part of the endpoint that appears in messages and transcripts.</summary>
    public string Host => Endpoint.IsAbsoluteUri ? Endpoint.Authority : Endpoint.OriginalString;

    /// <summary>Model and endpoint without key, user info or query (which could carry secrets).</summary>
    public override string ToString() =>
        $"{Model} at {SafeEndpoint} ({(string.IsNullOrEmpty(ApiKey) ? "no API key" : "API key set")})";

    private string SafeEndpoint => Endpoint.IsAbsoluteUri
        ? Endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
        : "(invalid endpoint)";

    /// <summary>The endpoint configured under <c>Leed:Llm</c>, or null when none is (the planner is used then).</summary>
    /// <exception cref="ArgumentException">The configured endpoint is not an http(s) URL.</exception>
    public static LlmEndpoint? FromOptions(LlmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured) return null;
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out Uri? uri))
            throw new ArgumentException($"Leed:Llm:Endpoint is not a URL: '{options.Endpoint}'. Use e.g. http://127.0.0.1:11434/v1.", nameof(options));
        var endpoint = new LlmEndpoint(uri, options.Model!.Trim(), string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey);
        if (options.TimeoutSeconds is double seconds)
        {
            if (!double.IsFinite(seconds) || seconds <= 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
                throw new ArgumentException(Invariant($"Leed:Llm:TimeoutSeconds must be a positive number of seconds, got {seconds}."), nameof(options));
            endpoint = endpoint with { Timeout = TimeSpan.FromSeconds(seconds) };
        }
        if (options.MaxRetries is int retries) endpoint = endpoint with { MaxRetries = retries };
        if (options.MaxConcurrency is int concurrency) endpoint = endpoint with { MaxConcurrency = concurrency };
        endpoint.Validate();
        return endpoint;
    }

    /// <summary>Throws with a message saying which setting is wrong and what is allowed.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"The LLM endpoint must be an http or https URL, got '{SafeEndpoint}'.", nameof(Endpoint));
        if (string.IsNullOrWhiteSpace(Model))
            throw new ArgumentException("The LLM model name is empty; set the model as the endpoint knows it.", nameof(Model));
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentException(Invariant($"Timeout must be positive, got {Timeout}."), nameof(Timeout));
        if (MaxRetries < 0)
            throw new ArgumentException(Invariant($"MaxRetries must be 0 or more, got {MaxRetries}."), nameof(MaxRetries));
        if (MaxConcurrency < 1)
            throw new ArgumentException(Invariant($"MaxConcurrency must be at least 1, got {MaxConcurrency}."), nameof(MaxConcurrency));
        if (BaseDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero)
            throw new ArgumentException("BaseDelay and MaxDelay must not be negative.", nameof(BaseDelay));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
