// The LLM demonstrator: asks a chat model for routes over the road graph, validates every answer and sends the located errors back.
using System.Collections.Concurrent;
using System.Globalization;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Microsoft.SemanticKernel;

namespace Leed.Engine.Demonstrations;

/// <summary>Settings of <see cref="LlmDemonstrator"/>.</summary>
public sealed record LlmDemonstratorOptions
{
    /// <summary>Rounds of asking, the first answer included; 1 means no refinement.</summary>
    public int MaxRounds { get; init; } = 3;

    /// <summary>Agents asked about in one call. Longer answers go wrong more often and take longer to redo.</summary>
    public int AgentsPerCall { get; init; } = 10;

    /// <summary>
    /// When the whole graph does not fit a prompt, a call shows only the intersections within this
    /// many hops of its agents' shortest routes (fewer hops, then fewer agents, until it fits).
    /// </summary>
    public int CorridorHops { get; init; } = 2;

    /// <summary>
    /// Characters of system plus user message per call. At about 4 characters a token, 24,000 is
    /// about 6,000 tokens, which leaves room for the answer in an 8k-token context window.
    /// Tool definitions, when offered, come on top (about 1,000 characters).
    /// </summary>
    public int MaxPromptChars { get; init; } = 24_000;

    /// <summary>Offer the <see cref="RoadsPlugin"/> functions to the model (dropped if the endpoint refuses tools).</summary>
    public bool UseTools { get; init; } = true;

    /// <summary>Sampling temperature; null leaves the endpoint's default.</summary>
    public double? Temperature { get; init; }

    /// <summary>Upper bound on answer tokens per call; null leaves the endpoint's default.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>The environment the demonstrations are executed in for the arrival rate.</summary>
    public EnvConfig? Environment { get; init; }

    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (MaxRounds is < 1 or > 20) throw new ArgumentException(Invariant($"MaxRounds must be between 1 and 20, got {MaxRounds}."), nameof(MaxRounds));
        if (AgentsPerCall < 1) throw new ArgumentException(Invariant($"AgentsPerCall must be at least 1, got {AgentsPerCall}."), nameof(AgentsPerCall));
        if (CorridorHops < 0) throw new ArgumentException(Invariant($"CorridorHops must be 0 or more, got {CorridorHops}."), nameof(CorridorHops));
        if (MaxPromptChars < 2_000) throw new ArgumentException(Invariant($"MaxPromptChars must be at least 2000, got {MaxPromptChars}."), nameof(MaxPromptChars));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Writes demonstrations with an LLM behind any OpenAI-compatible endpoint. Agents are asked about
/// in calls of <see cref="LlmDemonstratorOptions.AgentsPerCall"/>, all calls of a round at once
/// (the client bounds how many are in flight). Every answer is parsed and validated against the
/// scenario's real graph; agents whose list is invalid are asked again, with their previous list
/// and the located problems, up to <see cref="LlmDemonstratorOptions.MaxRounds"/>.
/// </summary>
/// <remarks>
/// The answer is data: it only ever becomes <see cref="Instruction"/> records through
/// <see cref="InstructionParser"/>, and only the validator decides what is valid. A call that fails
/// after the client's retries marks its agents failed (with the reason) and they are not asked
/// again; if no call at all is answered, <see cref="LlmGenerationException"/> says why.
/// </remarks>
public sealed class LlmDemonstrator : IDemonstrator
{
    /// <summary>Stored with every set this demonstrator makes.</summary>
    public const string PromptVersion = LlmPrompts.Version;

    private readonly IHttpClientFactory _http;
    private readonly LlmEndpoint _endpoint;
    private readonly LlmDemonstratorOptions _options;

    /// <param name="http">The factory with the <see cref="LlmHttp"/> client registered; each generation takes a client from it.</param>
    /// <exception cref="ArgumentException">A setting of the endpoint or the options is out of range.</exception>
    public LlmDemonstrator(IHttpClientFactory http, LlmEndpoint endpoint, LlmDemonstratorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(endpoint);
        _http = http;
        endpoint.Validate();
        _options = options ?? new LlmDemonstratorOptions();
        _options.Validate();
        _endpoint = endpoint;
    }

    public string Kind => "llm";

