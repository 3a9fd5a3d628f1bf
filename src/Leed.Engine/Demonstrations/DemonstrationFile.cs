// Reads instruction files (the grammar, one agent block after another) into a validated demonstration set.
using Leed.Engine.Env;

namespace Leed.Engine.Demonstrations;

/// <summary>An instruction file that cannot be read; the message lists each located problem.</summary>
public sealed class DemonstrationFileException(string message) : Exception(message);

public static class DemonstrationFile
{
    public const string Label = "instructions from file";

    /// <summary>
    /// Parses <paramref name="path"/> and validates every agent against <paramref name="scenario"/>.
    /// Malformed lines, waits longer than the episode or unknown agents throw with file:line:column;
    /// agents whose route is invalid stay in the set marked invalid (they never reach training).
    /// </summary>
    /// <param name="config">The environment the file is for (its episode bounds every wait and route); null for the default.</param>
    public static (DemonstrationSet Set, ValidationReport Report) Load(string path, Scenario scenario, EnvConfig? config = null)
    {
        int maxSteps = (config ?? new EnvConfig()).ResolveMaxSteps(scenario);
        if (!File.Exists(path)) throw new DemonstrationFileException($"{path}: no such file.");
        string text = File.ReadAllText(path);
        ParsedInstructions parsed = InstructionParser.ParseLines(text, maxSteps);
        string name = Path.GetFileName(path);
        if (!parsed.IsWellFormed)
            throw new DemonstrationFileException(string.Join("\n", parsed.Errors.Select(error => $"{name}:{error}")));

        IReadOnlyList<Instruction> instructions = [.. parsed.Instructions.Select(located => located.Instruction)];
        ValidationReport report = InstructionValidator.Validate(scenario, instructions, maxSteps);
        if (report.UnknownAgentErrors.Count > 0)
            throw new DemonstrationFileException(string.Join("\n", report.UnknownAgentErrors.Select(error =>
            {
                LocatedInstruction where = parsed.Instructions[error.Index];
                return $"{name}:{where.Line}:{where.Column}: {error.Reason}";
            })));

        var agents = report.Agents.Select(validation =>
            AgentDemonstration.From(validation, [.. instructions.Where(instruction => instruction.Agent == validation.Agent)])).ToList();
        ExecutionResult execution = InstructionExecutor.Execute(scenario, agents, Label, config: config);
        var set = new DemonstrationSet("file", $"{Label} {name}", agents,
            [new RoundQuality(1, 1.0, report.PathValidity, execution.ArrivalRate)]);
        return (set, report);
    }
}
