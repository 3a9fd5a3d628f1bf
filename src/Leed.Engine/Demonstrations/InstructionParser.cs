// Turns an LLM's answer text into typed instructions plus located errors; pure, and the answer is only ever data.
using System.Globalization;
using System.Text.RegularExpressions;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// Reads demonstrations written in the instruction grammar (ENVIRONMENT.md section 6):
/// <c>[MoveTo, Intersection_k, Agent_i]</c> and <c>[Wait, s, Agent_i]</c>, one per line, or the
/// structured JSON answer <c>{"agents":[{"agent":0,"instructions":["[MoveTo, Intersection_3, Agent_0]"]}]}</c>.
/// </summary>
/// <remarks>
/// Models wrap answers in prose, fences and odd casing, so the reader is lenient about layout but
/// strict about content: anything that looks like an instruction and is not exactly one becomes a
/// <see cref="ParseError"/> with its position, which the refinement loop sends back verbatim.
/// The text is matched against fixed patterns and turned into records; it is never evaluated,
/// executed or spliced into anything that is.
/// <para>
/// Numbers are bounded by the caller's episode: a wait longer than <c>maxWait</c> steps (the
/// episode's <c>MaxSteps</c>) is an error at its line. Such a wait is still returned as written
/// (saturated at <see cref="int.MaxValue"/> when it does not fit an int), so that the route it
/// belongs to is judged as the model wrote it and fails validation, rather than silently becoming a
/// shorter route that happens to be valid. Nothing here allocates in proportion to a number.
/// </para>
/// </remarks>
public static partial class InstructionParser
{
    internal const string ExpectedForm =
        "expected lines such as [MoveTo, Intersection_3, Agent_0] or [Wait, 2, Agent_0], " +
        "or the JSON answer {\"agents\":[{\"agent\":0,\"instructions\":[\"[MoveTo, Intersection_3, Agent_0]\"]}]}";

    /// <summary>
    /// Reads an answer in either format: the JSON answer when the text holds a JSON object (the last
    /// complete one with an <c>"agents"</c> property, bare, fenced or amid prose), otherwise the line
    /// grammar. Once the text holds a JSON object, only JSON is read: its errors are reported and
    /// bracketed text in the surrounding prose is never taken for instructions.
    /// </summary>
    /// <param name="text">The model's reply.</param>
    /// <param name="maxWait">The longest wait allowed, in steps: the episode's <c>MaxSteps</c>.</param>
    public static ParsedInstructions ParseAnswer(string? text, int maxWait)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Failed(new ParseError(0, 0, "", "the answer is empty; " + ExpectedForm));

        var map = new TextMap(text);
        if (ReadJsonAnswer(text, map, maxWait) is { } json) return json;

