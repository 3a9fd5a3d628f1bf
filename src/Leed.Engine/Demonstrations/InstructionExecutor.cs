// Runs every agent's instruction list together in the environment and records expert trajectories.
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;

namespace Leed.Engine.Demonstrations;

/// <summary>How one agent's demonstration played out in the environment.</summary>
/// <param name="TravelTime">Steps from departure to arrival, or null when it did not arrive.</param>
/// <param name="BlockedSteps">Steps its move was refused because the next cell was full.</param>
public sealed record AgentExecution(int Agent, bool Valid, bool Arrived, int? TravelTime, int BlockedSteps);

/// <summary>The executed demonstrations: the expert dataset plus what happened to each agent.</summary>
public sealed record ExecutionResult(ExpertDataset Dataset, IReadOnlyList<AgentExecution> Agents, EpisodeSummary Episode)
{
    /// <summary>Share of all agents that arrived following a valid list.</summary>
    public double ArrivalRate => Agents.Count == 0 ? 0 : Agents.Count(agent => agent.Valid && agent.Arrived) / (double)Agents.Count;
}

/// <summary>
/// Executes instruction lists with congestion: a MoveTo drives the segment cell by cell (a blocked
/// move is retried the next step), a Wait stays. Agents whose list is invalid are driven along a
/// shortest route as background traffic, so the others meet realistic congestion, and their
/// trajectories are marked invalid and empty: nothing invalid reaches training.
/// </summary>
/// <remarks>
/// Validity is checked again here against this episode, whatever the demonstration says about
/// itself: a set stored before a rule existed, or one built by hand, cannot smuggle a list that the
/// validator now rejects into training. Plans hold at most one episode of steps, however long the
/// waits they were given.
/// </remarks>
public static class InstructionExecutor
{
    public static ExecutionResult Execute(Scenario scenario, IReadOnlyList<AgentDemonstration> demonstrations, string provenance,
        ulong seed = 0, EnvConfig? config = null)
    {
        int agents = scenario.AgentCount;
        if (demonstrations.Count != agents) throw new ArgumentException($"Expected {agents} agent demonstrations, got {demonstrations.Count}.");
        var env = new VectorCityEnv(scenario, 1, config, autoReset: false);
        int size = env.ObservationSize;
        var observations = new float[agents * size];
        var actions = new int[agents];
        env.Reset(seed, observations);

        var valid = new bool[agents];
        List<int>[] plans = new List<int>[agents]; // per step of the plan: a target cell, or -1 for "stay"
        for (int agent = 0; agent < agents; agent++)
        {
            IReadOnlyList<Instruction> instructions = demonstrations[agent].Instructions;
            valid[agent] = demonstrations[agent].Valid && InstructionValidator.ValidateAgent(scenario, agent, instructions, env.MaxSteps).Valid;
            plans[agent] = Plan(scenario, agent, valid[agent] ? instructions : ShortestRouteInstructions(scenario, agent), env.MaxSteps);
        }
        var cursor = new int[agents];
        var blocked = new int[agents];
        var recordedObservations = new List<float>[agents];
        var recordedActions = new List<int>[agents];
        var recordedRewards = new List<float>[agents];
        var recordedDones = new List<bool>[agents];
        var recordedCells = new List<int>[agents];
        for (int agent = 0; agent < agents; agent++)
        {
            recordedObservations[agent] = [];
            recordedActions[agent] = [];
            recordedRewards[agent] = [];
            recordedDones[agent] = [];
            recordedCells[agent] = [];
        }

        int width = scenario.Map.Width;
        while (env.EpisodeDone[0] == 0)
        {
            for (int agent = 0; agent < agents; agent++)
            {
                actions[agent] = (int)Move.Stay;
                if (env.Status[agent] != AgentStatus.Driving || cursor[agent] >= plans[agent].Count) continue;
                int target = plans[agent][cursor[agent]];
                if (target >= 0) actions[agent] = (int)Directions.Between(env.Positions[agent], target, width);
            }
            var before = new AgentStatus[agents];
            var cellsBefore = new int[agents];
            env.Status.CopyTo(before);
            env.Positions.CopyTo(cellsBefore);
            for (int agent = 0; agent < agents; agent++)
            {
                if (before[agent] > AgentStatus.Driving) continue;
                recordedObservations[agent].AddRange(observations.AsSpan(agent * size, size).ToArray());
                recordedActions[agent].Add(actions[agent]);
                recordedCells[agent].Add(cellsBefore[agent]);
            }

            env.Step(actions, observations);

            for (int agent = 0; agent < agents; agent++)
            {
                if (before[agent] > AgentStatus.Driving) continue;
                recordedRewards[agent].Add(env.Rewards[agent]);
                recordedDones[agent].Add(env.Terminated[agent] != 0 || env.Truncated[agent] != 0);
                if (before[agent] != AgentStatus.Driving || cursor[agent] >= plans[agent].Count) continue;
                int target = plans[agent][cursor[agent]];
                bool done = target < 0 || env.Positions[agent] == target || env.Status[agent] == AgentStatus.Arrived;
                if (done) cursor[agent]++;
                else blocked[agent]++;
            }
        }

        var trajectories = new ExpertTrajectory[agents];
        var outcomes = new AgentExecution[agents];
        for (int agent = 0; agent < agents; agent++)
        {
            bool arrived = env.Status[agent] == AgentStatus.Arrived;
            int departure = scenario.Agents[agent].Departure;
            int? travel = arrived ? recordedActions[agent].Count - departure : null;
            outcomes[agent] = new AgentExecution(agent, valid[agent], arrived, travel, blocked[agent]);
            trajectories[agent] = valid[agent]
                ? new ExpertTrajectory(agent, size, [.. recordedObservations[agent]], [.. recordedActions[agent]], [.. recordedRewards[agent]],
                    [.. recordedDones[agent]], valid: true, arrived, [.. recordedCells[agent]])
                : new ExpertTrajectory(agent, size, [], [], [], [], valid: false, arrived: false);
        }
        return new ExecutionResult(new ExpertDataset(trajectories, provenance), outcomes, env.LastEpisode(0));
    }

