// The real dashboard configured with a scripted OpenAI-compatible endpoint, for browser tests of the LLM paths.
using System.Globalization;
using Leed.Engine.Tests.Support;

namespace Leed.Dashboard.Tests.Browser;

/// <summary>
/// Starts a <see cref="ScriptedOpenAiServer"/> first and points the app's <c>Leed:Llm</c> settings at
/// it; tests append their script to <see cref="Llm"/>. No retries and a short timeout, so a test
/// that sends more than it scripted fails quickly.
/// </summary>
public sealed class LlmAppServerFixture : AppServerFixture
{
    public const string Model = "scripted-model";

    public ScriptedOpenAiServer Llm { get; private set; } = default!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Leed:Llm:Endpoint"] = Llm.BaseUrl.ToString(),
        ["Leed:Llm:Model"] = Model,
        ["Leed:Llm:MaxRetries"] = "0",
        ["Leed:Llm:TimeoutSeconds"] = 30.ToString(CultureInfo.InvariantCulture),
    };

    public override async Task InitializeAsync()
    {
        Llm = ScriptedOpenAiServer.Start();
        // Assertions have their own timeout (5 s by default), apart from the page's.
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(AppServerFixture.WaitMilliseconds);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Llm.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LlmBrowserCollection : ICollectionFixture<LlmAppServerFixture>
{
    public const string Name = "browser-llm";
}
