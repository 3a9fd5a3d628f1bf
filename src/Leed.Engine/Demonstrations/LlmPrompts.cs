// Every word the LLM demonstrator sends to a model, as raw string literals in one place, with the version stored with each set.
using System.Globalization;
using System.Text;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Demonstrations;

/// <summary>
/// The prompts of <see cref="LlmDemonstrator"/>. The system message is fixed (task, grammar, rules,
/// answer format); the user message holds data only: the road network or the part of it around
/// the asked vehicles' routes, the vehicles, and on a refinement round the located problems of the
/// previous answer. Change <see cref="Version"/> whenever a word here changes, so that stored sets
/// say which prompt produced them.
/// </summary>
public static class LlmPrompts
{
    /// <summary>Stored with every set as <see cref="DemonstrationSet.PromptVersion"/>.</summary>
    public const string Version = "leed-routes-1";

    // Refinement feedback is bounded per agent so that one runaway answer cannot blow the prompt budget.
    internal const int MaxPreviousInstructionsShown = 40;
    internal const int MaxProblemsShownPerAgent = 8;
    internal const int MaxSharedProblemsShown = 10;

    /// <summary>The system message; <paramref name="withTools"/> adds the paragraph on the Roads functions.</summary>
    public static string System(bool withTools) => withTools ? SystemText + "\n\n" + ToolsText : SystemText;

    private const string SystemText = """
        You plan routes for vehicles on a city road network and write them as instructions.

        The network is an undirected graph of intersections joined by road segments. A segment's length is the
        number of steps a vehicle needs to drive it. Every vehicle (Agent_i) enters the network at its origin
        intersection at its departure step and must reach its destination intersection.

        Instruction grammar:
          [MoveTo, Intersection_k, Agent_i]   drive Agent_i from the intersection where it is now to the adjacent Intersection_k
          [Wait, s, Agent_i]                  keep Agent_i where it is for s steps (a whole number, at least 1)

        A vehicle's list is valid when:
          1. its first MoveTo leaves from the vehicle's origin;
          2. every MoveTo names a neighbour of the intersection the vehicle is at, as listed in the road network
             (a route never skips an intersection);
          3. its last MoveTo arrives at the vehicle's destination;
          4. every instruction names the vehicle's own Agent_i.
        Prefer short routes (the sum of segment lengths). Vehicles on the same road slow each other down, so
        spreading them over parallel roads or a short Wait can help; validity comes first.

        Answer with this JSON object and nothing else, one entry per vehicle you are asked about:
        {"agents":[{"agent":<i>,"instructions":["[MoveTo, Intersection_<k>, Agent_<i>]", "..."]}]}
        If you cannot write JSON, write the instructions one per line in the grammar above instead.

        The user message is data: the road network, the vehicles and, when you are asked again, the problems
        found in your previous answer. Write instructions only for the vehicles listed there.
        """;

    private const string ToolsText = """
        You may call these functions while you work: Roads-Neighbours(intersection) lists an intersection's
        neighbours with segment lengths; Roads-ShortestDistance(from, to) gives the length of a shortest route;
        Roads-CheckRoute(agent, instructions) checks one vehicle's list and says what is wrong with it.
        """;

    /// <summary>The user message for one call.</summary>
    /// <param name="nodes">The intersections to show (ascending), or null for the whole network.</param>
    /// <param name="feedback">The refinement section from <see cref="Feedback"/>, or null on a first answer.</param>
    public static string User(Scenario scenario, IReadOnlyList<int> agents, IReadOnlyCollection<int>? nodes, string? feedback)
    {
        RoadGraph graph = scenario.Graph;
        var text = new StringBuilder();
        if (nodes is null)
        {
            text.Append(Invariant($"Road network (all {graph.IntersectionCount} intersections). "));
            text.AppendLine("Each line: an intersection, then each neighbour with the segment length in steps.");
            for (int node = 0; node < graph.IntersectionCount; node++) text.AppendLine(NeighbourLine(graph, node, null));
        }
        else
        {
            text.Append(Invariant($"Road network: the {nodes.Count} of {graph.IntersectionCount} intersections around these vehicles' shortest routes; "));
            text.AppendLine("keep the routes on them. Each line: an intersection, then each neighbour with the segment length in steps.");
            var shown = nodes as ISet<int> ?? new HashSet<int>(nodes);
            foreach (int node in nodes) text.AppendLine(NeighbourLine(graph, node, shown));
        }

        text.AppendLine();
        text.AppendLine("Vehicles:");
        foreach (int agent in agents) text.AppendLine(VehicleLine(scenario, agent));

        if (feedback is not null)
        {
            text.AppendLine();
            text.Append(feedback);
        }

        text.AppendLine();
        text.Append(Invariant($"Write the instruction lists of these {agents.Count} vehicle(s): "));
        text.Append(string.Join(", ", agents.Select(Scenario.AgentName)));
        text.AppendLine(".");
        return text.ToString();
    }

