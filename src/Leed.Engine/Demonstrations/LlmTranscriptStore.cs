// LLM transcripts in the store: every attempt of a generation, linked to the demonstration set it produced.
using Leed.Engine.Storage;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// One stored attempt. LiteDB maps <see cref="LlmCallRecord"/> as it is (through its constructor),
/// so the record is kept whole and this wrapper only adds the link to its set and the order.
/// </summary>
public sealed class StoredLlmCall
{
    /// <summary>The record's own id.</summary>
    public Guid Id { get; set; }

    /// <summary>Id of the demonstration set (version 1 of its family) the generation produced.</summary>
    public int SetId { get; set; }

    /// <summary>Position in the generation's transcript, from 0.</summary>
    public int Sequence { get; set; }

    public LlmCallRecord Call { get; set; } = null!;
}

/// <summary>
/// Reads and writes the <c>llm_transcripts</c> collection. Records carry the endpoint's host and
/// the model, never the API key (the client never puts it in a record).
/// </summary>
public sealed class LlmTranscriptStore(ILeedStore store)
{
    public const string CollectionName = "llm_transcripts";

    private LiteDB.ILiteCollection<StoredLlmCall> Calls
    {
        get
        {
            LiteDB.ILiteCollection<StoredLlmCall> calls = store.Collection<StoredLlmCall>(CollectionName);
            calls.EnsureIndex(call => call.SetId);
            return calls;
        }
    }

    /// <summary>Stores a generation's transcript for the set saved from it, all records or none.</summary>
    /// <returns>How many records were stored.</returns>
    public int Save(int setId, IReadOnlyList<LlmCallRecord> transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        if (transcript.Count == 0) return 0;
        StoredLlmCall[] rows = [.. transcript.Select((call, index) => new StoredLlmCall { Id = call.Id, SetId = setId, Sequence = index, Call = call })];
        return store.InTransaction(() => Calls.InsertBulk(rows));
    }

    /// <summary>The transcript of a set, in the order the attempts ended; empty for sets made without an LLM.</summary>
    public IReadOnlyList<LlmCallRecord> ForSet(int setId) =>
        [.. Calls.Find(call => call.SetId == setId).OrderBy(call => call.Sequence).Select(call => call.Call)];

    public int CountForSet(int setId) => Calls.Count(call => call.SetId == setId);
}
