// The HTTP client every LLM call goes through: pooled handlers from IHttpClientFactory and one resilience pipeline whose settings come from the call.
using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// Registers the named <see cref="HttpClient"/> that <see cref="LlmChatClient"/> hands to Semantic
/// Kernel. Its pipeline, outermost first: retry (timeouts, 429 honouring Retry-After, 5xx, dropped
/// connections and non-answers; full-jitter backoff; a fixed budget per call), a concurrency limit
/// (per client, so waiting for a slot is not part of an attempt), the per-attempt timeout, and
/// <see cref="LlmAttemptHandler"/>, which records every attempt for the transcript.
/// </summary>
/// <remarks>
/// One pipeline serves every endpoint; each strategy reads its numbers from the
/// <see cref="LlmCall"/> in flight, which <see cref="LlmChatClient"/> sets around each call. The
/// factory pools the socket handler, so generations share connections instead of each building its
/// own. The pipeline's clock is the container's <see cref="TimeProvider"/> when one is registered.
/// </remarks>
public static class LlmHttp
{
    /// <summary>The name of the LLM client in the factory.</summary>
    public const string ClientName = "Leed.Llm";

    private static readonly Lazy<ServiceProvider> Standalone = new(() => CreateServices());

    /// <summary>The factory of a process without a container of its own (the command line).</summary>
    public static IHttpClientFactory Shared => Standalone.Value.GetRequiredService<IHttpClientFactory>();

    /// <summary>A container holding only this registration, e.g. for a test that drives the pipeline's clock.</summary>
    public static ServiceProvider CreateServices(TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        if (time is not null) services.AddSingleton(time);
        services.AddLlmHttp();
        return services.BuildServiceProvider();
    }

    /// <summary>Adds the LLM client and its pipeline to <paramref name="services"/>.</summary>
    public static IServiceCollection AddLlmHttp(this IServiceCollection services)
    {
        IHttpClientBuilder client = services.AddHttpClient(ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // the pipeline times attempts
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Long-lived pool: re-resolve DNS now and then rather than pinning one address forever.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        // Handlers run in the order added: the pipeline, then (once per attempt) the recorder.
        client.AddResilienceHandler("llm", pipeline => pipeline
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = int.MaxValue, // each call's own budget decides, in ShouldHandle
                    ShouldHandle = arguments => ValueTask.FromResult(LlmCall.Require().ShouldRetry()),
                    DelayGenerator = arguments => ValueTask.FromResult<TimeSpan?>(LlmCall.Require().NextDelay()),
                })
                .AddRateLimiter(new RateLimiterStrategyOptions
                {
                    RateLimiter = arguments => LlmCall.Require().Slots.AcquireAsync(1, arguments.Context.CancellationToken),
                })
                .AddTimeout(new TimeoutStrategyOptions
                {
                    TimeoutGenerator = arguments => ValueTask.FromResult(LlmCall.Require().Timeout),
                }));
        client.AddHttpMessageHandler(() => new LlmAttemptHandler());
        return services;
    }
}

/// <summary>
/// One <see cref="LlmChatClient"/> call as the pipeline sees it: its settings, its remaining retry
/// budget, and the attempts made so far. Flows from the call down through Semantic Kernel and the
/// OpenAI SDK in an <see cref="AsyncLocal{T}"/>, the one channel those layers leave open.
/// </summary>
internal sealed class LlmCall(LlmEndpoint endpoint, int maxRetries, RateLimiter slots, CancellationToken cancellation, Action<HttpAttempt> onFailure)
{
    private static readonly AsyncLocal<LlmCall?> Current = new();

    private readonly Lock _gate = new();
    private HttpAttempt? _unjudged;
    private int _retries;

    public TimeSpan Timeout => endpoint.Timeout;

    public RateLimiter Slots => slots;

    /// <summary>The caller's token linked with the client's disposal: when it is cancelled, nothing is retried.</summary>
    public CancellationToken Cancellation => cancellation;

    /// <summary>Failed attempts so far (each has been reported as it happened).</summary>
    public int Failures { get; private set; }

    /// <summary>The latest attempt, failed or not.</summary>
    public HttpAttempt? Last { get; private set; }

    /// <summary>When the first attempt after the latest failure started: the answer's own attempt (tool rounds included) began there.</summary>
    public HttpAttempt? FirstSinceFailure { get; private set; }

    /// <summary>Makes this the call in flight for everything awaited inside the returned scope.</summary>
    public Scope Enter()
    {
        LlmCall? outer = Current.Value;
        Current.Value = this;
        return new Scope(outer);
    }

    public static LlmCall Require() =>
        Current.Value ?? throw new InvalidOperationException($"The {LlmHttp.ClientName} HTTP client only sends requests of an LlmChatClient call.");

    public void Report(HttpAttempt attempt)
    {
        lock (_gate)
        {
            Last = attempt;
            _unjudged = attempt;
            if (attempt.Failed)
            {
                Failures++;
                FirstSinceFailure = null;
            }
            else
            {
                FirstSinceFailure ??= attempt;
            }
        }
        if (attempt.Failed) onFailure(attempt);
    }

    /// <summary>Whether the attempt just reported should be tried again; takes one retry from the budget when it should.</summary>
    public bool ShouldRetry()
    {
        lock (_gate)
        {
            HttpAttempt? attempt = _unjudged;
            _unjudged = null;
            // No attempt reported means the failure came before the wire (e.g. cancelled waiting for a slot).
            if (attempt is null || !attempt.Failed || !attempt.Transient || cancellation.IsCancellationRequested) return false;
            if (_retries >= maxRetries || attempt.RetryAfter > endpoint.MaxDelay) return false;
            _retries++;
            return true;
        }
    }

    /// <summary>The wait before the next attempt: what the server asked for, else a full-jitter backoff.</summary>
    public TimeSpan NextDelay()
    {
        lock (_gate)
        {
            return Last?.RetryAfter is TimeSpan asked
                ? asked
                : LlmChatClient.BackoffDelay(_retries - 1, endpoint.BaseDelay, endpoint.MaxDelay, Random.Shared.NextDouble());
        }
    }

    /// <summary>Restores the call that was in flight before (none, usually).</summary>
    public readonly struct Scope(LlmCall? outer) : IDisposable
    {
        public void Dispose() => Current.Value = outer;
    }
}
