// A local OpenAI-compatible chat server for tests: replays a script of replies and failures and records every request.
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Leed.Engine.Tests.Support;

/// <summary>
/// Listens on <c>http://127.0.0.1:&lt;free port&gt;/</c> and answers <c>POST /v1/chat/completions</c>
/// (or <c>/chat/completions</c>) with the next <see cref="ScriptStep"/>; when the script runs out,
/// the <see cref="Otherwise"/> step answers (by default a 500 saying so, so a test that sends more
/// than it scripted fails loudly). Depends only on the BCL, so other test projects can link it.
/// </summary>
/// <remarks>
/// A minimal HTTP/1.1 server on a raw socket rather than HttpListener: the managed HttpListener
/// turns an abort into an empty 200, and a test of dropped connections needs a real drop. Every
/// response closes its connection, so clients never reuse one and a drop is never retried
/// silently by the client's connection pool.
/// </remarks>
/// <example>
/// <code>
/// await using var server = ScriptedOpenAiServer.Start(ScriptStep.Status(429, retryAfter: "0"), ScriptStep.Reply("[Wait, 1, Agent_0]"));
/// var endpoint = new LlmEndpoint(server.BaseUrl, "test-model");
/// </code>
/// </example>
public sealed class ScriptedOpenAiServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ScriptStep> _script = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly Task _acceptLoop;
    private ScriptStep _otherwise = ScriptStep.Status(500, """{"error":{"message":"the test script ran out of steps"}}""");
    private int _inFlight;
    private int _maxInFlight;
    private int _unscripted;
    private int _ids;

    private ScriptedOpenAiServer(TcpListener listener)
    {
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Starts a server on a free loopback port with an initial script.</summary>
    public static ScriptedOpenAiServer Start(params ScriptStep[] script)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = new ScriptedOpenAiServer(listener);
        server.Then(script);
        return server;
    }

    /// <summary>The port listened on.</summary>
    public int Port { get; }

    /// <summary>Host and port, as LlmChatClient names the endpoint in messages.</summary>
    public string Host => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>The base URL a client is configured with: <c>http://127.0.0.1:port/v1</c>.</summary>
    public Uri BaseUrl => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/v1"));

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests) return [.. _requests];
        }
    }

    /// <summary>The most requests that were being answered at the same moment.</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    /// <summary>Requests answered by <see cref="Otherwise"/> because the script had run out.</summary>
    public int UnscriptedRequests => Volatile.Read(ref _unscripted);

    /// <summary>Appends steps to the script; each request consumes one.</summary>
    public ScriptedOpenAiServer Then(params ScriptStep[] steps)
    {
        foreach (ScriptStep step in steps) _script.Enqueue(step);
        return this;
    }

    /// <summary>The step that answers every request once the script has run out.</summary>
    public ScriptedOpenAiServer Otherwise(ScriptStep step)
    {
        _otherwise = step;
        return this;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived.</summary>
    public async Task WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (Requests.Count < count)
        {
            await Task.Delay(5, limit.Token);
        }
    }

    /// <summary>Stops listening and ends every open exchange (stalled steps end at once).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_connections.Keys);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Stopped, possibly before this accept began.
                return;
            }
            Task connection = Task.Run(() => HandleAsync(client));
            _connections.TryAdd(connection, true);
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            NetworkStream stream = client.GetStream();
            var exchange = new Exchange(this, client, stream, _stop.Token);
            try
            {
                RecordedRequest? request = await ReadRequestAsync(stream, _stop.Token);
                if (request is null) return;

                int now = Interlocked.Increment(ref _inFlight);
                exchange.Started();
                for (int seen = Volatile.Read(ref _maxInFlight); now > seen; seen = Volatile.Read(ref _maxInFlight))
                {
                    if (Interlocked.CompareExchange(ref _maxInFlight, now, seen) == seen) break;
                }
                lock (_requests) _requests.Add(request);

                bool isChat = request.Method == "POST"
                    && (request.Path.EndsWith("/v1/chat/completions", StringComparison.Ordinal) || request.Path == "/chat/completions");
                if (!isChat)
                {
                    await exchange.SendAsync(404, """{"error":{"message":"not a chat completions path"}}""");
                    return;
                }

                if (!_script.TryDequeue(out ScriptStep? step))
                {
                    Interlocked.Increment(ref _unscripted);
                    step = _otherwise;
                }
                await step.RunAsync(exchange, request);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The client gave up (timeout, cancellation) or the server is stopping: nothing to answer.
            }
            finally
            {
                exchange.Finish();
            }
        }
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var reader = new HttpReader(stream, cancellationToken);
        string? requestLine = await reader.ReadLineAsync();
        if (string.IsNullOrEmpty(requestLine)) return null;
        string[] parts = requestLine.Split(' ');
        if (parts.Length != 3) return null;

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (string? line = await reader.ReadLineAsync(); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync())
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        if (headers.TryGetValue("Expect", out string? expect) && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), cancellationToken);

        byte[] body;
        if (headers.TryGetValue("Transfer-Encoding", out string? encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var collected = new MemoryStream();
            while (true)
            {
                string size = (await reader.ReadLineAsync() ?? "0").Split(';')[0].Trim();
                int length = int.Parse(size, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (length == 0) break;
                collected.Write(await reader.ReadExactlyAsync(length));
                await reader.ReadLineAsync();
            }
            while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
            {
                // Trailers: none expected, skipped.
            }
            body = collected.ToArray();
        }
        else
        {
            int length = headers.TryGetValue("Content-Length", out string? declared)
                ? int.Parse(declared, NumberStyles.None, CultureInfo.InvariantCulture)
                : 0;
            body = await reader.ReadExactlyAsync(length);
        }

        string path = parts[1];
        int query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) path = path[..query];
        headers.TryGetValue("Authorization", out string? authorization);
        return new RecordedRequest(parts[0], path, authorization, Encoding.UTF8.GetString(body), DateTimeOffset.UtcNow);
    }

    /// <summary>Buffered reads of lines and byte runs from a request stream.</summary>
    private sealed class HttpReader(Stream stream, CancellationToken cancellationToken)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;
        private int _consumed;

        public async Task<string?> ReadLineAsync()
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync()) return line.Count == 0 ? null : Encoding.ASCII.GetString([.. line]);
                byte next = _buffer[_start++];
                if (++_consumed > MaxHeaderBytes + MaxBodyBytes) throw new IOException("request too large");
                if (next == (byte)'\n')
                {
                    if (line.Count > 0 && line[^1] == (byte)'\r') line.RemoveAt(line.Count - 1);
                    return Encoding.ASCII.GetString([.. line]);
                }
                line.Add(next);
                if (line.Count > MaxHeaderBytes) throw new IOException("header line too long");
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count)
        {
            if (count is < 0 or > MaxBodyBytes) throw new IOException("body too large");
            byte[] result = new byte[count];
            int filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync()) throw new IOException("request ended early");
                int take = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, result, filled, take);
                _start += take;
                filled += take;
            }
            return result;
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }
    }

    /// <summary>One request being answered; what a <see cref="ScriptStep"/> acts on.</summary>
    public sealed class Exchange
    {
        private readonly ScriptedOpenAiServer _server;
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private int _state;

        internal Exchange(ScriptedOpenAiServer server, TcpClient client, NetworkStream stream, CancellationToken stopping)
        {
            _server = server;
            _client = client;
            _stream = stream;
            Stopping = stopping;
        }

        /// <summary>Cancelled when the server shuts down.</summary>
        public CancellationToken Stopping { get; }

        /// <summary>A fresh id with a prefix, e.g. <c>chatcmpl-3</c>.</summary>
        public string NextId(string prefix) =>
            prefix + Interlocked.Increment(ref _server._ids).ToString(CultureInfo.InvariantCulture);

        /// <summary>Writes a whole response and closes the connection.</summary>
        public async Task SendAsync(int status, string body, string contentType = "application/json",
            IReadOnlyDictionary<string, string>? headers = null)
        {
            // Counted as finished before the bytes go out: the client may start its next request the
            // moment it has them, and that must not look like an extra concurrent request.
            Finish();
            byte[] content = Encoding.UTF8.GetBytes(body);
            var head = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n")
                .Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}; charset=utf-8\r\n")
                .Append(CultureInfo.InvariantCulture, $"Content-Length: {content.Length}\r\n")
                .Append("Connection: close\r\n");
            foreach ((string name, string value) in headers ?? new Dictionary<string, string>())
                head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
            head.Append("\r\n");
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), Stopping);
            await _stream.WriteAsync(content, Stopping);
            await _stream.FlushAsync(Stopping);
            _client.Client.Shutdown(SocketShutdown.Send);
        }

        /// <summary>Closes the connection without a response (the client sees the response end early).</summary>
        public void Close()
        {
            Finish();
            _client.Client.Shutdown(SocketShutdown.Both);
            _client.Close();
        }

        /// <summary>Resets the connection (TCP RST; the client sees "connection reset").</summary>
        public void Reset()
        {
            Finish();
            _client.Client.LingerState = new LingerOption(true, 0);
            _client.Close();
        }

        internal void Started() => Interlocked.Exchange(ref _state, 1);

        internal void Finish()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 1) == 1) Interlocked.Decrement(ref _server._inFlight);
        }

        private static string ReasonPhrase(int status) => status switch
        {
            200 => "OK",
            _ => Enum.IsDefined(typeof(HttpStatusCode), status)
                ? System.Text.RegularExpressions.Regex.Replace(((HttpStatusCode)status).ToString(), "(?<=[a-z])(?=[A-Z])", " ")
                : "Status",
        };
    }
}

