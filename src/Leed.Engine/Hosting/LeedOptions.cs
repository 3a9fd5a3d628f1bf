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
}
