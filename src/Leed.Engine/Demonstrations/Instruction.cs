// The instruction grammar of demonstrations as typed records: the only form an LLM's answer ever takes inside the engine.
using System.Globalization;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// One line of a demonstration for one agent. Parsed text becomes one of these records and nothing
/// else, so an answer can never do more than name intersections, agents and step counts.
/// </summary>
/// <param name="Agent">The agent the instruction is for (<c>Agent_i</c>).</param>
public abstract record Instruction(int Agent)
{
    /// <summary>The canonical line, e.g. <c>[MoveTo, Intersection_3, Agent_0]</c>.</summary>
    public abstract string Format();

    /// <summary>Same as <see cref="Format"/>, so test output and logs read like the grammar.</summary>
    public sealed override string ToString() => Format();

    /// <summary>Canonical text of a list of instructions, one per line (LF).</summary>
    public static string FormatLines(IEnumerable<Instruction> instructions) =>
        string.Join('\n', instructions.Select(i => i.Format()));
}

/// <summary>Drive from the agent's current intersection to the adjacent <paramref name="Intersection"/>.</summary>
public sealed record MoveTo(int Agent, int Intersection) : Instruction(Agent)
{
    /// <inheritdoc />
    public override string Format() =>
        string.Create(CultureInfo.InvariantCulture, $"[MoveTo, Intersection_{Intersection}, Agent_{Agent}]");
}

/// <summary>Stay where the agent is for <paramref name="Steps"/> whole steps (at least 1).</summary>
public sealed record Wait(int Agent, int Steps) : Instruction(Agent)
{
    /// <inheritdoc />
    public override string Format() =>
        string.Create(CultureInfo.InvariantCulture, $"[Wait, {Steps}, Agent_{Agent}]");
}