    /// <summary>E.g. <c>LLM llama3.1:8b at 127.0.0.1:11434</c>: host and port only, never a key or query.</summary>
    public string Label => $"LLM {_endpoint.Model} at {_endpoint.Host}";

    public LlmDemonstratorOptions Options => _options;

    /// <exception cref="LlmGenerationException">No call was answered; nothing should be stored.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public async Task<DemonstrationSet> GenerateAsync(Scenario scenario, IProgress<DemonstrationProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        cancellation.ThrowIfCancellationRequested();
        var transcript = new ConcurrentQueue<LlmCallRecord>();
        using var client = new LlmChatClient(_http, _endpoint, transcript.Enqueue);
        var generation = new Generation(this, scenario, client, progress, cancellation);
        try
        {
            DemonstrationSet set = await generation.RunAsync().ConfigureAwait(false);
            return set with { Transcript = [.. transcript] };
        }
        catch (NoAnswerException none)
        {
            throw new LlmGenerationException(none.Message, none.Last, [.. transcript]);
        }
    }

    /// <summary>
    /// Asks again for one agent only, as a refinement round would, with its current list, the
    /// validator's errors for it and an optional note from the researcher reviewing it. Nothing else
    /// in the set changes; the caller decides whether to keep the answer.
    /// </summary>
    /// <param name="current">The agent's list as it stands (possibly edited by hand).</param>
    /// <param name="errors">The errors the researcher saw for <paramref name="current"/>; when empty, the validator's own are sent, and
    /// for a valid list the model is asked for a different one.</param>
    /// <param name="note">What the researcher wants changed, sent with the feedback; null or blank for none.</param>
    /// <exception cref="LlmException">The call failed after the client's retries; the transcript so far is on <see cref="LlmGenerationException.Transcript"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public async Task<AgentRefinement> RefineAgentAsync(Scenario scenario, int agent, IReadOnlyList<Instruction> current,
        IReadOnlyList<InstructionError> errors, string? note, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(errors);
        if ((uint)agent >= (uint)scenario.AgentCount)
            throw new ArgumentOutOfRangeException(nameof(agent), agent, Invariant($"The scenario has agents 0 to {scenario.AgentCount - 1}."));
        cancellation.ThrowIfCancellationRequested();
        var transcript = new ConcurrentQueue<LlmCallRecord>();
        using var client = new LlmChatClient(_http, _endpoint, transcript.Enqueue);
        var generation = new Generation(this, scenario, client, null, cancellation);
        try
        {
            AgentDemonstration refined = await generation.RefineOneAsync(agent, current, errors, note).ConfigureAwait(false);
            return new AgentRefinement(refined, [.. transcript]);
        }
        catch (LlmException failure) when (failure is not LlmGenerationException)
        {
            throw new LlmGenerationException($"Asking again for Agent_{agent} failed: {failure.Message}", failure, [.. transcript]);
        }
    }

    /// <summary>Agents asked about together, with the problems of their previous answer that belong to none of them alone.</summary>
    private sealed record Group(IReadOnlyList<int> Agents, IReadOnlyList<string> SharedProblems, bool IsRefinement, bool Focused = false, string? Note = null);

    /// <summary>One call as planned: its agents and the user message that fits the budget.</summary>
    private sealed record PlannedCall(IReadOnlyList<int> Agents, string UserPrompt, bool IsRefinement);

    /// <summary>Where one agent stands after its latest answer.</summary>
    private sealed class AgentState(AgentValidation validation)
    {
        public IReadOnlyList<Instruction> Instructions { get; set; } = [];
        public AgentValidation Validation { get; set; } = validation;
        public IReadOnlyList<ParseError> ParseErrors { get; set; } = [];
        public bool ParsedCleanly { get; set; }
        public string? Failure { get; set; }
    }

    private sealed class NoAnswerException(string message, LlmException last) : Exception(message)
    {
        public LlmException Last { get; } = last;
    }

    /// <summary>The state of one <see cref="GenerateAsync"/>: the loop over rounds reads top to bottom in <see cref="RunAsync"/>.</summary>
    private sealed class Generation
    {
        private readonly LlmDemonstrator _owner;
        private readonly LlmDemonstratorOptions _options;
        private readonly Scenario _scenario;
        private readonly RoadGraph _graph;
        private readonly LlmChatClient _client;
        private readonly IProgress<DemonstrationProgress>? _progress;
        private readonly CancellationToken _cancellation;
        private readonly AgentState[] _states;
        private readonly int _maxSteps; // the episode every wait and route must fit
        private readonly KernelPlugin? _roads;
        private volatile bool _toolsRefused;
        private int _answeredCalls;
        private int _calls;
        private LlmException? _lastFailure;

        public Generation(LlmDemonstrator owner, Scenario scenario, LlmChatClient client, IProgress<DemonstrationProgress>? progress, CancellationToken cancellation)
        {
            _owner = owner;
            _options = owner._options;
            _scenario = scenario;
            _graph = scenario.Graph; // built here, once, before calls run in parallel
            _client = client;
            _progress = progress;
            _cancellation = cancellation;
            _maxSteps = (_options.Environment ?? new EnvConfig()).ResolveMaxSteps(scenario);
            _states = [.. Enumerable.Range(0, scenario.AgentCount).Select(agent => new AgentState(InstructionValidator.ValidateAgent(scenario, agent, [], _maxSteps)))];
            _roads = _options.UseTools ? new RoadsPlugin(scenario, _maxSteps).ToKernelPlugin() : null;
        }

        private bool ToolsOn => _roads is not null && !_toolsRefused;

        public async Task<DemonstrationSet> RunAsync()
        {
            List<Group> groups = [.. Enumerable.Range(0, _scenario.AgentCount).Chunk(_options.AgentsPerCall).Select(chunk => new Group(chunk, [], IsRefinement: false))];
            var rounds = new List<RoundQuality>();
            for (int round = 1; round <= _options.MaxRounds && groups.Count > 0; round++)
            {
                _cancellation.ThrowIfCancellationRequested();

                // ---- plan: one call per group, split until every prompt fits the budget ----
                List<PlannedCall> calls = [.. groups.SelectMany(Plan)];
                if (calls.Count == 0) break;

                // ---- ask: all calls of the round at once; the client bounds what is in flight ----
                int asked = calls.Sum(call => call.Agents.Count);
                int done = 0;
                var next = new Group?[calls.Count];
                await Task.WhenAll(calls.Select(async (call, index) =>
                {
                    next[index] = await AskAsync(round, call).ConfigureAwait(false);
                    int finished = Interlocked.Add(ref done, call.Agents.Count);
                    _progress?.Report(new DemonstrationProgress(round, finished, asked, Describe(round, index, calls.Count, call)));
                })).ConfigureAwait(false);

                // ---- measure: parse and path validity, arrival when the valid lists run together ----
                rounds.Add(Measure(round));
                groups = [.. next.OfType<Group>()];
            }

            if (_answeredCalls == 0)
            {
                // No call at all means no prompt fitted the budget; the agents' failures say why.
                LlmException last = _lastFailure ?? new LlmException(
                    _states.Select(state => state.Failure).FirstOrDefault(failure => failure is not null) ?? "no call was made",
                    LlmOutcome.Refused, _client.Host, 0);
                throw new NoAnswerException(
                    Invariant($"No demonstrations from {_client.Host}: all {_calls} call(s) for {_scenario.AgentCount} agent(s) failed. Last error: {last.Message}"), last);
            }
            return new DemonstrationSet(_owner.Kind, _owner.Label, Demonstrations(), rounds, _client.Model, _client.Host, PromptVersion);
        }

        /// <summary>One refinement call for one agent, from the given list and errors; failures propagate.</summary>
        public async Task<AgentDemonstration> RefineOneAsync(int agent, IReadOnlyList<Instruction> current, IReadOnlyList<InstructionError> errors, string? note)
        {
            AgentState state = _states[agent];
            state.Instructions = current;
            // The caller's errors are what the researcher saw; without any, the validator's own are sent (none for a valid list).
            AgentValidation validation = InstructionValidator.ValidateAgent(_scenario, agent, current, _maxSteps);
            state.Validation = errors.Count > 0 ? validation with { Errors = errors } : validation;
            List<PlannedCall> calls = [.. Plan(new Group([agent], [], IsRefinement: true, Focused: true, note))];
            if (calls.Count == 0) throw new LlmException(state.Failure ?? "the prompt does not fit the budget", LlmOutcome.Refused, _client.Host, 0);
            Interlocked.Increment(ref _calls);
            string text = (await CompleteAsync(1, calls[0]).ConfigureAwait(false)).Text;
            Apply(calls[0], text);
            return AgentDemonstration.From(state.Validation, state.Instructions, state.Failure);
        }

        /// <summary>
        /// The whole graph when it fits; else a corridor around the agents' shortest routes, narrower
        /// and narrower; else the group split in two. An agent whose route alone does not fit fails.
        /// </summary>
        private IEnumerable<PlannedCall> Plan(Group group)
        {
            string? feedback = group.Focused ? LlmPrompts.FocusedFeedback(_scenario, FeedbackOf(group.Agents[0]), group.Note)
                : group.IsRefinement ? LlmPrompts.Feedback(_scenario, [.. group.Agents.Select(FeedbackOf)], group.SharedProblems)
                : null;
            int budget = _options.MaxPromptChars - LlmPrompts.System(ToolsOn).Length;

            string user = LlmPrompts.User(_scenario, group.Agents, null, feedback);
            if (user.Length <= budget) return [new PlannedCall(group.Agents, user, group.IsRefinement)];
            for (int hops = _options.CorridorHops; hops >= 0; hops--)
            {
                user = LlmPrompts.User(_scenario, group.Agents, Corridor(group.Agents, hops), feedback);
                if (user.Length <= budget) return [new PlannedCall(group.Agents, user, group.IsRefinement)];
            }

            if (group.Agents.Count > 1)
            {
                int half = group.Agents.Count / 2;
                return Plan(group with { Agents = [.. group.Agents.Take(half)] })
                    .Concat(Plan(group with { Agents = [.. group.Agents.Skip(half)] }));
            }
            int agent = group.Agents[0];
            _states[agent].Failure = Invariant(
                $"the prompt for Agent_{agent} alone needs {user.Length + _options.MaxPromptChars - budget} characters, more than the budget of {_options.MaxPromptChars}; raise MaxPromptChars");
            return [];
        }

        /// <summary>The intersections within <paramref name="hops"/> links of the agents' shortest routes (origins and destinations included), ascending.</summary>
        private SortedSet<int> Corridor(IReadOnlyList<int> agents, int hops)
        {
            var nodes = new SortedSet<int>();
            var frontier = new List<int>();
            foreach (int agent in agents)
            {
                int origin = _scenario.OriginNode(agent), destination = _scenario.DestinationNode(agent);
                foreach (int node in _graph.ShortestRoute(origin, destination) ?? [origin, destination])
                    if (nodes.Add(node)) frontier.Add(node);
            }
            for (int hop = 0; hop < hops && frontier.Count > 0; hop++)
            {
                var reached = new List<int>();
                foreach (int node in frontier)
                    foreach (RoadLink link in _graph.Links(node))
                        if (nodes.Add(link.Neighbour)) reached.Add(link.Neighbour);
                frontier = reached;
            }
            return nodes;
        }

        /// <summary>Asks one call and applies its answer; returns the agents to ask again, or null.</summary>
        private async Task<Group?> AskAsync(int round, PlannedCall call)
        {
            Interlocked.Increment(ref _calls);
            string text;
            try
            {
                text = (await CompleteAsync(round, call).ConfigureAwait(false)).Text;
                Interlocked.Increment(ref _answeredCalls);
            }
            catch (LlmException failure)
            {
                // The client has already retried what retrying can fix; these agents are reported failed.
                _lastFailure = failure;
                foreach (int agent in call.Agents) _states[agent].Failure = failure.Message;
                return null;
            }
            return Apply(call, text);
        }

        private async Task<LlmReply> CompleteAsync(int round, PlannedCall call)
        {
            bool tools = ToolsOn;
            var request = new LlmRequest(LlmPrompts.System(tools), call.UserPrompt)
            {
                ResponseSchema = InstructionParser.AnswerSchema,
                Plugins = tools ? [_roads!] : [],
                Round = round,
                Agents = call.Agents,
                Temperature = _options.Temperature,
                MaxTokens = _options.MaxTokens,
            };
            try
            {
                return await _client.CompleteAsync(request, _cancellation).ConfigureAwait(false);
            }
            catch (LlmException refused) when (tools && RefusesTools(refused))
            {
                // Many local models have no tool support; the functions only help, so ask without them.
                _toolsRefused = true;
                return await _client.CompleteAsync(request with { SystemPrompt = LlmPrompts.System(false), Plugins = [] }, _cancellation).ConfigureAwait(false);
            }
        }

        // Ollama: "... does not support tools"; vLLM: "\"auto\" tool choice requires --enable-auto-tool-choice ...".
        private static bool RefusesTools(LlmException error) =>
            error.Outcome == LlmOutcome.Refused && error.StatusCode == 400 && error.Message.Contains("tool", StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// Parses and validates one answer for the call's agents. Instructions for agents the call did
        /// not ask about are ignored (and said so), so a call can only change its own agents.
        /// </summary>
        private Group? Apply(PlannedCall call, string text)
        {
            ParsedInstructions parsed = InstructionParser.ParseAnswer(text, _maxSteps);
            IReadOnlyDictionary<int, IReadOnlyList<Instruction>> byAgent = parsed.ByAgent();
            var asked = new HashSet<int>(call.Agents);

            var shared = new List<string>();
            List<ParseError> unattributed = [.. parsed.Errors.Where(error => error.Agent is not int agent || !asked.Contains(agent))];
            shared.AddRange(unattributed.Select(error => error.ToString()));
            foreach (int other in byAgent.Keys.Where(agent => !asked.Contains(agent)))
            {
                LocatedInstruction? first = parsed.Instructions.FirstOrDefault(located => located.Instruction.Agent == other);
                string where = first is null ? "answer" : Invariant($"line {first.Line}, column {first.Column}: {first.Instruction.Format()}");
                shared.Add((uint)other < (uint)_scenario.AgentCount
                    ? Invariant($"{where}: Agent_{other} was not asked about here; its instructions were ignored.")
                    : Invariant($"{where}: Agent_{other} is not in this scenario (agents are Agent_0 to Agent_{_scenario.AgentCount - 1})."));
            }

            var redo = new List<int>();
            foreach (int agent in call.Agents)
            {
                IReadOnlyList<Instruction> list = byAgent.GetValueOrDefault(agent) ?? [];
                AgentValidation validation = InstructionValidator.ValidateAgent(_scenario, agent, list, _maxSteps);
                List<ParseError> own = [.. parsed.Errors.Where(error => error.Agent == agent)];
                AgentState state = _states[agent];
                state.Instructions = list;
                state.Validation = validation;
                state.ParseErrors = own;
                // Problems of the answer as a whole count against the agents they may have cost a list.
                state.ParsedCleanly = list.Count > 0 && own.Count == 0 && (validation.Valid || unattributed.Count == 0);
                state.Failure = null;
                if (!validation.Valid) redo.Add(agent);
            }
            return redo.Count == 0 ? null : new Group(redo, shared, IsRefinement: true);
        }

        private AgentFeedback FeedbackOf(int agent)
        {
            AgentState state = _states[agent];
            return new AgentFeedback(agent, state.Instructions, state.Validation.Errors, state.ParseErrors);
        }

        private RoundQuality Measure(int round)
        {
            _cancellation.ThrowIfCancellationRequested();
            IReadOnlyList<AgentDemonstration> agents = Demonstrations();
            double count = _states.Length;
            ExecutionResult execution = InstructionExecutor.Execute(_scenario, agents, _owner.Label, config: _options.Environment);
            return new RoundQuality(round, _states.Count(state => state.ParsedCleanly) / count, agents.Count(agent => agent.Valid) / count, execution.ArrivalRate);
        }

        private AgentDemonstration[] Demonstrations() =>
            [.. _states.Select(state => AgentDemonstration.From(state.Validation, state.Instructions, state.Failure))];

        private string Describe(int round, int index, int count, PlannedCall call)
        {
            string which = Invariant($"round {round}, call {index + 1} of {count} ({call.Agents.Count} agent(s))");
            if (call.Agents.All(agent => _states[agent].Failure is not null)) return which + ": failed: " + _states[call.Agents[0]].Failure;
            int valid = call.Agents.Count(agent => _states[agent].Validation.Valid);
            return which + Invariant($": {valid} valid");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What <see cref="LlmDemonstrator.RefineAgentAsync"/> produced: the agent's new list, validated, and the calls it took.</summary>
public sealed record AgentRefinement(AgentDemonstration Demonstration, IReadOnlyList<LlmCallRecord> Transcript);
