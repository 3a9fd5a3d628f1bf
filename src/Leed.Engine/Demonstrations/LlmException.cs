// The failure types of the LLM path: one call without an answer, and a generation in which every call failed; never the key.
namespace Leed.Engine.Demonstrations;

/// <summary>A chat call that did not produce an answer. The message is written for the user.</summary>
/// <remarks>Not sealed: <see cref="LlmGenerationException"/> is the same failure seen from a whole generation.</remarks>
public class LlmException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> must already be free of secrets.</summary>
    public LlmException(string message, LlmOutcome outcome, string endpointHost, int attempts, int? statusCode = null)
        : this(message, outcome, endpointHost, attempts, statusCode, inner: null)
    {
    }

    /// <summary>Creates the exception with the failure that caused it.</summary>
    public LlmException(string message, LlmOutcome outcome, string endpointHost, int attempts, int? statusCode, Exception? inner)
        : base(message, inner)
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

/// <summary>
/// A generation by <see cref="LlmDemonstrator"/> in which no call produced an answer, so there is
/// nothing to store. The message names the endpoint and the last failure.
/// </summary>
public sealed class LlmGenerationException : LlmException
{
    /// <summary>Creates the exception from the last call's failure.</summary>
    public LlmGenerationException(string message, LlmException last, IReadOnlyList<LlmCallRecord> transcript)
        : base(message, last.Outcome, last.EndpointHost, transcript.Count, last.StatusCode, last)
    {
        Transcript = transcript;
    }

    /// <summary>Every attempt made, failed ones included, for showing what happened.</summary>
    public IReadOnlyList<LlmCallRecord> Transcript { get; }
}
