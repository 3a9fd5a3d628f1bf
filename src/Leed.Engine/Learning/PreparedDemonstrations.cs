// The expert dataset turned into what the trainer needs: padded tensors, action sequences, paths, returns.
using Leed.Engine.Env;
using Leed.Engine.Maps;
using static TorchSharp.torch;

namespace Leed.Engine.Learning;

/// <summary>
/// Per agent, the demonstration steps the expert loss can learn from: steps where the agent was
/// driving (waiting steps allow only Stay and teach nothing) and whose action its own mask allows.
/// Agents whose demonstration is invalid or has no such step are not <see cref="Usable"/> and get
/// weight 0. Tensors are padded to the longest demonstration; padded rows allow only Stay and are
/// never sampled.
/// </summary>
public sealed class PreparedDemonstrations : IDisposable
{
    private PreparedDemonstrations(int agents) => Agents = agents;

    public int Agents { get; }
    /// <summary>[N] the agent has at least one usable step.</summary>
    public bool[] Usable { get; private init; } = [];
    /// <summary>[N] usable steps per agent.</summary>
    public int[] StepCounts { get; private init; } = [];
    /// <summary>[N] the demonstrated actions that took effect while driving, in order (what <c>demo</c> replays; retries of a blocked move are left out).</summary>
    public int[][] DrivingActions { get; private init; } = [];
    /// <summary>[N] the demonstration's cells while driving, then the destination if it arrived (what DTW compares).</summary>
    public int[][] Paths { get; private init; } = [];
    /// <summary>[N] the demonstration's return (unscaled).</summary>
    public float[] Returns { get; private init; } = [];
    public int UsableAgents => Usable.Count(usable => usable);

    /// <summary><c>[N, K, O]</c> observations of usable steps.</summary>
    public Tensor Observations { get; private init; } = null!;
    /// <summary><c>[N, K, O]</c> the observation after each usable step (the step's own where none was recorded; then <see cref="Continues"/> is 0).</summary>
    public Tensor NextObservations { get; private init; } = null!;
    /// <summary><c>[N, K]</c> each usable step's reward (unscaled).</summary>
    public Tensor Rewards { get; private init; } = null!;
    /// <summary><c>[N, K]</c> 0 where the step ended the agent's episode or was its last recorded step, else 1 (what a critic bootstraps from).</summary>
    public Tensor Continues { get; private init; } = null!;
    /// <summary><c>[N, K]</c> int64 actions.</summary>
    public Tensor Actions { get; private init; } = null!;
    /// <summary><c>[N, K]</c> 1 on real (unpadded) steps.</summary>
    public Tensor StepMask { get; private init; } = null!;
    /// <summary><c>[N, 1]</c> usable steps per agent as floats (at least 1, so sampling indices stay in range).</summary>
    public Tensor SamplingCounts { get; private init; } = null!;
    /// <summary><c>[N]</c> 1 for usable agents.</summary>
    public Tensor UsableMask { get; private init; } = null!;

    /// <summary>
    /// Demonstration rows of agents <paramref name="first"/>.. (<paramref name="count"/> of them) for
    /// the expert loss: <paramref name="draw"/> <c>[N, Be]</c> (uniform in [0, 1), drawn for every
    /// agent) picks, per agent, that many of its usable steps with replacement (see <see cref="StepIndex"/>).
    /// Observations <c>[n, Be, O]</c> and actions <c>[n, Be]</c>.
    /// </summary>
    public (Tensor Observations, Tensor Actions) Rows(Tensor draw, int first, int count, Tensor? passing = null)
    {
        long longest = Observations.shape[1], size = Observations.shape[2], rows = draw.shape[1];
        Tensor index = StepIndex(draw, first, count, passing);                                                // [n, Be]
        // Whole rows of the [N*K, O] view: a gather along the middle axis copies element by element and cost as much as the loss.
        Tensor flat = index.add(arange(first * longest, (first + count) * longest, longest).unsqueeze(1), HeldScalars.IntegerOne).view(-1); // [n*Be]
        Tensor observations = Observations.view(Agents * longest, size).index_select(0, flat).view(count, rows, size);         // [n, Be, O]
        return (observations, Actions.narrow(0, first, count).gather(1, index));
    }