    /// <summary>Executes a demonstration set with the set's own label as provenance.</summary>
    public static ExecutionResult Execute(Scenario scenario, DemonstrationSet set, ulong seed = 0, EnvConfig? config = null) =>
        Execute(scenario, set.Agents, set.Label, seed, config);

    /// <summary>
    /// The plan of a valid list: each MoveTo becomes the segment's cells, each Wait that many stays,
    /// cut at <paramref name="maxSteps"/> entries because no episode runs longer.
    /// </summary>
    private static List<int> Plan(Scenario scenario, int agent, IReadOnlyList<Instruction> instructions, int maxSteps)
    {
        RoadGraph graph = scenario.Graph;
        var plan = new List<int>();
        int current = scenario.OriginNode(agent);
        foreach (Instruction instruction in instructions)
        {
            if (plan.Count >= maxSteps) break;
            if (instruction is Wait wait)
            {
                for (int s = Math.Min(wait.Steps, maxSteps - plan.Count); s > 0; s--) plan.Add(-1);
            }
            else if (instruction is MoveTo move)
            {
                Segment segment = graph.SegmentBetween(current, move.Intersection)
                    ?? throw new InvalidOperationException($"Agent_{agent}: Intersection_{move.Intersection} is not adjacent to Intersection_{current}; validate before executing.");
                plan.AddRange(segment.CellsFrom(current).Skip(1));
                current = move.Intersection;
            }
        }
        return plan;
    }

    /// <summary>A shortest route as MoveTo instructions (background traffic for agents without a valid list).</summary>
    internal static IReadOnlyList<Instruction> ShortestRouteInstructions(Scenario scenario, int agent)
    {
        IReadOnlyList<int> route = scenario.Graph.ShortestRoute(scenario.OriginNode(agent), scenario.DestinationNode(agent)) ?? [];
        return [.. route.Skip(1).Select(node => (Instruction)new MoveTo(agent, node))];
    }
}
