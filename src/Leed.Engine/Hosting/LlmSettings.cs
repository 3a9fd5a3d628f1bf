// The LLM endpoint in use: configuration, overridden by what a researcher saved on the Settings page (never the key).
using Leed.Engine.Storage;

namespace Leed.Engine.Hosting;

/// <summary>Endpoint and model as saved in the store; the API key is deliberately absent.</summary>
public sealed class StoredLlmSettings
{
    public string Id { get; set; } = "llm";
    public string? Endpoint { get; set; }
    public string? Model { get; set; }
}

/// <summary>
/// Endpoint and model come from the store when a researcher set them in the dashboard, else from
/// configuration; the key only ever comes from configuration or the environment.
/// </summary>
public sealed class LlmSettings(ILeedStore store, LlmOptions configured)
{
    private const string CollectionName = "settings";

    public LlmOptions Configured { get; } = configured;

    /// <summary>The settings in effect now.</summary>
    public LlmOptions Current
    {
        get
        {
            StoredLlmSettings? saved = store.Collection<StoredLlmSettings>(CollectionName).FindById("llm");
            return new LlmOptions
            {
                Endpoint = string.IsNullOrWhiteSpace(saved?.Endpoint) ? Configured.Endpoint : saved.Endpoint,
                Model = string.IsNullOrWhiteSpace(saved?.Model) ? Configured.Model : saved.Model,
                ApiKey = Configured.ApiKey,
                TimeoutSeconds = Configured.TimeoutSeconds,
                MaxRetries = Configured.MaxRetries,
                MaxConcurrency = Configured.MaxConcurrency,
            };
        }
    }

    /// <summary>Saves endpoint and model (empty values fall back to configuration).</summary>
    public void Save(string? endpoint, string? model) =>
        store.Collection<StoredLlmSettings>(CollectionName).Upsert(new StoredLlmSettings { Endpoint = endpoint?.Trim(), Model = model?.Trim() });
}
