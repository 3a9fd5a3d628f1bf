// Expert trajectories per agent, in exactly the agents' own observation format.
namespace Leed.Engine.Learning;

/// <summary>
/// One agent's demonstration executed in the environment: per step the observation the agent saw
/// (<c>[T, ObsSize]</c>, action mask included at the layout's mask offset), the action the
/// demonstration took, the reward and whether the step ended the agent's episode.
/// </summary>
public sealed class ExpertTrajectory
{
    public ExpertTrajectory(int agent, int observationSize, float[] observations, int[] actions, float[] rewards, bool[] dones, bool valid, bool arrived,
        int[]? cells = null)
    {
        int steps = actions.Length;
        if (observations.Length != steps * observationSize || rewards.Length != steps || dones.Length != steps)
            throw new ArgumentException($"Agent_{agent}: trajectory arrays disagree on the number of steps ({steps}).");
        Agent = agent;
        ObservationSize = observationSize;
        Observations = observations;
        Actions = actions;
        Rewards = rewards;
        Dones = dones;
        Valid = valid;
        Arrived = arrived;
        Cells = cells ?? [];
        if (Cells.Length != 0 && Cells.Length != steps)
            throw new ArgumentException($"Agent_{agent}: {Cells.Length} cells for {steps} steps.");
    }

    public int Agent { get; }
    public int ObservationSize { get; }
    public int Steps => Actions.Length;
    /// <summary><c>[T * ObsSize]</c> row-major.</summary>
    public float[] Observations { get; }
    public int[] Actions { get; }
    public float[] Rewards { get; }
    public bool[] Dones { get; }
    /// <summary>The instruction list validated; invalid agents carry no steps into training.</summary>
    public bool Valid { get; }
    /// <summary>The executed demonstration reached the destination.</summary>
    public bool Arrived { get; }
    public float Return => Rewards.Sum();
    /// <summary>The agent's cell at each recorded step (-1 while waiting to depart); empty when unknown.</summary>
    public int[] Cells { get; }
}

/// <summary>The expert dataset for a scenario: one trajectory per agent (possibly empty).</summary>
public sealed class ExpertDataset(IReadOnlyList<ExpertTrajectory> agents, string provenance)
{
    public IReadOnlyList<ExpertTrajectory> Agents { get; } = agents;

    /// <summary>Where the demonstrations came from, e.g. "planner, no LLM" or "LLM gpt-4o-mini, set 12 v2".</summary>
    public string Provenance { get; } = provenance;

    public int AgentCount => Agents.Count;
    public int TotalSteps => Agents.Sum(agent => agent.Steps);
    public double ArrivalRate => Agents.Count == 0 ? 0 : Agents.Count(agent => agent.Arrived) / (double)Agents.Count;
}