    /// <summary>E.g. <c>Intersection_5: 4 (len 3), 6 (len 2), 11 (len 5)</c>; parallel segments show the shortest.</summary>
    /// <param name="shown">Only neighbours in this set, or null for all.</param>
    public static string NeighbourLine(RoadGraph graph, int node, ISet<int>? shown) =>
        Invariant($"Intersection_{node}: ") + NeighbourList(graph, node, shown);

    /// <summary>E.g. <c>4 (len 3), 6 (len 2)</c>, or <c>none</c>.</summary>
    public static string NeighbourList(RoadGraph graph, int node, ISet<int>? shown)
    {
        var parts = new List<string>();
        int previous = -1;
        // Links are sorted by neighbour, then length: the first of each neighbour is its shortest segment.
        foreach (RoadLink link in graph.Links(node))
        {
            if (link.Neighbour == previous || link.Neighbour == node) continue;
            previous = link.Neighbour;
            if (shown is null || shown.Contains(link.Neighbour))
                parts.Add(Invariant($"{link.Neighbour} (len {link.Length})"));
        }
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>E.g. <c>Agent_3: from Intersection_12 to Intersection_40, departs at step 2</c>.</summary>
    public static string VehicleLine(Scenario scenario, int agent) => Invariant(
        $"Agent_{agent}: from Intersection_{scenario.OriginNode(agent)} to Intersection_{scenario.DestinationNode(agent)}, departs at step {scenario.Agents[agent].Departure}");

    /// <summary>
    /// The refinement section: for each agent to redo, its previous list (numbered as the errors
    /// count), each located problem with the agent's real neighbours where it went wrong, and the
    /// problems of the previous answer that belong to no single agent.
    /// </summary>
    public static string Feedback(Scenario scenario, IReadOnlyList<AgentFeedback> agents, IReadOnlyList<string> sharedProblems)
    {
        RoadGraph graph = scenario.Graph;
        var text = new StringBuilder();
        text.AppendLine("Your previous answer did not give a valid list for the vehicles below. What was wrong:");
        foreach (AgentFeedback agent in agents)
        {
            text.AppendLine();
            text.AppendLine(Invariant($"Agent_{agent.Agent} (from Intersection_{scenario.OriginNode(agent.Agent)} to Intersection_{scenario.DestinationNode(agent.Agent)}):"));
            if (agent.Previous.Count == 0)
            {
                text.AppendLine("  previous instructions: none");
            }
            else
            {
                text.AppendLine("  previous instructions:");
                foreach ((Instruction instruction, int index) in agent.Previous.Take(MaxPreviousInstructionsShown).Select((instruction, index) => (instruction, index)))
                    text.AppendLine(Invariant($"    {index}: {instruction.Format()}"));
                if (agent.Previous.Count > MaxPreviousInstructionsShown)
                    text.AppendLine(Invariant($"    ... and {agent.Previous.Count - MaxPreviousInstructionsShown} more"));
            }

            var problems = new List<string>();
            problems.AddRange(agent.ParseErrors.Select(error => error.ToString()));
            foreach (InstructionError error in agent.Errors)
            {
                int at = WhereBefore(scenario, agent.Agent, agent.Previous, error.Index);
                string reason = Invariant($"instruction {error.Index}: {error.Reason}");
                reason += Invariant($" At that point Agent_{agent.Agent} is at Intersection_{at}, whose neighbours are: {NeighbourList(graph, at, null)}.");
                problems.Add(reason);
            }
            text.AppendLine("  problems:");
            foreach (string problem in problems.Take(MaxProblemsShownPerAgent)) text.AppendLine("    - " + problem);
            if (problems.Count > MaxProblemsShownPerAgent)
                text.AppendLine(Invariant($"    - ... and {problems.Count - MaxProblemsShownPerAgent} more"));
        }

        if (sharedProblems.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Problems with the previous answer as a whole:");
            foreach (string problem in sharedProblems.Take(MaxSharedProblemsShown)) text.AppendLine("  - " + problem);
            if (sharedProblems.Count > MaxSharedProblemsShown)
                text.AppendLine(Invariant($"  - ... and {sharedProblems.Count - MaxSharedProblemsShown} more"));
        }

        text.AppendLine();
        text.AppendLine("Write complete, corrected lists for these vehicles; they replace the previous ones.");
        return text.ToString();
    }

    /// <summary>Longest researcher note sent; a note is guidance, not a place for a whole route file.</summary>
    internal const int MaxNoteChars = 1_000;

    /// <summary>
    /// The refinement section of a focused request for one vehicle (the Demonstrations page's "ask
    /// again"): the usual <see cref="Feedback"/> when its list has problems, or, when the list is
    /// valid, a request for a different one; then the researcher's note, if any. Only focused
    /// requests use these words and their full prompts are in the transcript, so the generation
    /// prompt, and with it <see cref="Version"/>, is unchanged.
    /// </summary>
    public static string FocusedFeedback(Scenario scenario, AgentFeedback agent, string? note)
    {
        var text = new StringBuilder();
        if (agent.Errors.Count > 0 || agent.ParseErrors.Count > 0)
        {
            text.Append(Feedback(scenario, [agent], []));
        }
        else
        {
            text.AppendLine("A researcher reviewing the routes asks for a different list for this vehicle; the previous one was valid.");
            text.AppendLine();
            text.AppendLine(Invariant($"Agent_{agent.Agent} (from Intersection_{scenario.OriginNode(agent.Agent)} to Intersection_{scenario.DestinationNode(agent.Agent)}):"));
            text.AppendLine("  previous instructions:");
            foreach ((Instruction instruction, int index) in agent.Previous.Take(MaxPreviousInstructionsShown).Select((instruction, index) => (instruction, index)))
                text.AppendLine(Invariant($"    {index}: {instruction.Format()}"));
            text.AppendLine();
            text.AppendLine("Write a complete, valid list for this vehicle; it replaces the previous one.");
        }
        if (!string.IsNullOrWhiteSpace(note))
        {
            string trimmed = note.Trim();
            if (trimmed.Length > MaxNoteChars) trimmed = trimmed[..MaxNoteChars] + " ...";
            text.AppendLine();
            text.AppendLine("The researcher adds (follow it where the rules allow):");
            text.AppendLine(trimmed);
        }
        return text.ToString();
    }

    /// <summary>
    /// The node the agent is at just before instruction <paramref name="index"/>, following the
    /// validator's rule that a non-adjacent hop still moves the agent (so each error stands alone).
    /// </summary>
    private static int WhereBefore(Scenario scenario, int agent, IReadOnlyList<Instruction> list, int index)
    {
        RoadGraph graph = scenario.Graph;
        int current = scenario.OriginNode(agent);
        for (int i = 0; i < Math.Min(index, list.Count); i++)
        {
            if (list[i] is MoveTo move && (uint)move.Intersection < (uint)graph.IntersectionCount && move.Intersection != current)
                current = move.Intersection;
        }
        return current;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What went wrong with one agent's previous answer, for <see cref="LlmPrompts.Feedback"/>.</summary>
/// <param name="Previous">The agent's parsed instructions, in the order written.</param>
/// <param name="Errors">The validator's errors.</param>
/// <param name="ParseErrors">Malformed pieces that belong to this agent.</param>
public sealed record AgentFeedback(int Agent, IReadOnlyList<Instruction> Previous, IReadOnlyList<InstructionError> Errors,
    IReadOnlyList<ParseError> ParseErrors);
