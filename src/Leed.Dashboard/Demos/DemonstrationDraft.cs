// The researcher's working copy of a stored demonstration set: edits by map clicks, by text or by the LLM, with undo; nothing is stored until approval.
using System.Globalization;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;

namespace Leed.Dashboard.Demos;

/// <summary>What a researcher did to an agent in a draft; the edit summary names these.</summary>
public enum DraftAction
{
    MapRoute,
    ClearRoute,
    Text,
    AskedLlm,
}

/// <summary>
/// One agent in a draft. Immutable, so an undo step is just the previous array of these.
/// </summary>
/// <param name="Text">The text as typed (or as formatted after a map or LLM edit).</param>
/// <param name="ParseErrors">Lines of <paramref name="Text"/> that are not instructions.</param>
/// <param name="LineOf">For each instruction, its 1-based line in <paramref name="Text"/>.</param>
/// <param name="Validation">The validator's verdict on <paramref name="Instructions"/>.</param>
/// <param name="Failure">The demonstrator's failure for this agent, kept only while the list is unchanged.</param>
/// <param name="Actions">What was done to the agent since the base version, in order, once each.</param>
/// <param name="Notes">Notes sent to the LLM when asking again.</param>
public sealed record AgentDraft(int Agent, IReadOnlyList<Instruction> Instructions, string Text, IReadOnlyList<ParseError> ParseErrors,
    IReadOnlyList<int> LineOf, AgentValidation Validation, string? Failure, IReadOnlyList<DraftAction> Actions, IReadOnlyList<string> Notes)
{
    /// <summary>Valid on the graph, every line an instruction, and not a failed answer.</summary>
    public bool Valid => Validation.Valid && ParseErrors.Count == 0 && Failure is null;

    /// <summary>Where the route ends now (the origin when there is no MoveTo).</summary>
    public int RouteEnd => Validation.Route[^1];

    /// <summary>The canonical lines, as they would be stored.</summary>
    public IReadOnlyList<string> Lines => [.. Instructions.Select(instruction => instruction.Format())];

    /// <summary>"line 4" for an instruction index, or "the end" for the list's length (a route that stops short).</summary>
    public string Where(int index) => index < LineOf.Count
        ? string.Create(CultureInfo.InvariantCulture, $"line {LineOf[index]}")
        : "the end";
}

/// <summary>
/// A working copy of one stored version. Every change pushes the previous state on an undo stack
/// (consecutive text edits of the same agent count as one step, so undo does not go keystroke by
/// keystroke). <see cref="ToAgentDemonstrations"/> and <see cref="Edits"/> give what
/// <see cref="DemonstrationStore.SaveVersion"/> needs.
/// </summary>
public sealed class DemonstrationDraft
{
    private readonly Stack<(AgentDraft[] State, int Agent)> _undo = new();
    private readonly List<LlmCallRecord> _transcript = [];
    private AgentDraft[] _agents;
    private int? _typingAgent;

    public DemonstrationDraft(StoredDemonstrationSet baseSet, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(baseSet);
        ArgumentNullException.ThrowIfNull(scenario);
        if (baseSet.Agents.Count != scenario.AgentCount)
            throw new ArgumentException($"{baseSet.Title} has {baseSet.Agents.Count} agents but its scenario has {scenario.AgentCount}.");
        Base = baseSet;
        Scenario = scenario;
        MaxSteps = new EnvConfig().ResolveMaxSteps(scenario);
        _agents = [.. baseSet.Agents.OrderBy(agent => agent.Agent).Select(stored =>
        {
            // Stored lines are shown as they were stored, however long their waits; the validator says whether they fit the episode.
            ParsedText parsed = InstructionText.Parse(string.Join('\n', stored.Instructions), maxWait: int.MaxValue);
            string text = InstructionText.Format(parsed.Instructions);
            return Build(stored.Agent, parsed.Instructions, text, [], stored.Failure, [], []);
        })];
        BaseLines = [.. _agents.Select(agent => agent.Lines)];
    }

