// LlmChatClient against a scripted local endpoint: answers, retries, refusals, limits, cancellation and the transcript.
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Leed.Engine.Demonstrations;
using Leed.Engine.Hosting;
using Leed.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.SemanticKernel;

namespace Leed.Engine.Tests.Demonstrations;

public sealed class LlmChatClientTests
{
    private const string Key = "sk-test-7f3c9a1b2d4e";
    private const string Answer = """{"agents":[{"agent":0,"instructions":["[MoveTo, Intersection_3, Agent_0]","[Wait, 1, Agent_0]"]}]}""";

    private readonly ConcurrentQueue<LlmCallRecord> _transcript = new();

    private static LlmEndpoint Fast(ScriptedOpenAiServer server, string? key = Key) =>
        new(server.BaseUrl, "test-model", key)
        {
            Timeout = TimeSpan.FromSeconds(5),
            MaxRetries = 2,
            BaseDelay = TimeSpan.FromMilliseconds(1),
            MaxDelay = TimeSpan.FromMilliseconds(50),
        };

    private LlmChatClient Client(LlmEndpoint endpoint) => new(LlmHttp.Shared, endpoint, _transcript.Enqueue);

    private static LlmRequest Ask(string user = "Route Agent_0 to Intersection_3.") =>
        new("You write demonstrations.", user) { Round = 2, Agents = [0, 1] };

    [Fact]
    public async Task CompleteAsync_ValidAnswer_ReturnsTheTextAndTokensThatParseToTheRightInstructions()
    {
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Reply(Answer, promptTokens: 120, completionTokens: 30));
        using LlmChatClient client = Client(Fast(server));

        LlmReply reply = await client.CompleteAsync(Ask());

        Assert.Equal((Answer, 120, 30, 1, LlmOutcome.Ok), (reply.Text, reply.PromptTokens, reply.CompletionTokens, reply.Attempts, reply.Outcome));
        Assert.Equal<Instruction>([new MoveTo(0, 3), new Wait(0, 1)],
            InstructionParser.ParseAnswer(reply.Text, maxWait: 10).Instructions.Select(i => i.Instruction));

        RecordedRequest request = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("test-model", request.Model);
        Assert.Equal("You write demonstrations.", request.SystemPrompt);
        Assert.Equal("Route Agent_0 to Intersection_3.", request.UserPrompt);
        Assert.Null(request.ResponseFormat);

