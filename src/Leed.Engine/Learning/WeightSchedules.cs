// Per-agent weights of LEED's expert loss: the schedule interface, the fixed and decaying schedules, and the one table every schedule is read from.
using System.Globalization;

namespace Leed.Engine.Learning;

/// <summary>What one agent's finished episodes of the last rollout showed, compared with its demonstration.</summary>
/// <param name="Dtw">Normalised DTW distance (cells) between the agent's path and its demonstration's path.</param>
/// <param name="Return">The agent's episode return (unscaled environment reward).</param>
/// <param name="ExpertReturn">The demonstration's return for this agent.</param>
public readonly record struct AgentEvidence(double Dtw, double Return, double ExpertReturn);

/// <summary>
/// What one agent's own critic says, before this iteration's update, about the actions of its own
/// demonstration: per usable step <c>A_t = r_t + gamma * V(o_t+1) - V(o_t)</c> (scaled reward, 0
/// after the end), the advantage of taking the demonstrated action now and following the policy after.
/// </summary>
/// <param name="MeanAdvantage">Mean of <c>A_t</c> over the agent's usable demonstration steps.</param>
/// <param name="MeanAbsoluteAdvantage">Mean of <c>|A_t|</c> over the same steps.</param>
/// <param name="PassShare">Share of the steps with <c>A_t &gt;= 0</c> (the expert's action at least as good as the policy's).</param>
public readonly record struct DemoJudgement(double MeanAdvantage, double MeanAbsoluteAdvantage, double PassShare);

/// <summary>Everything a schedule may read after a rollout; every span is indexed by agent and holds only that agent's own data.</summary>
public readonly ref struct WeightInputs(int iteration, double progress, ReadOnlySpan<AgentEvidence?> evidence, ReadOnlySpan<DemoJudgement?> critic = default)
{
    /// <summary>The iteration (from 1) whose update will use the weights.</summary>
    public int Iteration { get; } = iteration;
    /// <summary>Share of the planned iterations completed, in [0, 1].</summary>
    public double Progress { get; } = progress;
    /// <summary>Null when the agent finished no episode in this rollout or has no demonstration.</summary>
    public ReadOnlySpan<AgentEvidence?> Evidence { get; } = evidence;
    /// <summary>Empty unless the schedule <see cref="IWeightSchedule.ReadsCritic"/>; null for agents without a usable demonstration.</summary>
    public ReadOnlySpan<DemoJudgement?> Critic { get; } = critic;
}

/// <summary>
/// Decides <c>w_i</c> in <c>L_PPO,i + w_i * L_E,i</c> for every agent after each rollout. The
/// trainer owns the weights array (it is saved in checkpoints) and zeroes agents without a valid
/// demonstration after every update. Every schedule is decentralized: agent i's weight is a
/// function of agent i's own evidence, critic and demonstration only.
/// </summary>
public interface IWeightSchedule
{
    /// <summary>The canonical text of this schedule; <see cref="WeightSchedules.Parse"/> reads it back.</summary>
    string Spec { get; }

    /// <summary>Every agent's weight before the first rollout.</summary>
    float Initial { get; }

    /// <summary>The trainer computes <see cref="WeightInputs.Critic"/> (one critic pass over the demonstrations) only for schedules that read it.</summary>
    bool ReadsCritic => false;

    /// <summary>Expert batches are drawn only from demonstration steps whose advantage is at least 0 (the Q-filter); implies <see cref="ReadsCritic"/>.</summary>
    bool FiltersDemoSteps => false;

    /// <param name="weights">Per agent: the current weights in, the new weights out.</param>
    void Update(WeightInputs inputs, Span<float> weights);
}

/// <summary><c>w_i = w</c> for every agent, always.</summary>
public sealed record FixedWeight(float Weight) : IWeightSchedule
{
    public string Spec => FormattableString.Invariant($"fixed:{Weight}");
    public float Initial => Weight;
    public void Update(WeightInputs inputs, Span<float> weights) => weights.Fill(Weight);
}

/// <summary>
/// <c>w(p) = floor + (start - floor) * (1 - p)</c>: a linear decay from <c>start</c> at the first
/// iteration to <c>floor</c> at the last planned one, the same for every agent.
/// </summary>
public sealed record DecayWeight(float Start = 1f, float Floor = 0.05f) : IWeightSchedule
{
    public string Spec => FormattableString.Invariant($"decay:{Start}:{Floor}");
    public float Initial => Start;

    public static float At(double progress, float start, float floor) =>
        (float)(floor + (start - floor) * (1 - Math.Clamp(progress, 0, 1)));

    public void Update(WeightInputs inputs, Span<float> weights) => weights.Fill(At(inputs.Progress, Start, Floor));
}

/// <summary>One kind of schedule: its name, its parameters in order with their defaults, what it does, and how it is built.</summary>
/// <param name="Required">How many leading parameters must be given (the rest take their defaults).</param>
public sealed record WeightScheduleKind(string Name, IReadOnlyList<(string Name, double Default)> Parameters, int Required, string Summary,
    Func<double[], IWeightSchedule> Create)
{
    /// <summary>The usage text, e.g. <c>decay[:START[:FLOOR]]</c>.</summary>
    public string Usage
    {
        get
        {
            string text = Name;
            for (int k = 0; k < Required; k++) text += ":" + Parameters[k].Name;
            string optional = "";
            for (int k = Parameters.Count - 1; k >= Required; k--) optional = $"[:{Parameters[k].Name}{optional}]";
            return text + optional;
        }
    }

    /// <summary>The spec with every parameter at its default (empty for kinds that need one).</summary>
    public string? DefaultSpec => Required > 0 ? null : Create([.. Parameters.Select(parameter => parameter.Default)]).Spec;
}