    public StoredDemonstrationSet Base { get; }

    public Scenario Scenario { get; }

    /// <summary>The episode length every list is validated against (the default environment on the scenario's map).</summary>
    public int MaxSteps { get; }

    public IReadOnlyList<AgentDraft> Agents => _agents;

    /// <summary>The base version's lines per agent.</summary>
    public IReadOnlyList<IReadOnlyList<string>> BaseLines { get; }

    /// <summary>LLM calls made while editing (asking again), to be stored with the approved version.</summary>
    public IReadOnlyList<LlmCallRecord> Transcript => _transcript;

    public bool CanUndo => _undo.Count > 0;

    public int UndoDepth => _undo.Count;

    /// <summary>True when the agent's list differs from the base version's, or its text has lines that are not instructions.</summary>
    public bool IsChanged(int agent) => _agents[agent].ParseErrors.Count > 0 || !_agents[agent].Lines.SequenceEqual(BaseLines[agent]);

    public IReadOnlyList<int> ChangedAgents => [.. Enumerable.Range(0, _agents.Length).Where(IsChanged)];

    /// <summary>The intersections a click may add to the agent's route: the neighbours of where it ends now.</summary>
    public IReadOnlySet<int> Selectable(int agent) =>
        new HashSet<int>(InstructionValidator.Neighbours(Scenario.Graph, _agents[agent].RouteEnd));

    /// <summary>Appends a MoveTo to <paramref name="node"/>; false (and nothing changes) when it is not adjacent to the route's end.</summary>
    public bool AppendMove(int agent, int node)
    {
        if (!Selectable(agent).Contains(node)) return false;
        AgentDraft current = _agents[agent];
        // Lines that are not instructions cannot be kept in a list rebuilt from clicks; undo brings them back.
        List<Instruction> list = [.. current.Instructions, new MoveTo(agent, node)];
        Change(agent, list, InstructionText.Format(list), DraftAction.MapRoute);
        return true;
    }

    /// <summary>Empties the agent's list: the route starts again at its origin.</summary>
    public void ClearRoute(int agent) => Change(agent, [], "", DraftAction.ClearRoute);

    /// <summary>Takes the typed text as the agent's list; lines that are not instructions are reported, not dropped silently.</summary>
    public void SetText(int agent, string? text)
    {
        text ??= "";
        if (text == _agents[agent].Text) return;
        ParsedText parsed = InstructionText.Parse(text, MaxSteps);
        bool continuing = _typingAgent == agent;
        Change(agent, parsed.Instructions, text, DraftAction.Text, parsed, pushUndo: !continuing);
        _typingAgent = agent;
    }

    /// <summary>Takes the LLM's new list for the agent, keeping the calls for the transcript.</summary>
    public void ApplyRefinement(int agent, AgentRefinement refinement, string? note)
    {
        ArgumentNullException.ThrowIfNull(refinement);
        _transcript.AddRange(refinement.Transcript);
        IReadOnlyList<Instruction> list = refinement.Demonstration.Instructions;
        Change(agent, list, InstructionText.Format(list), DraftAction.AskedLlm, note: string.IsNullOrWhiteSpace(note) ? null : note.Trim());
    }

    /// <summary>Keeps the calls of a failed "ask again", so the transcript shows them even though the list did not change.</summary>
    public void RecordCalls(IEnumerable<LlmCallRecord> calls) => _transcript.AddRange(calls);

    /// <summary>Restores the state before the last change; returns the agent that change was about, or null when there was nothing to undo.</summary>
    public int? Undo()
    {
        _typingAgent = null;
        if (!_undo.TryPop(out (AgentDraft[] State, int Agent) previous)) return null;
        _agents = previous.State;
        return previous.Agent;
    }

