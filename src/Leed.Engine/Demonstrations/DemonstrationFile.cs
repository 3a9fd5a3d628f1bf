// Instruction files: a header recording the scenario they were made for, then the grammar, one agent block after another.
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Demonstrations;

/// <summary>An instruction file that cannot be read; the message lists each located problem.</summary>
public sealed class DemonstrationFileException(string message) : Exception(message);

/// <summary>
/// The file format: leading <c>#</c> lines hold the scenario (<see cref="ScenarioIdentity.HeaderLines"/>:
/// map name, size and content hash, the scenario's source, every agent's origin, destination and
/// departure), a blank line, then each agent's block, <c># Agent_i</c> and its instructions in the
/// grammar. The grammar reader skips every <c>#</c> line, so a file without a header (written by
/// hand) reads the same way; its scenario then comes from the options (<see cref="ScenarioResolver"/>).
/// </summary>
public static class DemonstrationFile
{
    public const string Label = "instructions from file";
    public const string Title = "# LEED Studio demonstrations";

    /// <summary>The file for <paramref name="set"/> made on <paramref name="scenario"/>: header, blank line, agent blocks.</summary>
    /// <param name="origin">What the title line says the set is, e.g. "planner, no LLM (set 3 v1)"; brackets are shown as parentheses.</param>
    public static string Text(DemonstrationSet set, Scenario scenario, string? origin = null)
    {
        string title = $"{Title}: {(origin ?? set.Label).Replace('[', '(').Replace(']', ')').ReplaceLineEndings(" ")}";
        return string.Join('\n', [title, .. scenario.Identity.HeaderLines(scenario.Map)]) + "\n\n" + set.ToInstructionText();
    }

    /// <summary>A file's name, text and recorded scenario (null for a file without a header).</summary>
    /// <exception cref="DemonstrationFileException">No such file, or its header is malformed (file:line).</exception>
    public static (string Name, string Text, ScenarioIdentity? Recorded) Read(string path)
    {
        if (Directory.Exists(path)) throw new DemonstrationFileException($"{path}: is a folder, not an instruction file.");
        if (!File.Exists(path)) throw new DemonstrationFileException($"{path}: no such file.");
        string text = File.ReadAllText(path);
        string name = Path.GetFileName(path);
        return (name, text, RecordedIn(name, text));
    }

    /// <summary>The scenario recorded in the text's header, or null when it has none.</summary>
    /// <exception cref="DemonstrationFileException">The header is malformed (file:line).</exception>
    public static ScenarioIdentity? RecordedIn(string name, string text)
    {
        try
        {
            return ScenarioHeader.Read(text, name);
        }
        catch (ScenarioException error)
        {
            throw new DemonstrationFileException(error.Message);
        }
    }

    /// <summary>
    /// The scenario a file is for: the one its header records (explicit options must agree with it),
    /// or, for a file without a header, the one the options choose on <paramref name="map"/> by
    /// <see cref="ScenarioResolver"/>'s rule, with the sentence that says which (print it).
    /// </summary>
    /// <exception cref="ScenarioException">Options disagree with the header, the recorded map changed, or a file without a header has no map.</exception>
    /// <exception cref="MapNotFoundException">The map is not in the catalogue.</exception>
    public static (Scenario Scenario, string? Notice) ScenarioFor(string name, ScenarioIdentity? recorded, MapCatalog catalog, string? map, int? agents, int? seed)
    {
        if (recorded is not null) return (ScenarioResolver.Recorded(recorded, name, catalog, map, agents, seed), null);
        if (map is null)
            throw new ScenarioException($"{name} has no scenario header (it was not written by `demos generate` or `demos show`), so --map NAME must say " +
                "which map it is for; the map's own agents are used when it has them, else --agents N and the scenario seed choose a generated scenario.");
        (Scenario scenario, string notice) = ScenarioResolver.Resolve(catalog, catalog.Require(map), agents, seed);
        return (scenario, $"{name} has no scenario header: {notice}.");
    }

    /// <summary>
    /// Parses <paramref name="path"/> and validates every agent against <paramref name="scenario"/>.
    /// Malformed lines, waits longer than the episode or unknown agents throw with file:line:column;
    /// agents whose route is invalid stay in the set marked invalid (they never reach training).
    /// </summary>
    /// <param name="config">The environment the file is for (its episode bounds every wait and route); null for the default.</param>
    public static (DemonstrationSet Set, ValidationReport Report) Load(string path, Scenario scenario, EnvConfig? config = null)
    {
        (string name, string text, _) = Read(path);
        return Parse(name, text, scenario, config);
    }

    /// <summary><see cref="Load"/> for a file's text (sent by a command line to the dashboard, say).</summary>
    public static (DemonstrationSet Set, ValidationReport Report) Parse(string name, string text, Scenario scenario, EnvConfig? config = null)
    {
        int maxSteps = (config ?? new EnvConfig()).ResolveMaxSteps(scenario);
        ParsedInstructions parsed = InstructionParser.ParseLines(text, maxSteps);
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
