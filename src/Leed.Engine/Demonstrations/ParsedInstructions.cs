// What parsing an LLM answer produced: typed instructions with their source positions, and located errors to feed back.
using System.Globalization;

namespace Leed.Engine.Demonstrations;

/// <summary>Which shape of answer the instructions were read from.</summary>
public enum AnswerFormat
{
    /// <summary>Nothing instruction-like was found.</summary>
    None,

    /// <summary>The structured JSON answer <c>{"agents":[{"agent":0,"instructions":[...]}]}</c>, or a JSON object that failed to be one (then with its error).</summary>
    Json,

    /// <summary>Bracketed instruction lines found anywhere in a text that holds no JSON object.</summary>
    Lines,
}

/// <summary>An instruction and where it was written (1-based line and column in the answer's text).</summary>
public sealed record LocatedInstruction(Instruction Instruction, int Line, int Column);

/// <summary>
/// A problem in an answer, located so that it can be shown beside the text and sent back to the
/// model. <see cref="Line"/> is 0 when the problem concerns the answer as a whole.
/// </summary>
/// <param name="Line">1-based line in the answer's text, or 0 for the whole answer.</param>
/// <param name="Column">1-based column, or 0 for the whole answer.</param>
/// <param name="Text">The offending text exactly as written (may be empty).</param>
/// <param name="Reason">What is wrong and what was expected.</param>
/// <param name="JsonPath">For JSON answers, where in the document, e.g. <c>$.agents[0].instructions[2]</c>.</param>
/// <param name="Agent">The agent the malformed piece belongs to (its JSON entry, or the <c>Agent_i</c> it names), or null when
/// it concerns no single agent; the refinement loop uses it to send each error back with its agent.</param>
public sealed record ParseError(int Line, int Column, string Text, string Reason, string? JsonPath = null, int? Agent = null)
{
    /// <summary>One line of feedback, e.g. <c>line 3, column 1: [Fly, 3, Agent_1]: unknown command 'Fly' ...</c>.</summary>
    public override string ToString()
    {
        string where = Line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"line {Line}, column {Column}")
            : "answer";
        if (JsonPath is not null) where += $" ({JsonPath})";
        return Text.Length > 0 ? $"{where}: {Text}: {Reason}" : $"{where}: {Reason}";
    }
}

/// <summary>The result of <see cref="InstructionParser.ParseAnswer"/> or <see cref="InstructionParser.ParseLines(string?, int)"/>.</summary>
public sealed record ParsedInstructions
{
    /// <summary>
    /// Every well-formed instruction, in the order it was written. A wait longer than the episode is
    /// here too (as written), with its error in <see cref="Errors"/>, so that its route is judged as written.
    /// </summary>
    public required IReadOnlyList<LocatedInstruction> Instructions { get; init; }

    /// <summary>Every malformed piece, in the order it was written. Empty when the answer is well-formed.</summary>
    public required IReadOnlyList<ParseError> Errors { get; init; }

    /// <summary>Which shape of answer was read.</summary>
    public required AnswerFormat Format { get; init; }

    /// <summary>
    /// Agents a JSON answer listed explicitly, even with no instructions, so that "agent 2 has an
    /// empty route" stays visible to validation instead of the agent silently disappearing.
    /// </summary>
    public IReadOnlyList<int> DeclaredAgents { get; init; } = [];

    /// <summary>True when the answer had no malformed parts.</summary>
    public bool IsWellFormed => Errors.Count == 0;

    /// <summary>Instructions grouped per agent (ascending agent id), each list in written order.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<Instruction>> ByAgent()
    {
        var groups = new SortedDictionary<int, List<Instruction>>();
        foreach (int agent in DeclaredAgents) groups.TryAdd(agent, []);
        foreach (LocatedInstruction located in Instructions)
        {
            if (!groups.TryGetValue(located.Instruction.Agent, out List<Instruction>? list))
                groups[located.Instruction.Agent] = list = [];
            list.Add(located.Instruction);
        }
        return new SortedDictionary<int, IReadOnlyList<Instruction>>(
            groups.ToDictionary(g => g.Key, g => (IReadOnlyList<Instruction>)g.Value));
    }
}
