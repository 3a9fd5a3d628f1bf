// What a demonstrator produces: per agent an instruction list, its validity and errors.
using Leed.Engine.Env;

namespace Leed.Engine.Demonstrations;

/// <summary>One agent's demonstration.</summary>
/// <param name="Failure">Why the demonstrator produced nothing usable for this agent (e.g. the LLM call failed), or null.</param>
public sealed record AgentDemonstration(int Agent, IReadOnlyList<Instruction> Instructions, bool Valid,
    IReadOnlyList<InstructionError> Errors, int ExpectedTravelTime, string? Failure = null)
{
    public static AgentDemonstration From(AgentValidation validation, IReadOnlyList<Instruction> instructions, string? failure = null) =>
        new(validation.Agent, instructions, validation.Valid && failure is null, validation.Errors, validation.ExpectedTravelTime, failure);
}

/// <summary>Quality of one refinement round (round 1 is the first answer).</summary>
/// <param name="ParseValidity">Share of agents whose instructions parsed without error.</param>
/// <param name="PathValidity">Share of agents whose list is valid on the graph.</param>
/// <param name="ArrivalRate">Share of agents that arrived when the valid lists were executed together.</param>
public sealed record RoundQuality(int Round, double ParseValidity, double PathValidity, double ArrivalRate);

/// <summary>A demonstration set as produced (before it is stored and versioned).</summary>
/// <param name="Demonstrator">"planner" or "llm".</param>
/// <param name="Label">What users see, e.g. "planner, no LLM" or "LLM gpt-4o-mini at api.example.com".</param>
public sealed record DemonstrationSet(string Demonstrator, string Label, IReadOnlyList<AgentDemonstration> Agents,
    IReadOnlyList<RoundQuality> Rounds, string? Model = null, string? EndpointHost = null, string? PromptVersion = null)
{
    /// <summary>Every LLM attempt made while producing the set, in the order they ended; empty for the planner.</summary>
    /// <remarks>Not part of the stored set itself: <see cref="LlmTranscriptStore"/> keeps it, linked to the set's id.</remarks>
    public IReadOnlyList<LlmCallRecord> Transcript { get; init; } = [];

    public IEnumerable<Instruction> AllInstructions => Agents.SelectMany(agent => agent.Instructions);

    public double PathValidity => Agents.Count == 0 ? 0 : Agents.Count(agent => agent.Valid) / (double)Agents.Count;

    /// <summary>What the label of a set kept although no agent has a valid list ends with.</summary>
    public const string NoValidAgentLabel = ", no valid agent";

    /// <summary>False when no agent's list is valid: such a set teaches nothing and is not stored unless asked for.</summary>
    public bool HasValidAgent => Agents.Any(agent => agent.Valid);

    /// <summary>The set labelled as having no valid agent, for keeping it anyway (to study or repair what the model wrote).</summary>
    public DemonstrationSet LabelledNoValidAgent() =>
        Label.EndsWith(NoValidAgentLabel, StringComparison.Ordinal) ? this : this with { Label = Label + NoValidAgentLabel };

    /// <summary>The instructions, one agent block after another, in the grammar.</summary>
    public string ToInstructionText() => string.Join("\n\n", Agents.Select(agent =>
        $"# Agent_{agent.Agent}{(agent.Valid ? "" : " (invalid)")}\n" + Instruction.FormatLines(agent.Instructions))) + "\n";
}

/// <summary>Progress of a generation: which agent and round, out of how many.</summary>
public sealed record DemonstrationProgress(int Round, int AgentsDone, int AgentCount, string Message);

/// <summary>Scenario in, demonstration set out. The planner and the LLM both implement it.</summary>
public interface IDemonstrator
{
    /// <summary>"planner" or "llm".</summary>
    string Kind { get; }

    /// <summary>What users see; the planner says "planner, no LLM".</summary>
    string Label { get; }

    Task<DemonstrationSet> GenerateAsync(Scenario scenario, IProgress<DemonstrationProgress>? progress = null, CancellationToken cancellation = default);
}
