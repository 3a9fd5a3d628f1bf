// The Settings page's connection test in a real browser: the configured key goes to the saved endpoint only, never to one typed in the form.
using Leed.Engine.Hosting;
using Leed.Engine.Storage;
using Leed.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Leed.Dashboard.Tests.Browser;

/// <summary>The dashboard configured with an endpoint and a key, and a second local listener that records what reaches it.</summary>
public sealed class KeyedLlmAppServerFixture : AppServerFixture
{
    public const string ConfiguredKey = "sk-canary-configured-0001";

    public ScriptedOpenAiServer Saved { get; private set; } = default!;
    public ScriptedOpenAiServer Other { get; private set; } = default!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Leed:Llm:Endpoint"] = Saved.BaseUrl.ToString(),
        ["Leed:Llm:Model"] = "scripted-model",
        ["Leed:Llm:ApiKey"] = ConfiguredKey,
        ["Leed:Llm:MaxRetries"] = "0",
    };

    public override async Task InitializeAsync()
    {
        Saved = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Reply("ready"));
        Other = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Reply("ready"));
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Saved.DisposeAsync();
        await Other.DisposeAsync();
    }
}

public sealed class SettingsBrowserTests(KeyedLlmAppServerFixture app) : IClassFixture<KeyedLlmAppServerFixture>
{
    [Fact]
    public async Task TestConnection_SendsTheConfiguredKeyOnlyToTheSavedEndpoint_AndAnotherEndpointGetsOnlyTheKeyTypedForIt()
    {
        SetDefaultExpectTimeout(AppServerFixture.WaitMilliseconds);
        IPage page = await app.NewPageAsync();
        await AppServerFixture.GotoReadyAsync(page, "settings", "#settings-page");

        // The saved endpoint, as configured: its key goes with the test.
        await page.Locator("#llm-test").ClickAsync();
        await Expect(page.Locator("#llm-test-result")).ToContainTextAsync("Connected");
        Assert.Equal($"Bearer {KeyedLlmAppServerFixture.ConfiguredKey}", Assert.Single(app.Saved.Requests).Authorization);
        await Expect(page.Locator("#llm-other-endpoint")).ToHaveCountAsync(0);

        // Another endpoint typed in, not saved: the page says the key stays home and asks for this endpoint's.
        await page.Locator("input#llm-endpoint").FillAsync(app.Other.BaseUrl.ToString());
        await page.Locator("input#llm-endpoint").PressAsync("Tab");
        await Expect(page.Locator("#llm-other-endpoint")).ToContainTextAsync($"This is not the saved endpoint ({app.Saved.Host})");
        await app.ScreenshotAsync(page, "settings-other-endpoint");
        await page.Locator("#llm-test").ClickAsync();
        await app.Other.WaitForRequestsAsync(1, TimeSpan.FromSeconds(30)); // the earlier result still reads "Connected": wait for the request itself
        await Expect(page.Locator("#llm-test-result")).ToContainTextAsync("Connected");
        // No key at all (the OpenAI connector sends an empty "Bearer" then).
        Assert.Contains(Assert.Single(app.Other.Requests).Authorization?.Trim(), new[] { null, "Bearer" });

        await page.Locator("input#llm-test-key").FillAsync("sk-typed-for-the-other-one");
        await page.Locator("input#llm-test-key").PressAsync("Tab");
        await page.Locator("#llm-test").ClickAsync();
        await app.Other.WaitForRequestsAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal("Bearer sk-typed-for-the-other-one", app.Other.Requests[1].Authorization);
        Assert.Single(app.Saved.Requests);
        Assert.DoesNotContain(app.Other.Requests, request => request.Authorization?.Contains(KeyedLlmAppServerFixture.ConfiguredKey, StringComparison.Ordinal) == true);
        await Expect(page.Locator("#llm-test-result")).ToContainTextAsync("Connected");
        await app.ScreenshotAsync(page, "settings-other-endpoint-tested");

        // Nothing typed was saved: the settings in effect still name the configured endpoint, and the typed key is nowhere in the store.
        Assert.Equal(app.Saved.BaseUrl.ToString(), app.Services.GetRequiredService<LlmSettings>().Current.Endpoint);
        string database = app.Services.GetRequiredService<ILeedStore>().DatabasePath;
        foreach (string file in new[] { database, LiteDbFiles.LogPathOf(database) }.Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            Assert.DoesNotContain("sk-typed-for-the-other-one", await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }
    }
}