    /// <summary>Why the draft cannot be approved yet, or null when it can.</summary>
    public string? ApproveProblem
    {
        get
        {
            IReadOnlyList<int> changed = ChangedAgents;
            if (changed.Count == 0) return "Nothing has changed: edit an agent's route first.";
            AgentDraft? malformed = changed.Select(agent => _agents[agent]).FirstOrDefault(agent => agent.ParseErrors.Count > 0);
            return malformed is null
                ? null
                : $"Agent_{malformed.Agent}'s text has {Count(malformed.ParseErrors.Count, "line")} that {(malformed.ParseErrors.Count == 1 ? "is" : "are")} not an instruction (first: line {malformed.ParseErrors[0].Line}); fix or undo before approving.";
        }
    }

    /// <summary>Every agent as the store takes it, revalidated against the scenario.</summary>
    public IReadOnlyList<AgentDemonstration> ToAgentDemonstrations() =>
        [.. _agents.Select(agent => AgentDemonstration.From(agent.Validation, agent.Instructions, agent.Failure))];

    /// <summary>One edit record per changed agent: what was done, and the lines before and after.</summary>
    public IReadOnlyList<DemonstrationEdit> Edits(string editor, DateTime at) =>
        [.. ChangedAgents.Select(agent => new DemonstrationEdit
        {
            Editor = string.IsNullOrWhiteSpace(editor) ? "researcher" : editor.Trim(),
            Agent = agent,
            Summary = Summary(agent),
            Before = [.. BaseLines[agent]],
            After = [.. _agents[agent].Lines],
            At = at,
        })];

    private string Summary(int agent)
    {
        AgentDraft draft = _agents[agent];
        var parts = draft.Actions.Select(action => action switch
        {
            DraftAction.MapRoute => "re-routed on the map",
            DraftAction.ClearRoute => "cleared the route",
            DraftAction.Text => "edited the text",
            _ => "asked the LLM again" + (draft.Notes.Count > 0 ? $" (note: \"{string.Join("\"; \"", draft.Notes)}\")" : ""),
        }).ToList();
        LineDiff diff = LineDiff.Compute(BaseLines[agent], draft.Lines);
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"+{diff.Added} -{diff.Removed} lines, now {(draft.Valid ? "valid" : "invalid")}"));
        return string.Join("; ", parts);
    }

    private void Change(int agent, IReadOnlyList<Instruction> list, string text, DraftAction action, ParsedText? parsed = null,
        bool pushUndo = true, string? note = null)
    {
        if (pushUndo) _undo.Push(((AgentDraft[])_agents.Clone(), agent));
        if (action != DraftAction.Text) _typingAgent = null;
        AgentDraft current = _agents[agent];
        IReadOnlyList<DraftAction> actions = current.Actions.Contains(action) ? current.Actions : [.. current.Actions, action];
        IReadOnlyList<string> notes = note is null ? current.Notes : [.. current.Notes, note];
        bool sameAsBase = list.Select(instruction => instruction.Format()).SequenceEqual(BaseLines[agent]);
        // The demonstrator's failure describes the list it gave; once a person changes it, it no longer applies.
        string? failure = sameAsBase ? Base.Agents.First(stored => stored.Agent == agent).Failure : null;
        var next = (AgentDraft[])_agents.Clone();
        next[agent] = Build(agent, list, text, parsed?.Errors ?? [], failure, actions, notes, parsed?.LineOf);
        _agents = next;
    }

    private AgentDraft Build(int agent, IReadOnlyList<Instruction> list, string text, IReadOnlyList<ParseError> parseErrors, string? failure,
        IReadOnlyList<DraftAction> actions, IReadOnlyList<string> notes, IReadOnlyList<int>? lineOf = null) =>
        new(agent, list, text, parseErrors, lineOf ?? [.. Enumerable.Range(1, list.Count)],
            InstructionValidator.ValidateAgent(Scenario, agent, list, MaxSteps), failure, actions, notes);

    private static string Count(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");
}
