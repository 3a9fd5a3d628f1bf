// The one failure type of LlmChatClient: says what happened, at which host, after how many attempts; never the key.
namespace Leed.Engine.Demonstrations;

/// <summary>A chat call that did not produce an answer. The message is written for the user.</summary>
public sealed class LlmException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> must already be free of secrets.</summary>
    public LlmException(string message, LlmOutcome outcome, string endpointHost, int attempts, int? statusCode = null)
        : base(message)
    {
        Outcome = outcome;
        EndpointHost = endpointHost;
        Attempts = attempts;
        StatusCode = statusCode;
    }

    /// <summary>How the last attempt ended.</summary>
    public LlmOutcome Outcome { get; }

    /// <summary>Host and port of the endpoint.</summary>
    public string EndpointHost { get; }

    /// <summary>HTTP attempts made.</summary>
    public int Attempts { get; }

    /// <summary>HTTP status of the last attempt, when there was one.</summary>
    public int? StatusCode { get; }
}