        ParsedInstructions lines = ParseLines(text, map, maxWait);
        if (lines.Instructions.Count > 0 || lines.Errors.Count > 0) return lines;
        return Failed(new ParseError(0, 0, "", "no instructions found in the answer; " + ExpectedForm));
    }

    /// <summary>Reads every bracketed instruction-like token anywhere in <paramref name="text"/>, in order.</summary>
    /// <param name="maxWait">The longest wait allowed, in steps: the episode's <c>MaxSteps</c>.</param>
    public static ParsedInstructions ParseLines(string? text, int maxWait)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Failed(new ParseError(0, 0, "", "the answer is empty; " + ExpectedForm));
        return ParseLines(text, new TextMap(text), maxWait);
    }

    /// <summary>
    /// Reads exactly one instruction, with or without its brackets (e.g. an edit typed in the UI).
    /// </summary>
    /// <param name="maxWait">The longest wait allowed, in steps: the episode's <c>MaxSteps</c>.</param>
    /// <returns>True and the instruction, or false and the reason it is not one (or is out of bounds).</returns>
    public static bool TryParse(string? text, int maxWait, out Instruction? instruction, out string reason)
    {
        bool ok = ReadOne(text, maxWait, out instruction, out reason) == Verdict.Instruction;
        if (!ok) instruction = null;
        return ok;
    }

    /// <summary>How a piece of text read as an instruction.</summary>
    private enum Verdict
    {
        /// <summary>Exactly one instruction, within bounds.</summary>
        Instruction,

        /// <summary>A well-formed instruction whose number exceeds the episode; the instruction is returned with the reason.</summary>
        OutOfBounds,

        /// <summary>Not an instruction; only the reason is returned.</summary>
        Malformed,
    }

    private static Verdict ReadOne(string? text, int maxWait, out Instruction? instruction, out string reason)
    {
        instruction = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "the instruction is empty; " + ExpectedForm;
            return Verdict.Malformed;
        }

        MatchCollection groups = BracketGroup().Matches(text);
        string content;
        if (groups.Count == 0)
        {
            if (text.Contains('[') || text.Contains(']'))
            {
                reason = "unbalanced brackets; " + ExpectedForm;
                return Verdict.Malformed;
            }
            content = text;
        }
        else if (groups.Count == 1)
        {
            content = groups[0].Groups["content"].Value;
        }
        else
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"expected one instruction, found {groups.Count}");
            return Verdict.Malformed;
        }
        return ReadContent(content, maxWait, out instruction, out reason);
    }

    private static ParsedInstructions ParseLines(string text, TextMap map, int maxWait)
    {
        var instructions = new List<LocatedInstruction>();
        var errors = new List<ParseError>();
        foreach (Match group in BracketGroup().Matches(text))
        {
            string content = group.Groups["content"].Value;
            if (!LooksLikeInstruction(content)) continue;

            (int line, int column) = map.Locate(group.Index);
            Verdict verdict = ReadContent(content, maxWait, out Instruction? instruction, out string reason);
            if (verdict != Verdict.Malformed) instructions.Add(new LocatedInstruction(instruction!, line, column));
            if (verdict != Verdict.Instruction)
                errors.Add(new ParseError(line, column, group.Value, reason, Agent: instruction?.Agent ?? AgentNamedIn(content)));
        }
        return new ParsedInstructions
        {
            Instructions = instructions,
            Errors = errors,
            Format = instructions.Count > 0 || errors.Count > 0 ? AnswerFormat.Lines : AnswerFormat.None,
        };
    }

    // Prose may hold [1]-style references, [links] or [Agent_0] headings; only brackets that start
    // with a command, or list parts naming an agent or an intersection, are taken as attempts at an
    // instruction, so that a malformed attempt is reported rather than silently skipped.
    private static bool LooksLikeInstruction(string content) =>
        CommandStart().IsMatch(content) || (content.Contains(',') && GrammarWord().IsMatch(content));

    private static Verdict ReadContent(string content, int maxWait, out Instruction? instruction, out string reason)
    {
        instruction = null;
        string[] parts = content.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3)
        {
            reason = string.Create(CultureInfo.InvariantCulture,
                $"expected three comma-separated parts [command, target, Agent_<i>], found {parts.Length}");
            return Verdict.Malformed;
        }

        string command = parts[0];
        bool isMove = command.Equals("MoveTo", StringComparison.OrdinalIgnoreCase);
        bool isWait = command.Equals("Wait", StringComparison.OrdinalIgnoreCase);
        if (!isMove && !isWait)
        {
            reason = $"unknown command '{command}'; expected MoveTo or Wait";
            return Verdict.Malformed;
        }

        int target;
        if (isMove)
        {
            if (!TryNumbered(parts[1], IntersectionName(), out target, out reason))
            {
                reason = $"expected Intersection_<k> as the second part, found '{parts[1]}'{reason}";
                return Verdict.Malformed;
            }
        }
        else if (!TryWholeNumber(parts[1], out target, out reason))
        {
            return Verdict.Malformed;
        }

        if (!TryNumbered(parts[2], AgentName(), out int agent, out string agentReason))
        {
            reason = $"expected Agent_<i> as the third part, found '{parts[2]}'{agentReason}";
            return Verdict.Malformed;
        }

        instruction = isMove ? new MoveTo(agent, target) : new Wait(agent, target);
        if (isWait && target > maxWait)
        {
            reason = string.Create(CultureInfo.InvariantCulture,
                $"the wait of {parts[1]} steps is longer than the whole episode of {maxWait} steps; wait at most {maxWait} steps");
            return Verdict.OutOfBounds;
        }
        reason = "";
        return Verdict.Instruction;
    }

    private static bool TryNumbered(string part, Regex pattern, out int number, out string detail)
    {
        number = 0;
        detail = "";
        Match match = pattern.Match(part);
        if (!match.Success) return false;
        if (int.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out number))
            return true;
        detail = " (number too large)";
        return false;
    }

    // A number too large for an int is read as int.MaxValue: it is longer than any episode, which the caller reports.
    private static bool TryWholeNumber(string part, out int steps, out string reason)
    {
        steps = 0;
        if (!WholeNumber().IsMatch(part))
        {
            reason = $"expected a whole number of steps (at least 1) as the second part, found '{part}'";
            return false;
        }
        if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out steps)) steps = int.MaxValue;
        if (steps < 1)
        {
            reason = $"a wait lasts at least 1 step, found {part}";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>The agent a malformed fragment names, when it names exactly one.</summary>
    private static int? AgentNamedIn(string content)
    {
        MatchCollection names = AgentMention().Matches(content);
        if (names.Count != 1) return null;
        return int.TryParse(names[0].Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int agent) ? agent : null;
    }

    private static ParsedInstructions Failed(params ParseError[] errors) => Failed(AnswerFormat.None, errors);

    private static ParsedInstructions Failed(AnswerFormat format, params ParseError[] errors) => new()
    {
        Instructions = [],
        Errors = errors,
        Format = format,
    };

    // No brackets or line breaks inside, so nested JSON arrays yield only their innermost brackets.
    [GeneratedRegex(@"\[(?<content>[^\[\]\r\n]*)\]")]
    private static partial Regex BracketGroup();

    [GeneratedRegex(@"^\s*(moveto|wait)\b", RegexOptions.IgnoreCase)]
    private static partial Regex CommandStart();

    [GeneratedRegex(@"\b(agent|intersection)_", RegexOptions.IgnoreCase)]
    private static partial Regex GrammarWord();

    [GeneratedRegex(@"^intersection_(?<n>[0-9]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex IntersectionName();

    [GeneratedRegex(@"^agent_(?<n>[0-9]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex AgentName();

    [GeneratedRegex(@"\bagent_(?<n>[0-9]+)\b", RegexOptions.IgnoreCase)]
    private static partial Regex AgentMention();

    [GeneratedRegex(@"^[0-9]+$")]
    private static partial Regex WholeNumber();

    /// <summary>Maps character offsets in an answer to 1-based line and column (LF, CRLF or CR).</summary>
    private sealed class TextMap
    {
        private readonly List<int> _lineStarts = [0];

        public TextMap(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
                    _lineStarts.Add(i + 1);
            }
        }

        public (int Line, int Column) Locate(int offset)
        {
            int index = _lineStarts.BinarySearch(offset);
            if (index < 0) index = ~index - 1;
            return (index + 1, offset - _lineStarts[index] + 1);
        }
    }
}