/// <summary>What the scripted server does with one request.</summary>
public sealed class ScriptStep
{
    private readonly Func<ScriptedOpenAiServer.Exchange, RecordedRequest, Task> _run;

    private ScriptStep(string description, Func<ScriptedOpenAiServer.Exchange, RecordedRequest, Task> run)
    {
        Description = description;
        _run = run;
    }

    /// <summary>What the step does, for test output.</summary>
    public string Description { get; }

    /// <inheritdoc />
    public override string ToString() => Description;

    internal Task RunAsync(ScriptedOpenAiServer.Exchange exchange, RecordedRequest request) => _run(exchange, request);

    /// <summary>A chat completion whose assistant message is <paramref name="content"/>, with usage.</summary>
    public static ScriptStep Reply(string content, int promptTokens = 11, int completionTokens = 7) =>
        new($"reply {Shorten(content)}", (exchange, request) =>
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = content };
            return exchange.SendAsync(200, Completion(exchange, request, message, "stop", promptTokens, completionTokens));
        });

    /// <summary>A chat completion in which the model calls one function (Semantic Kernel names it <c>Plugin-Function</c>).</summary>
    public static ScriptStep ToolCall(string functionName, string argumentsJson, int promptTokens = 11, int completionTokens = 7) =>
        new($"tool call {functionName}", (exchange, request) =>
        {
            var call = new JsonObject
            {
                ["id"] = exchange.NextId("call_"),
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = functionName, ["arguments"] = argumentsJson },
            };
            var message = new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(call) };
            return exchange.SendAsync(200, Completion(exchange, request, message, "tool_calls", promptTokens, completionTokens));
        });

    /// <summary>An HTTP status with an OpenAI-style error body, optionally with a Retry-After header.</summary>
    public static ScriptStep Status(int statusCode, string? body = null, string? retryAfter = null) =>
        new($"status {statusCode}", (exchange, _) =>
        {
            string json = body ?? new JsonObject
            {
                ["error"] = new JsonObject { ["message"] = $"scripted status {statusCode}", ["type"] = "scripted" },
            }.ToJsonString();
            Dictionary<string, string>? headers = retryAfter is null ? null : new() { ["Retry-After"] = retryAfter };
            return exchange.SendAsync(statusCode, json, headers: headers);
        });

    /// <summary>A raw response, e.g. an HTML error page with status 200.</summary>
    public static ScriptStep Raw(int statusCode, string body, string contentType) =>
        new($"raw {statusCode} {contentType}", (exchange, _) => exchange.SendAsync(statusCode, body, contentType));

    /// <summary>Waits (longer than the client's timeout, typically), then runs <paramref name="then"/> if anyone still listens.</summary>
    public static ScriptStep Stall(TimeSpan delay, ScriptStep? then = null) =>
        new($"stall {delay.TotalMilliseconds} ms", async (exchange, request) =>
        {
            await Task.Delay(delay, exchange.Stopping);
            await (then ?? Reply("too late")).RunAsync(exchange, request);
        });

    /// <summary>Closes the connection without sending anything back.</summary>
    public static ScriptStep CloseConnection() =>
        new("close connection", (exchange, _) =>
        {
            exchange.Close();
            return Task.CompletedTask;
        });

    /// <summary>Resets the connection (TCP RST) without sending anything back.</summary>
    public static ScriptStep ResetConnection() =>
        new("reset connection", (exchange, _) =>
        {
            exchange.Reset();
            return Task.CompletedTask;
        });

    /// <summary>Lets the test look at the request and choose the step, e.g. to check the prompt or the response_format.</summary>
    public static ScriptStep Respond(Func<RecordedRequest, ScriptStep> decide) =>
        new("respond by delegate", (exchange, request) => decide(request).RunAsync(exchange, request));

    private static string Completion(ScriptedOpenAiServer.Exchange exchange, RecordedRequest request, JsonObject message,
        string finishReason, int promptTokens, int completionTokens) =>
        new JsonObject
        {
            ["id"] = exchange.NextId("chatcmpl-"),
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = request.Model ?? "scripted",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = finishReason,
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        }.ToJsonString();

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