    /// <summary>
    /// <c>[n, Be]</c> int64 step rows for agents <paramref name="first"/>..: the draw <c>u</c> in [0, 1)
    /// picks step <c>floor(u * K_i)</c> of the agent's <c>K_i</c> usable steps, or, with
    /// <paramref name="passing"/> (<c>[N, K]</c>, 1 on the steps that may be drawn, the Q-filter's), the
    /// <c>floor(u * P_i)</c>-th of its <c>P_i</c> passing steps (step 0 when none passes; its weight is then 0).
    /// The same draw either way, so the random stream does not depend on the filter.
    /// </summary>
    public Tensor StepIndex(Tensor draw, int first, int count, Tensor? passing = null)
    {
        Tensor mine = draw.narrow(0, first, count);                                                            // [n, Be]
        if (passing is null) return mine.mul(SamplingCounts.narrow(0, first, count)).floor().to(ScalarType.Int64);
        Tensor cumulative = passing.narrow(0, first, count).cumsum(1);                                        // [n, K] non-decreasing
        Tensor passed = cumulative.narrow(1, cumulative.shape[1] - 1, 1);                                     // [n, 1] P_i
        Tensor wanted = mine.mul(passed).floor().add(HeldScalars.One);                                        // [n, Be] the 1-based passing step
        Tensor index = searchsorted(cumulative, wanted);                                                      // first step whose count reaches it
        return index.masked_fill(passed.eq(0).expand_as(index), 0);
    }

