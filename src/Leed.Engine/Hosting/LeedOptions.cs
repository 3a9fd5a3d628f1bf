// Configuration of the engine as a host sees it (section "Leed" of the configuration).
namespace Leed.Engine.Hosting;

/// <summary>Settings bound from the <c>Leed</c> configuration section.</summary>
public sealed class LeedOptions
{
    public const string Section = "Leed";

    /// <summary>Folder of the database and run artefacts; default <c>./data</c> beside the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The LLM endpoint used for demonstrations; empty means the built-in planner.</summary>
    public LlmOptions Llm { get; set; } = new();

    /// <summary>How the data folder is opened.</summary>
    public StorageOptions Storage { get; set; } = new();
}

/// <summary>Settings of the data folder (section <c>Leed:Storage</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>Seconds to wait for another process to release the data folder before giving up (default 5).</summary>
    public double LockWaitSeconds { get; set; } = 5;

    /// <summary>The wait as a span; a negative or non-finite setting is refused with the setting's name.</summary>
    public TimeSpan LockWait => double.IsFinite(LockWaitSeconds) && LockWaitSeconds is >= 0 and <= 86_400
        ? TimeSpan.FromSeconds(LockWaitSeconds)
        : throw new ArgumentException($"Leed:Storage:LockWaitSeconds must be from 0 to 86400 seconds, got {LockWaitSeconds}.");
}

/// <summary>An OpenAI-compatible chat endpoint. The key comes only from configuration or environment.</summary>
public sealed class LlmOptions
{
    /// <summary>Base URL, e.g. <c>http://127.0.0.1:11434/v1</c> for Ollama.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Model name as the endpoint knows it.</summary>
    public string? Model { get; set; }

    /// <summary>API key; never stored, logged or shown.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Seconds one attempt may take; unset keeps the client's default (60). Slow local models need more.</summary>
    public double? TimeoutSeconds { get; set; }

    /// <summary>Retries after the first attempt on timeouts, 429, 5xx and transport errors; unset keeps the default (4).</summary>
    public int? MaxRetries { get; set; }

    /// <summary>Calls in flight at once; unset keeps the default (4). Local servers often serve one at a time.</summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>True when an endpoint and a model are both set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint) && !string.IsNullOrWhiteSpace(Model);

    /// <summary>
    /// These settings aimed at <paramref name="endpoint"/> with <paramref name="model"/> (null keeps
    /// each). The key only ever goes to the endpoint it belongs to: aimed anywhere else, the copy
    /// carries <paramref name="keyForOtherEndpoint"/> (what the user typed for that endpoint, never
    /// stored) or no key at all.
    /// </summary>
    public LlmOptions Redirected(string? endpoint, string? model, string? keyForOtherEndpoint = null)
    {
        string? target = string.IsNullOrWhiteSpace(endpoint) ? Endpoint : endpoint.Trim();
        return new LlmOptions
        {
            Endpoint = target,
            Model = string.IsNullOrWhiteSpace(model) ? Model : model.Trim(),
            ApiKey = KeyFor(target, keyForOtherEndpoint),
            TimeoutSeconds = TimeoutSeconds,
            MaxRetries = MaxRetries,
            MaxConcurrency = MaxConcurrency,
        };
    }

    /// <summary>The key to send to <paramref name="endpoint"/>: the configured one only if it is this endpoint, else <paramref name="keyForOtherEndpoint"/> or none.</summary>
    public string? KeyFor(string? endpoint, string? keyForOtherEndpoint = null) =>
        SameEndpoint(endpoint, Endpoint) ? ApiKey : string.IsNullOrWhiteSpace(keyForOtherEndpoint) ? null : keyForOtherEndpoint;

    /// <summary>True when both name the same endpoint (scheme, host, port and path; a trailing slash and letter case aside).</summary>
    public static bool SameEndpoint(string? first, string? second)
    {
        if (string.IsNullOrWhiteSpace(first) || string.IsNullOrWhiteSpace(second)) return false;
        if (!Uri.TryCreate(first.Trim(), UriKind.Absolute, out Uri? a) || !Uri.TryCreate(second.Trim(), UriKind.Absolute, out Uri? b))
            return string.Equals(first.Trim(), second.Trim(), StringComparison.Ordinal);
        return Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0
            && string.Equals(a.AbsolutePath.TrimEnd('/'), b.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal)
            && a.UserInfo == b.UserInfo;
    }
}
