// What `demos generate` reports about a set it made: one home for the command line and the local API alike.
namespace Leed.Engine.Demonstrations;

/// <summary>An agent the demonstrator produced nothing usable for, and why.</summary>
public sealed record AgentFailure(int Agent, string Failure);

/// <summary>
/// A generated, stored set: who made it, its rounds, its id, how many agents are valid, the LLM's
/// provenance and how many transcript calls were stored; <see cref="Output"/> is the instruction
/// file written, if any. The property names are the JSON names the README shows.
/// </summary>
public sealed record DemonstrationSummary(string Demonstrator, string Label, int Agents, IReadOnlyList<RoundQuality> Rounds, int SetId,
    int Valid, IReadOnlyList<AgentFailure> Failures, string? Model, string? EndpointHost, string? PromptVersion, int TranscriptCalls, string? Output)
{
    public static DemonstrationSummary Of(DemonstrationSet set, int setId, int transcriptCalls, string? output) => new(
        set.Demonstrator, set.Label, set.Agents.Count,
        set.Rounds,
        setId, set.Agents.Count(agent => agent.Valid),
        [.. set.Agents.Where(agent => agent.Failure is not null).Select(agent => new AgentFailure(agent.Agent, agent.Failure!))],
        set.Model, set.EndpointHost, set.PromptVersion, transcriptCalls, output);
}

/// <summary>What `demos generate` says about a set it did not store (<see cref="DemonstrationService.Save"/> stores the others).</summary>
public static class GeneratedSets
{
    /// <summary>Why a set without a single valid agent was not stored, and how to store it anyway.</summary>
    public static string NotStoredMessage(DemonstrationSet set) =>
        $"no agent has a valid route after {set.Rounds.Count} round(s); nothing was stored. Pass --keep-invalid to store the set anyway, labelled as such.";
}