    public static PreparedDemonstrations From(ExpertDataset dataset, Scenario scenario, ObservationLayout layout)
    {
        int agents = scenario.AgentCount, size = layout.Size;
        if (dataset.AgentCount != agents)
            throw new ArgumentException($"The demonstrations cover {dataset.AgentCount} agents; the scenario has {agents}.");
        var byAgent = new ExpertTrajectory?[agents];
        foreach (ExpertTrajectory trajectory in dataset.Agents)
        {
            if ((uint)trajectory.Agent >= (uint)agents) throw new ArgumentException($"The demonstrations name Agent_{trajectory.Agent}; the scenario has {agents} agents.");
            if (trajectory.Steps > 0 && trajectory.ObservationSize != size)
                throw new ArgumentException($"Agent_{trajectory.Agent}'s demonstration has observations of {trajectory.ObservationSize} floats; the environment writes {size}. Were they recorded with another environment configuration?");
            byAgent[trajectory.Agent] = trajectory;
        }

        int drivingFlag = layout.ScalarOffset + 7, maskOffset = layout.MaskOffset;
        var usableSteps = new List<int>[agents];
        var drivingActions = new int[agents][];
        var paths = new int[agents][];
        var returns = new float[agents];
        int width = scenario.Map.Width, height = scenario.Map.Height;
        for (int i = 0; i < agents; i++)
        {
            usableSteps[i] = [];
            ExpertTrajectory? trajectory = byAgent[i];
            if (trajectory is null || !trajectory.Valid || trajectory.Steps == 0)
            {
                drivingActions[i] = [];
                paths[i] = [];
                continue;
            }
            var actions = new List<int>();
            var path = new List<int>();
            for (int k = 0; k < trajectory.Steps; k++)
            {
                ReadOnlySpan<float> obs = trajectory.Observations.AsSpan(k * size, size);
                if (obs[drivingFlag] < 0.5f) continue;
                int action = trajectory.Actions[k];
                int cell = CellAt(trajectory, k, layout, width, height);
                path.Add(cell);
                if ((uint)action < Directions.ActionCount && obs[maskOffset + action] > 0.5f) usableSteps[i].Add(k);
                // A blocked move is recorded at every step it is retried; the replay keeps only actions
                // that took effect (a stay, a move to another cell, the arrival), so it never repeats one.
                bool arrivedHere = k == trajectory.Steps - 1 && trajectory.Arrived;
                bool moved = k + 1 < trajectory.Steps && CellAt(trajectory, k + 1, layout, width, height) != cell;
                if (action == (int)Move.Stay || moved || arrivedHere) actions.Add(action);
            }
            if (trajectory.Arrived) path.Add(scenario.Agents[i].Destination);
            drivingActions[i] = [.. actions];
            paths[i] = [.. path];
            returns[i] = trajectory.Return;
        }

        int longest = Math.Max(1, usableSteps.Max(steps => steps.Count));
        var observations = new float[agents * longest * size];
        var nextObservations = new float[agents * longest * size];
        var rewards = new float[agents * longest];
        var continues = new float[agents * longest];
        var expertActions = new long[agents * longest];
        var stepMask = new float[agents * longest];
        var counts = new float[agents];
        var usable = new bool[agents];
        for (int i = 0; i < agents; i++)
        {
            for (int row = 0; row < longest; row++)
            {
                observations[(i * longest + row) * size + maskOffset] = 1f; // padding allows only Stay
                nextObservations[(i * longest + row) * size + maskOffset] = 1f;
            }
            List<int> steps = usableSteps[i];
            for (int row = 0; row < steps.Count; row++)
            {
                ExpertTrajectory trajectory = byAgent[i]!;
                int k = steps[row];
                bool continued = k + 1 < trajectory.Steps && !trajectory.Dones[k];
                trajectory.Observations.AsSpan(k * size, size).CopyTo(observations.AsSpan((i * longest + row) * size, size));
                trajectory.Observations.AsSpan((continued ? k + 1 : k) * size, size).CopyTo(nextObservations.AsSpan((i * longest + row) * size, size));
                rewards[i * longest + row] = trajectory.Rewards[k];
                continues[i * longest + row] = continued ? 1f : 0f;
                expertActions[i * longest + row] = byAgent[i]!.Actions[steps[row]];
                stepMask[i * longest + row] = 1f;
            }
            usable[i] = steps.Count > 0;
            counts[i] = Math.Max(1, steps.Count);
        }

        return new PreparedDemonstrations(agents)
        {
            Usable = usable,
            StepCounts = [.. usableSteps.Select(steps => steps.Count)],
            DrivingActions = drivingActions,
            Paths = paths,
            Returns = returns,
            Observations = tensor(observations, [agents, longest, size]),
            NextObservations = tensor(nextObservations, [agents, longest, size]),
            Rewards = tensor(rewards, [agents, longest]),
            Continues = tensor(continues, [agents, longest]),
            Actions = tensor(expertActions, [agents, longest]),
            StepMask = tensor(stepMask, [agents, longest]),
            SamplingCounts = tensor(counts, [agents, 1]),
            UsableMask = tensor([.. usable.Select(u => u ? 1f : 0f)], [agents]),
        };
    }

    private static int CellAt(ExpertTrajectory trajectory, int step, ObservationLayout layout, int width, int height) =>
        trajectory.Cells.Length > 0
            ? trajectory.Cells[step]
            : CellFromObservation(trajectory.Observations.AsSpan(step * layout.Size, layout.Size), layout, width, height);

    /// <summary>Recovers the agent's cell from the normalised position scalars of its observation.</summary>
    public static int CellFromObservation(ReadOnlySpan<float> observation, ObservationLayout layout, int width, int height)
    {
        int x = (int)MathF.Round(observation[layout.ScalarOffset] * Math.Max(1, width - 1));
        int y = (int)MathF.Round(observation[layout.ScalarOffset + 1] * Math.Max(1, height - 1));
        return y * width + x;
    }

    public void Dispose()
    {
        Observations.Dispose();
        NextObservations.Dispose();
        Rewards.Dispose();
        Continues.Dispose();
        Actions.Dispose();
        StepMask.Dispose();
        SamplingCounts.Dispose();
        UsableMask.Dispose();
    }
}