/// <summary>A request the scripted server received, with helpers to read the chat payload.</summary>
/// <param name="method">HTTP method.</param>
/// <param name="path">URL path, e.g. <c>/v1/chat/completions</c>.</param>
/// <param name="authorization">The Authorization header as sent, or null.</param>
/// <param name="body">The raw request body.</param>
/// <param name="receivedAt">Arrival time.</param>
public sealed class RecordedRequest(string method, string path, string? authorization, string body, DateTimeOffset receivedAt)
{
    private JsonNode? _json;
    private bool _parsed;

    public string Method { get; } = method;
    public string Path { get; } = path;
    public string? Authorization { get; } = authorization;
    public string Body { get; } = body;
    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    /// <summary>The body as JSON, or null when it is not JSON.</summary>
    public JsonNode? Json
    {
        get
        {
            if (_parsed) return _json;
            try
            {
                _json = JsonNode.Parse(Body);
            }
            catch (JsonException)
            {
                _json = null;
            }
            _parsed = true;
            return _json;
        }
    }

    /// <summary>The <c>model</c> field.</summary>
    public string? Model => Json?["model"]?.GetValue<string>();

    /// <summary>Every message as (role, text); array contents are joined from their text parts.</summary>
    public IReadOnlyList<(string Role, string Content)> Messages =>
        Json?["messages"] is JsonArray messages
            ? [.. messages.OfType<JsonObject>().Select(m => (m["role"]?.GetValue<string>() ?? "", TextOf(m["content"])))]
            : [];

    /// <summary>The first system message.</summary>
    public string? SystemPrompt => Messages.Where(m => m.Role == "system").Select(m => m.Content).FirstOrDefault();

    /// <summary>The last user message.</summary>
    public string? UserPrompt => Messages.Where(m => m.Role == "user").Select(m => m.Content).LastOrDefault();

    /// <summary>The <c>response_format</c> object as JSON text, or null when absent.</summary>
    public string? ResponseFormat => Json?["response_format"]?.ToJsonString();

    /// <summary>The names of the functions offered as tools.</summary>
    public IReadOnlyList<string> ToolNames =>
        Json?["tools"] is JsonArray tools
            ? [.. tools.OfType<JsonObject>().Select(t => t["function"]?["name"]?.GetValue<string>() ?? "")]
            : [];

    private static string TextOf(JsonNode? content) => content switch
    {
        null => "",
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonArray parts => string.Concat(parts.OfType<JsonObject>().Select(p => p["text"]?.GetValue<string>() ?? "")),
        _ => content.ToJsonString(),
    };
}