        LlmCallRecord record = Assert.Single(_transcript);
        Assert.Equal((2, LlmOutcome.Ok, 1, Answer, 120, 30, server.Host, "test-model"),
            (record.Round, record.Outcome, record.Attempt, record.Response, record.PromptTokens, record.CompletionTokens, record.EndpointHost, record.Model));
        Assert.Equal([0, 1], record.Agents);
        Assert.Equal("Route Agent_0 to Intersection_3.", record.UserPrompt);
        Assert.True(record.LatencyMs > 0);
    }

    [Fact]
    public async Task CompleteAsync_WithSchema_AsksForStructuredOutput()
    {
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Reply(Answer));
        using LlmChatClient client = Client(Fast(server));

        LlmReply reply = await client.CompleteAsync(Ask() with { ResponseSchema = InstructionParser.AnswerSchema });

        Assert.True(reply.UsedResponseFormat);
        using var format = JsonDocument.Parse(Assert.Single(server.Requests).ResponseFormat!);
        Assert.Equal("json_schema", format.RootElement.GetProperty("type").GetString());
        Assert.Equal("demonstrations", format.RootElement.GetProperty("json_schema").GetProperty("name").GetString());
    }

    [Fact]
    public async Task CompleteAsync_EndpointRejectsResponseFormat_AsksAgainWithoutItAndRemembers()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Respond(request =>
            request.ResponseFormat is null
                ? ScriptStep.Reply(Answer)
                : ScriptStep.Status(400, """{"error":{"message":"Unrecognized request argument supplied: response_format"}}""")));
        using LlmChatClient client = Client(Fast(server) with { MaxRetries = 0 });
        LlmRequest request = Ask() with { ResponseSchema = InstructionParser.AnswerSchema };

        LlmReply first = await client.CompleteAsync(request);
        LlmReply second = await client.CompleteAsync(request);

        Assert.Equal((Answer, 2, false), (first.Text, first.Attempts, first.UsedResponseFormat));
        Assert.Equal((1, false), (second.Attempts, second.UsedResponseFormat));
        Assert.False(client.SupportsResponseFormat);
        Assert.Equal([true, false, false], server.Requests.Select(r => r.ResponseFormat is not null));
        LlmCallRecord rejected = _transcript.First();
        Assert.Equal(LlmOutcome.Refused, rejected.Outcome);
        Assert.Contains("does not accept response_format", rejected.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_Timeout_FailsAfterTheRetriesSayingNoAnswerWithin()
    {
        // The pipeline's clock is fake and moves only once the server holds the request: on a busy
        // machine a real 200 ms could run out before the request even arrived, and the server
        // would never see it (the old flake: one request instead of two).
        var time = new FakeTimeProvider();
        await using ServiceProvider services = LlmHttp.CreateServices(time);
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Stall(TimeSpan.FromSeconds(10)));
        using var client = new LlmChatClient(services.GetRequiredService<IHttpClientFactory>(),
            Fast(server) with { Timeout = TimeSpan.FromMilliseconds(200), MaxRetries = 1, BaseDelay = TimeSpan.Zero }, _transcript.Enqueue);

        Task<LlmReply> call = client.CompleteAsync(Ask());
        await server.WaitForRequestsAsync(1);
        time.Advance(TimeSpan.FromMilliseconds(200));
        await server.WaitForRequestsAsync(2);
        time.Advance(TimeSpan.FromMilliseconds(200));
        LlmException error = await Assert.ThrowsAsync<LlmException>(() => call);

        Assert.Equal((LlmOutcome.Timeout, 2), (error.Outcome, error.Attempts));
        Assert.Equal($"no answer from {server.Host} within 200 ms (gave up after 2 attempts)", error.Message);
        Assert.Equal([LlmOutcome.Timeout, LlmOutcome.Timeout], _transcript.Select(r => r.Outcome));
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task CompleteAsync_RateLimitedThenAnswered_SucceedsOnAttemptTwoWithBothInTheTranscript()
    {
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Status(429, retryAfter: "0"), ScriptStep.Reply(Answer));
        using LlmChatClient client = Client(Fast(server));

        LlmReply reply = await client.CompleteAsync(Ask());

        Assert.Equal((Answer, 2), (reply.Text, reply.Attempts));
        Assert.Equal([(1, LlmOutcome.RateLimited), (2, LlmOutcome.Ok)], _transcript.Select(r => (r.Attempt, r.Outcome)));
        LlmCallRecord limited = _transcript.First();
        Assert.Null(limited.Response);
        Assert.Contains("rate limiting", limited.Error, StringComparison.Ordinal);
        Assert.Single(_transcript.Select(r => r.CallId).Distinct());
    }

    [Fact]
    public async Task CompleteAsync_RetryAfter_IsWaitedOutEvenWhenTheBackoffIsShorter()
    {
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Status(429, retryAfter: "1"), ScriptStep.Reply(Answer));
        using LlmChatClient client = Client(Fast(server) with { MaxDelay = TimeSpan.FromSeconds(5) });

        var clock = Stopwatch.StartNew();
        await client.CompleteAsync(Ask());

        IReadOnlyList<RecordedRequest> requests = server.Requests;
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromMilliseconds(900),
            $"retried after {(requests[1].ReceivedAt - requests[0].ReceivedAt).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task CompleteAsync_RetryAfterLongerThanMaxDelay_GivesUpAtOnceSayingSo()
    {
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Status(429, retryAfter: "120"));
        using LlmChatClient client = Client(Fast(server));

        LlmException error = await Assert.ThrowsAsync<LlmException>(() => client.CompleteAsync(Ask()));

        Assert.Equal(LlmOutcome.RateLimited, error.Outcome);
        Assert.Contains("asked to wait 120 s", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task CompleteAsync_ServerErrorEveryTime_FailsAfterMaxRetriesPlusOneAttempts()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(
            ScriptStep.Status(500, """{"error":{"message":"model crashed"}}"""));
        using LlmChatClient client = Client(Fast(server) with { MaxRetries = 3 });

        LlmException error = await Assert.ThrowsAsync<LlmException>(() => client.CompleteAsync(Ask()));

        Assert.Equal((LlmOutcome.ServerError, 4, 500), (error.Outcome, error.Attempts, error.StatusCode));
        Assert.Equal($"{server.Host} failed with HTTP 500 Internal Server Error: model crashed (gave up after 4 attempts)", error.Message);
        Assert.Equal(4, server.Requests.Count);
        Assert.Equal(4, _transcript.Count(r => r.Outcome == LlmOutcome.ServerError));
    }

    [Fact]
    public async Task CompleteAsync_Unauthorized_IsNotRetriedAndSaysTheKeyWasRefused()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Status(401));
        using LlmChatClient client = Client(Fast(server));

        LlmException error = await Assert.ThrowsAsync<LlmException>(() => client.CompleteAsync(Ask()));

        Assert.Equal((LlmOutcome.Refused, 1, 401), (error.Outcome, error.Attempts, error.StatusCode));
        Assert.StartsWith("the endpoint refused the API key", error.Message, StringComparison.Ordinal);
        Assert.Contains(server.Host, error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData(400, "rejected the request (HTTP 400 Bad Request)")]
    [InlineData(404, "check the endpoint URL")]
    [InlineData(403, "refused access")]
    public async Task CompleteAsync_OtherClientErrors_AreNotRetried(int status, string message)
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Status(status));
        using LlmChatClient client = Client(Fast(server));

        LlmException error = await Assert.ThrowsAsync<LlmException>(() => client.CompleteAsync(Ask()));

        Assert.Equal(LlmOutcome.Refused, error.Outcome);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ApiKey_IsSentAsBearerButNeverAppearsInTranscriptsErrorsOrToString()
    {
        // A careless server that echoes the key back in its error text.
        await using var server = ScriptedOpenAiServer.Start(
            ScriptStep.Reply(Answer),
            ScriptStep.Status(500, $$$"""{"error":{"message":"bad key {{{Key}}} for you"}}"""),
            ScriptStep.Status(401, $$$"""{"error":{"message":"Incorrect API key provided: {{{Key}}}"}}"""));
        LlmEndpoint endpoint = Fast(server);
        using LlmChatClient client = Client(endpoint);

        await client.CompleteAsync(Ask());
        LlmException error = await Assert.ThrowsAsync<LlmException>(() => client.CompleteAsync(Ask()));

        Assert.All(server.Requests, r => Assert.Equal("Bearer " + Key, r.Authorization));
        Assert.Equal(3, _transcript.Count);
        Assert.DoesNotContain(Key, JsonSerializer.Serialize(_transcript.ToArray()), StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Key, endpoint.ToString(), StringComparison.Ordinal);
        Assert.Contains("API key set", endpoint.ToString(), StringComparison.Ordinal);
        Assert.Contains("***", _transcript.ElementAt(1).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_WithoutApiKey_WorksForLocalServers()
    {
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Reply("ok"));
        using LlmChatClient client = Client(Fast(server, key: null));

        LlmReply reply = await client.CompleteAsync(Ask());

        Assert.Equal("ok", reply.Text);
    }

    [Fact]
    public async Task CompleteAsync_EndpointWithoutVersionSegment_PostsToChatCompletionsAtTheRoot()
    {
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Reply("ok"));
        using LlmChatClient client = Client(Fast(server) with { Endpoint = new Uri($"http://{server.Host}") });

        await client.CompleteAsync(Ask());

        Assert.Equal("/chat/completions", Assert.Single(server.Requests).Path);
    }

    [Fact]
    public async Task Dispose_DuringACall_EndsItAsDisposedWithoutRetrying()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Stall(TimeSpan.FromSeconds(20)));
        LlmChatClient client = Client(Fast(server));

        Task<LlmReply> call = client.CompleteAsync(Ask());
        await server.WaitForRequestsAsync(1);
        client.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => call);
        Assert.Single(server.Requests);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.CompleteAsync(Ask()));
    }

    [Fact]
    public async Task CompleteAsync_ManyParallelCalls_NeverExceedMaxConcurrencyAtTheServer()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(
            ScriptStep.Stall(TimeSpan.FromMilliseconds(150), ScriptStep.Reply(Answer)));
        using LlmChatClient client = Client(Fast(server) with { MaxConcurrency = 2 });

        LlmReply[] replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.CompleteAsync(Ask())));

        Assert.All(replies, r => Assert.Equal(Answer, r.Text));
        Assert.Equal(6, server.Requests.Count);
        Assert.Equal(2, server.MaxConcurrentRequests);
    }

    [Fact]
    public async Task CompleteAsync_CancelledWhileWaitingToRetry_StopsPromptly()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Status(429, retryAfter: "20"));
        using LlmChatClient client = Client(Fast(server) with { MaxDelay = TimeSpan.FromSeconds(30) });
        using var cancel = new CancellationTokenSource();

        Task<LlmReply> call = client.CompleteAsync(Ask(), cancel.Token);
        await server.WaitForRequestsAsync(1);
        await Task.Delay(50);
        var clock = Stopwatch.StartNew();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.ElapsedMilliseconds} ms to stop");
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task CompleteAsync_CancelledWhileWaitingForTheAnswer_StopsPromptlyAndRecordsIt()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Stall(TimeSpan.FromSeconds(20)));
        using LlmChatClient client = Client(Fast(server));
        using var cancel = new CancellationTokenSource();

        Task<LlmReply> call = client.CompleteAsync(Ask(), cancel.Token);
        await server.WaitForRequestsAsync(1);
        var clock = Stopwatch.StartNew();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.ElapsedMilliseconds} ms to stop");
        Assert.Equal(LlmOutcome.Cancelled, Assert.Single(_transcript).Outcome);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompleteAsync_ConnectionClosedOrReset_IsRetriedAsATransportError(bool reset)
    {
        await using var server = ScriptedOpenAiServer.Start(
            reset ? ScriptStep.ResetConnection() : ScriptStep.CloseConnection(), ScriptStep.Reply(Answer));
        using LlmChatClient client = Client(Fast(server));

        LlmReply reply = await client.CompleteAsync(Ask());

        Assert.Equal(Answer, reply.Text);
        Assert.Equal([LlmOutcome.TransportError, LlmOutcome.Ok], _transcript.Select(r => r.Outcome));
        Assert.Equal($"could not reach {server.Host}: the connection closed before an answer arrived", _transcript.First().Error);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task CompleteAsync_NothingListening_FailsSayingTheConnectionWasRefused()
    {
        Uri closed;
        await using (var server = ScriptedOpenAiServer.Start()) closed = server.BaseUrl;
        using LlmChatClient client = Client(new LlmEndpoint(closed, "test-model")
        {
            MaxRetries = 1,
            BaseDelay = TimeSpan.FromMilliseconds(1),
        });

        LlmException error = await Assert.ThrowsAsync<LlmException>(() => client.CompleteAsync(Ask()));

        Assert.Equal((LlmOutcome.TransportError, 2), (error.Outcome, error.Attempts));
        Assert.Equal($"could not reach {closed.Authority}: connection refused (gave up after 2 attempts)", error.Message);
    }

    [Fact]
    public async Task CompleteAsync_ResponseThatIsNotAChatCompletion_IsAServerErrorAndRetried()
    {
        await using var server = ScriptedOpenAiServer.Start(
            ScriptStep.Raw(200, "<html>gateway says hi</html>", "text/html"), ScriptStep.Reply(Answer));
        using LlmChatClient client = Client(Fast(server));

        LlmReply reply = await client.CompleteAsync(Ask());

        Assert.Equal(2, reply.Attempts);
        LlmCallRecord first = _transcript.First();
        Assert.Equal(LlmOutcome.ServerError, first.Outcome);
        Assert.Contains("not a chat completion", first.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_WithPlugins_LetsTheModelCallThemAndSumsTheTokens()
    {
        var roads = new RoadsPlugin();
        await using var server = ScriptedOpenAiServer.Start(
            ScriptStep.ToolCall("Roads-Neighbours", """{"intersection":3}""", promptTokens: 100, completionTokens: 10),
            ScriptStep.Respond(request => request.Messages.Any(m => m.Role == "tool" && m.Content.Contains("2, 4", StringComparison.Ordinal))
                ? ScriptStep.Reply("[MoveTo, Intersection_4, Agent_0]", promptTokens: 150, completionTokens: 20)
                : ScriptStep.Status(400)));
        using LlmChatClient client = Client(Fast(server));

        LlmReply reply = await client.CompleteAsync(Ask() with { Plugins = [KernelPluginFactory.CreateFromObject(roads, "Roads")] });

        Assert.Equal("[MoveTo, Intersection_4, Agent_0]", reply.Text);
        Assert.Equal([3], roads.Asked);
        Assert.Equal((250, 30, 1), (reply.PromptTokens, reply.CompletionTokens, reply.Attempts));
        Assert.Contains("Roads-Neighbours", server.Requests[0].ToolNames);
    }

    [Fact]
    public async Task CompleteAsync_ToolRoundTrip_IsOneAttemptWhoseRecordHoldsTheFunctionItsArgumentsAndResult()
    {
        var roads = new RoadsPlugin();
        await using var server = ScriptedOpenAiServer.Start(
            ScriptStep.ToolCall("Roads-Neighbours", """{"intersection":3}"""),
            ScriptStep.Reply("[MoveTo, Intersection_4, Agent_0]"));
        using LlmChatClient client = Client(Fast(server));

        await client.CompleteAsync(Ask() with { Plugins = [KernelPluginFactory.CreateFromObject(roads, "Roads")] });

        Assert.Equal(2, server.Requests.Count);
        LlmCallRecord record = Assert.Single(_transcript);
        Assert.Equal((1, LlmOutcome.Ok), (record.Attempt, record.Outcome));
        LlmToolCall tool = Assert.Single(record.ToolCalls);
        Assert.Equal("Roads-Neighbours", tool.Function);
        Assert.Equal(3, JsonDocument.Parse(tool.Arguments).RootElement.GetProperty("intersection").GetInt32());
        Assert.Equal("2, 4", tool.Result);
    }

    [Fact]
    public async Task CompleteAsync_ServerErrorAfterAToolRound_RetriesThatRequestAndRecordsTheToolCallOnTheFailedAttempt()
    {
        var roads = new RoadsPlugin();
        await using var server = ScriptedOpenAiServer.Start(
            ScriptStep.ToolCall("Roads-Neighbours", """{"intersection":3}"""),
            ScriptStep.Status(500),
            ScriptStep.Respond(request => request.Messages.Any(m => m.Role == "tool")
                ? ScriptStep.Reply("[MoveTo, Intersection_4, Agent_0]")
                : ScriptStep.Status(400)));
        using LlmChatClient client = Client(Fast(server));

        LlmReply reply = await client.CompleteAsync(Ask() with { Plugins = [KernelPluginFactory.CreateFromObject(roads, "Roads")] });

        // The function ran once: the retry repeated the failed request, not the whole conversation.
        Assert.Equal([3], roads.Asked);
        Assert.Equal(("[MoveTo, Intersection_4, Agent_0]", 2), (reply.Text, reply.Attempts));
        Assert.Equal([(1, LlmOutcome.ServerError, 1), (2, LlmOutcome.Ok, 0)], _transcript.Select(r => (r.Attempt, r.Outcome, r.ToolCalls.Count)));
        Assert.Equal("Roads-Neighbours", _transcript.First().ToolCalls[0].Function);
    }

    [Fact]
    public async Task TestConnection_AnsweringEndpoint_ReportsTheReply()
    {
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Reply(" ready\n"));
        using LlmChatClient client = Client(Fast(server));

        LlmConnectionTest test = await client.TestConnectionAsync();

        Assert.Equal((true, "ready", null), (test.Ok, test.Reply, test.Error));
        Assert.Equal(LlmChatClient.ConnectionTestPrompt, Assert.Single(server.Requests).UserPrompt);
    }

    [Fact]
    public async Task TestConnection_FailingEndpoint_ReportsTheErrorAfterOneAttempt()
    {
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Status(503));
        using LlmChatClient client = Client(Fast(server));

        LlmConnectionTest test = await client.TestConnectionAsync();

        Assert.False(test.Ok);
        Assert.Null(test.Reply);
        Assert.Contains($"{server.Host} failed with HTTP 503", test.Error, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData(0, 0.999, 100)]
    [InlineData(3, 0.5, 400)]
    [InlineData(10, 1.0, 5000)]
    [InlineData(2, 0.0, 0)]
    public void BackoffDelay_IsAJitteredShareOfTheCappedExponential(int retry, double unit, double expectedMs)
    {
        TimeSpan delay = LlmChatClient.BackoffDelay(retry, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), unit);

        Assert.Equal(expectedMs, delay.TotalMilliseconds, precision: 0);
    }

    [Fact]
    public void Endpoint_OutOfRangeSettings_AreRejectedNamingTheSetting()
    {
        var endpoint = new LlmEndpoint(new Uri("http://127.0.0.1:1/v1"), "m") { MaxConcurrency = 0 };

        ArgumentException error = Assert.Throws<ArgumentException>(() => new LlmChatClient(LlmHttp.Shared, endpoint));

        Assert.Contains("MaxConcurrency must be at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_FromOptions_IsNullWithoutConfigurationAndHidesTheKey()
    {
        Assert.Null(LlmEndpoint.FromOptions(new LlmOptions()));

        LlmEndpoint endpoint = LlmEndpoint.FromOptions(new LlmOptions
        {
            Endpoint = "https://user:pw@api.example.com/v1?key=abc",
            Model = "gpt-test",
            ApiKey = Key,
        })!;

        Assert.Equal("api.example.com", endpoint.Host);
        Assert.Equal("gpt-test at https://api.example.com/v1 (API key set)", endpoint.ToString());
        Assert.Throws<ArgumentException>(() => LlmEndpoint.FromOptions(new LlmOptions { Endpoint = "not a url", Model = "m" }));
    }

    private sealed class RoadsPlugin
    {
        public List<int> Asked { get; } = [];

        [KernelFunction, Description("Lists the intersections adjacent to an intersection.")]
        public string Neighbours([Description("The intersection id.")] int intersection)
        {
            Asked.Add(intersection);
            return "2, 4";
        }
    }
}
