// The Semantic Kernel functions a model may call while it writes demonstrations: read-only look-ups on the scenario's graph.
using System.ComponentModel;
using System.Globalization;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Microsoft.SemanticKernel;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// Neighbours, shortest distances and the validator's verdict on a route, over one scenario's
/// graph and an episode of <c>maxSteps</c> steps. Arguments come from the model, so every function answers bad ones with a sentence rather
/// than an exception, and nothing here changes state.
/// </summary>
public sealed class RoadsPlugin(Scenario scenario, int maxSteps)
{
    /// <summary>The plugin name; the endpoint sees functions as <c>Roads-Neighbours</c> and so on.</summary>
    public const string Name = "Roads";

    private readonly RoadGraph _graph = scenario.Graph;

    /// <summary>The plugin as Semantic Kernel offers it to the model.</summary>
    public KernelPlugin ToKernelPlugin() => KernelPluginFactory.CreateFromObject(this, Name);

    [KernelFunction, Description("Lists the intersections adjacent to an intersection, each with the length in steps of the segment to it.")]
    public string Neighbours([Description("The number k of Intersection_k.")] int intersection) =>
        Exists(intersection, out string? missing)
            ? LlmPrompts.NeighbourLine(_graph, intersection, null)
            : missing;

    [KernelFunction, Description("Gives the length in steps of a shortest route between two intersections.")]
    public string ShortestDistance(
        [Description("The number k of the start, Intersection_k.")] int from,
        [Description("The number k of the end, Intersection_k.")] int to)
    {
        if (!Exists(from, out string? missing) || !Exists(to, out missing)) return missing;
        int distance = _graph.ShortestDistance(from, to);
        return distance < 0
            ? Invariant($"Intersection_{to} cannot be reached from Intersection_{from}.")
            : Invariant($"A shortest route from Intersection_{from} to Intersection_{to} takes {distance} steps.");
    }

    [KernelFunction, Description("Checks one vehicle's instruction list against the road network: says whether it is valid, and if not, each problem.")]
    public string CheckRoute(
        [Description("The agent id i of Agent_i.")] int agent,
        [Description("The vehicle's whole list, e.g. \"[MoveTo, Intersection_3, Agent_0] [MoveTo, Intersection_4, Agent_0]\".")] string instructions)
    {
        if ((uint)agent >= (uint)scenario.AgentCount)
            return Invariant($"Agent_{agent} is not in this scenario (agents are Agent_0 to Agent_{scenario.AgentCount - 1}).");
        ParsedInstructions parsed = InstructionParser.ParseLines(instructions, maxSteps);
        AgentValidation verdict = InstructionValidator.ValidateAgent(scenario, agent, [.. parsed.Instructions.Select(located => located.Instruction)], maxSteps);
        var problems = parsed.Errors.Select(error => error.ToString()).Concat(verdict.Errors.Select(error => error.Describe())).ToList();
        return problems.Count == 0
            ? Invariant($"valid: Agent_{agent} reaches its destination Intersection_{scenario.DestinationNode(agent)} in {verdict.ExpectedTravelTime} steps without congestion.")
            : "invalid: " + string.Join(" | ", problems);
    }

    private bool Exists(int intersection, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? missing)
    {
        missing = (uint)intersection < (uint)_graph.IntersectionCount
            ? null
            : Invariant($"Intersection_{intersection} does not exist (intersections are 0 to {_graph.IntersectionCount - 1}).");
        return missing is null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
