// LLM transcripts in the store: every attempt of a generation, exactly as sent and received, linked to the set it produced.
using Leed.Engine.Storage;
using LiteDB;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// Reads and writes the <c>llm_transcripts</c> collection: one document per <see cref="LlmCallRecord"/>
/// (its tool calls as an array of <c>Function</c>, <c>Arguments</c>, <c>Result</c>) plus <c>SetId</c>
/// and <c>Sequence</c>. Records carry the endpoint's host and the model, never the API key (the
/// client never puts it in a record). Documents written before tool calls were recorded read back
/// with none.
/// </summary>
/// <remarks>
/// LiteDB can map the record as it is (through its constructor), but its default mapper trims
/// strings and turns empty ones into null: a prompt would lose its last line break and an empty
/// answer would read back as a failed attempt. Documents are therefore written field by field,
/// which keeps every text byte for byte.
/// </remarks>
public sealed class LlmTranscriptStore(ILeedStore store)
{
    public const string CollectionName = "llm_transcripts";

    private ILiteCollection<BsonDocument> Calls
    {
        get
        {
            ILiteCollection<BsonDocument> calls = store.Collection<BsonDocument>(CollectionName);
            calls.EnsureIndex("SetId");
            return calls;
        }
    }

    /// <summary>Stores a generation's transcript for the set saved from it, all records or none.</summary>
    /// <returns>How many records were stored.</returns>
    public int Save(int setId, IReadOnlyList<LlmCallRecord> transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (transcript.Count == 0) return 0;
        BsonDocument[] documents = [.. transcript.Select((call, index) => ToDocument(setId, index, call))];
        return store.InTransaction(() => Calls.InsertBulk(documents));
    }

    /// <summary>The transcript of a set, in the order the attempts ended; empty for sets made without an LLM.</summary>
    public IReadOnlyList<LlmCallRecord> ForSet(int setId) =>
        [.. Calls.Find(Query.EQ("SetId", setId)).OrderBy(document => document["Sequence"].AsInt32).Select(FromDocument)];

    public int CountForSet(int setId) => Calls.Count(Query.EQ("SetId", setId));

    private static BsonDocument ToDocument(int setId, int sequence, LlmCallRecord call) => new()
    {
        ["_id"] = call.Id,
        ["SetId"] = setId,
        ["Sequence"] = sequence,
        ["CallId"] = call.CallId,
        ["Round"] = call.Round,
        ["Agents"] = new BsonArray(call.Agents.Select(agent => new BsonValue(agent))),
        ["SystemPrompt"] = call.SystemPrompt,
        ["UserPrompt"] = call.UserPrompt,
        ["Response"] = call.Response is null ? BsonValue.Null : new BsonValue(call.Response),
        ["PromptTokens"] = call.PromptTokens,
        ["CompletionTokens"] = call.CompletionTokens,
        ["LatencyMs"] = call.LatencyMs,
        ["Attempt"] = call.Attempt,
        ["Outcome"] = call.Outcome.ToString(),
        ["Error"] = call.Error is null ? BsonValue.Null : new BsonValue(call.Error),
        ["EndpointHost"] = call.EndpointHost,
        ["Model"] = call.Model,
        ["UsedResponseFormat"] = call.UsedResponseFormat,
        ["Timestamp"] = call.Timestamp.UtcDateTime,
        ["ToolCalls"] = new BsonArray(call.ToolCalls.Select(tool => new BsonDocument
        {
            ["Function"] = tool.Function,
            ["Arguments"] = tool.Arguments,
            ["Result"] = tool.Result is null ? BsonValue.Null : new BsonValue(tool.Result),
        })),
    };

    private static LlmCallRecord FromDocument(BsonDocument document) => new(
        document["_id"].AsGuid,
        document["CallId"].AsGuid,
        document["Round"].AsInt32,
        [.. document["Agents"].AsArray.Select(agent => agent.AsInt32)],
        document["SystemPrompt"].AsString,
        document["UserPrompt"].AsString,
        document["Response"].IsNull ? null : document["Response"].AsString,
        document["PromptTokens"].AsInt32,
        document["CompletionTokens"].AsInt32,
        document["LatencyMs"].AsDouble,
        document["Attempt"].AsInt32,
        Enum.TryParse(document["Outcome"].AsString, out LlmOutcome outcome) ? outcome : LlmOutcome.ServerError,
        document["Error"].IsNull ? null : document["Error"].AsString,
        document["EndpointHost"].AsString,
        document["Model"].AsString,
        document["UsedResponseFormat"].AsBoolean,
        new DateTimeOffset(DateTime.SpecifyKind(document["Timestamp"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc)))
    {
        ToolCalls = document.TryGetValue("ToolCalls", out BsonValue tools) && tools.IsArray
            ? [.. tools.AsArray.Select(tool => new LlmToolCall(tool["Function"].AsString, tool["Arguments"].AsString,
                tool["Result"].IsNull ? null : tool["Result"].AsString))]
            : [],
    };
}