/// <summary>Reads weight schedules from text, from the one table of kinds (the command line, study files and the New run page all list it).</summary>
public static class WeightSchedules
{
    /// <summary>Every schedule LEED knows, in the order the docs and forms list them.</summary>
    public static IReadOnlyList<WeightScheduleKind> Kinds { get; } =
    [
        new("fixed", [("W", double.NaN)], 1, "the same weight for every agent, always",
            p => new FixedWeight((float)p[0])),
        new("decay", [("START", 1), ("FLOOR", 0.05)], 0, "linear from START to FLOOR over the planned iterations",
            p => p[1] > p[0] ? throw new FormatException($"the floor ({p[1]}) is above the start ({p[0]})") : new DecayWeight((float)p[0], (float)p[1])),
        new("dynamic", [("MAX", 1), ("FLOOR", 0.05), ("D", 2), ("K", 5), ("BETA", 0.3), ("A", 1), ("S", 10)], 0,
            "per agent, from its DTW distance to its demonstration and its return against the demonstration's",
            p => p[1] > p[0] || p[2] <= 0 || p[4] is <= 0 or > 1 || p[6] <= 0
                ? throw new FormatException("needs FLOOR <= MAX, D > 0, 0 < BETA <= 1 and S > 0")
                : new DynamicWeight((float)p[0], (float)p[1], p[2], p[5], p[3], p[6], p[4])),
        new("return", [("MAX", 1), ("FLOOR", 0.05), ("K", 5), ("BETA", 0.3), ("S", 10)], 0,
            "per agent, from its return against its demonstration's return only",
            p => p[1] > p[0] || p[3] is <= 0 or > 1 || p[4] <= 0
                ? throw new FormatException("needs FLOOR <= MAX, 0 < BETA <= 1 and S > 0")
                : new ReturnWeight((float)p[0], (float)p[1], p[2], p[3], p[4])),
        new("qfilter", [("W", 1)], 0, "imitate only the demonstration steps the agent's critic rates at least as good as its policy (Q-filter)",
            p => new QFilterWeight((float)p[0])),
        new("dapg", [("W0", 1), ("DECAY", 0.97), ("CAP", 1)], 0,
            "W0 * DECAY^(iteration-1), scaled per agent by its critic's advantage of the demonstrated actions (DAPG)",
            p => p[1] > 1 ? throw new FormatException($"DECAY ({p[1]}) must be at most 1") : new DapgWeight((float)p[0], p[1], p[2])),
    ];

    /// <summary>One line listing every kind's usage and default, for option help and error messages.</summary>
    public static string Help { get; } = string.Join(" | ", Kinds.Select(kind => kind.DefaultSpec is { } spec ? $"{kind.Usage} (default {spec})" : kind.Usage));

    /// <summary>A few example specs, one per kind, for form hints.</summary>
    public static string Examples { get; } = string.Join(", ", Kinds.Select(kind => kind.Required > 0 ? $"{kind.Name}:0.5" : kind.Name));

    /// <summary>
    /// The schedule LEED uses when none is given: <c>fixed:1</c>, the best mean rank (2.2 of 11) over
    /// the five conditions of the dynamic-weight study (clean, detour 30% and 50%, wait 30%, drop 30%;
    /// 100 iterations, 3 seeds; docs/REPRODUCTION.md). No dynamic schedule's 95% interval lies above
    /// it in any condition. The paper's dynamic weight is <c>dynamic</c>.
    /// </summary>
    public static IWeightSchedule Default => new FixedWeight(1f);

    /// <summary>The spec of <see cref="Default"/>, as runs, forms and study files record it.</summary>
    public static string DefaultSpec => Default.Spec;

    public static IWeightSchedule Parse(string spec)
    {
        string[] parts = spec.Trim().Split(':');
        double[] numbers = new double[parts.Length - 1];
        for (int k = 1; k < parts.Length; k++)
        {
            if (!double.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[k - 1]) || !double.IsFinite(numbers[k - 1]) || numbers[k - 1] < 0)
                throw new FormatException($"Weight schedule '{spec}': '{parts[k]}' is not a non-negative number. Expected {Help}.");
        }
        string name = parts[0].ToLowerInvariant();
        WeightScheduleKind kind = Kinds.FirstOrDefault(candidate => candidate.Name == name)
            ?? throw new FormatException($"Unknown weight schedule '{spec}'. Expected {Help}.");
        if (numbers.Length < kind.Required || numbers.Length > kind.Parameters.Count)
        {
            string count = kind.Required == kind.Parameters.Count ? $"exactly {kind.Required}" : $"{kind.Required} to {kind.Parameters.Count}";
            string noun = kind.Required == 1 && kind.Parameters.Count == 1 ? "one weight" : $"{count} numbers";
            throw new FormatException(kind.Required == 1 && kind.Parameters.Count == 1
                ? $"Weight schedule '{spec}': {kind.Name} needs exactly {noun}, e.g. {kind.Name}:0.5."
                : $"Weight schedule '{spec}': {kind.Name} takes {noun}: {kind.Usage}.");
        }
        double[] full = [.. kind.Parameters.Select((parameter, k) => k < numbers.Length ? numbers[k] : parameter.Default)];
        try { return kind.Create(full); }
        catch (FormatException error) { throw new FormatException($"Weight schedule '{spec}': {error.Message}."); }
    }

    /// <summary>Updates with episode evidence only (no critic), as the evidence-driven schedules need.</summary>
    public static void Update(this IWeightSchedule schedule, double progress, ReadOnlySpan<AgentEvidence?> evidence, Span<float> weights) =>
        schedule.Update(new WeightInputs(1, progress, evidence), weights);
}
