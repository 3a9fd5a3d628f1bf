// The configured API key goes only to the endpoint it was configured for.
using Leed.Engine.Hosting;

namespace Leed.Engine.Tests.Demonstrations;

public sealed class LlmOptionsTests
{
    private static readonly LlmOptions Configured = new() { Endpoint = "http://127.0.0.1:11434/v1", Model = "llama", ApiKey = "sk-configured", TimeoutSeconds = 5 };

    [Theory]
    [InlineData("http://127.0.0.1:11434/v1", null, "sk-configured")]
    [InlineData("http://127.0.0.1:11434/v1/", null, "sk-configured")]
    [InlineData("HTTP://127.0.0.1:11434/v1", "sk-typed", "sk-configured")]
    [InlineData("http://127.0.0.1:11435/v1", null, null)]
    [InlineData("http://127.0.0.1:11434/v2", null, null)]
    [InlineData("https://127.0.0.1:11434/v1", null, null)]
    [InlineData("http://attacker.example:11434/v1", "sk-typed", "sk-typed")]
    [InlineData("http://user@127.0.0.1:11434/v1", null, null)]
    [InlineData("not a url", null, null)]
    public void KeyFor_IsTheConfiguredKeyOnlyForItsOwnEndpoint(string endpoint, string? typed, string? expected) =>
        Assert.Equal(expected, Configured.KeyFor(endpoint, typed));

    [Fact]
    public void Redirected_KeepsTheRestOfTheSettings_AndDropsTheKeyForAnotherEndpoint()
    {
        LlmOptions elsewhere = Configured.Redirected("http://10.0.0.5:8000/v1", "qwen");
        LlmOptions same = Configured.Redirected(null, null);

        Assert.Equal(("http://10.0.0.5:8000/v1", "qwen", (string?)null, (double?)5), (elsewhere.Endpoint, elsewhere.Model, elsewhere.ApiKey, elsewhere.TimeoutSeconds));
        Assert.Equal((Configured.Endpoint, "llama", "sk-configured"), (same.Endpoint, same.Model, same.ApiKey));
    }
}
