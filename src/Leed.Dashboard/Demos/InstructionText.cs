// Reads the instruction text a researcher types for one agent: typed instructions plus every malformed line with its line and column.
using Leed.Engine.Demonstrations;

namespace Leed.Dashboard.Demos;

/// <summary>One agent's text as read: the instructions in order, the line each came from, and the lines that are not instructions.</summary>
public sealed record ParsedText(IReadOnlyList<Instruction> Instructions, IReadOnlyList<int> LineOf, IReadOnlyList<ParseError> Errors);

/// <summary>
/// Line by line, because a researcher edits lines: every non-blank line must be exactly one
/// instruction (brackets optional). Blank lines and lines starting with <c>#</c> are skipped, so
/// the text the CLI writes (<c># Agent_0</c> headers) can be pasted back.
/// </summary>
public static class InstructionText
{
    /// <param name="maxWait">The longest wait allowed (the episode's length); a longer one is an error at its line.</param>
    public static ParsedText Parse(string? text, int maxWait)
    {
        var instructions = new List<Instruction>();
        var lineOf = new List<int>();
        var errors = new List<ParseError>();
        string[] lines = (text ?? "").ReplaceLineEndings("\n").Split('\n');
        for (int index = 0; index < lines.Length; index++)
        {
            string line = lines[index];
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            if (InstructionParser.TryParse(trimmed, maxWait, out Instruction? instruction, out string reason))
            {
                instructions.Add(instruction!);
                lineOf.Add(index + 1);
            }
            else
            {
                int column = line.Length - line.TrimStart().Length + 1;
                errors.Add(new ParseError(index + 1, column, trimmed, reason));
            }
        }
        return new ParsedText(instructions, lineOf, errors);
    }

    /// <summary>The canonical text of a list, one instruction per line.</summary>
    public static string Format(IReadOnlyList<Instruction> instructions) => Instruction.FormatLines(instructions);
}
