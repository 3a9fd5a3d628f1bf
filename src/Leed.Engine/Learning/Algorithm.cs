// The one table of algorithms: each one's name, description and traits. Everything else reads it.
namespace Leed.Engine.Learning;

/// <summary>The training algorithms and reference policies; <see cref="Algorithms.All"/> says what each one is.</summary>
public enum Algorithm { Ippo, Mappo, Bc, Leed, Demo, Random }

/// <summary>How an algorithm chooses its actions.</summary>
public enum PolicyKind
{
    /// <summary>Each agent's own actor network (the only kind that learns).</summary>
    Network,
    /// <summary>Uniform over the actions the observation's mask allows.</summary>
    Uniform,
    /// <summary>Replays each agent's demonstrated actions (<see cref="DemoReplay"/>).</summary>
    Replay,
}

/// <summary>How the expert loss <c>L_E,i = -mean log pi_i(a_e | o_e)</c> enters agent i's loss, if at all.</summary>
public enum ExpertWeighting
{
    /// <summary>No expert loss.</summary>
    None,
    /// <summary><c>w_i * L_E,i</c> with <c>w_i</c> from a weight schedule (<see cref="IWeightSchedule"/>), updated after every rollout.</summary>
    Schedule,
    /// <summary><c>L_E,i</c> with weight 1 for every agent that has a usable demonstration.</summary>
    Unweighted,
}

/// <summary>
/// One row of the table. The trainer does what the traits say and nothing by name: the PPO loss
/// when <see cref="UsesPpo"/>, the expert loss as <see cref="ExpertLoss"/> says, a critic on the
/// global state when <see cref="CentralizedCritic"/>, actions from <see cref="Policy"/>.
/// </summary>
/// <param name="Name">On the command line, in stored runs and in checkpoints; never changes once released.</param>
/// <param name="Description">One line for menus and help texts.</param>
public sealed record AlgorithmInfo(Algorithm Algorithm, string Name, string Description, PolicyKind Policy, bool UsesPpo,
    bool CentralizedCritic, ExpertWeighting ExpertLoss)
{
    /// <summary>Has parameters that are updated (a network policy); the others are reference policies.</summary>
    public bool Learns => Policy == PolicyKind.Network;

    /// <summary>A fixed policy to measure against (never learns).</summary>
    public bool IsReference => !Learns;

    /// <summary>Uses demonstrations, for the expert loss or for replay.</summary>
    public bool NeedsDemonstrations => ExpertLoss != ExpertWeighting.None || Policy == PolicyKind.Replay;

    /// <summary>Takes a weight schedule (<c>--weight</c>, the New run page's weight field).</summary>
    public bool UsesWeightSchedule => ExpertLoss == ExpertWeighting.Schedule;
}

/// <summary>The table, and reading names back.</summary>
public static class Algorithms
{
    /// <summary>Every algorithm, in the order menus and help list them.</summary>
    public static IReadOnlyList<AlgorithmInfo> All { get; } =
    [
        new(Algorithm.Leed, "leed", "PPO + per-agent expert loss with a weight schedule",
            PolicyKind.Network, UsesPpo: true, CentralizedCritic: false, ExpertWeighting.Schedule),
        new(Algorithm.Ippo, "ippo", "independent PPO, no demonstrations",
            PolicyKind.Network, UsesPpo: true, CentralizedCritic: false, ExpertWeighting.None),
        new(Algorithm.Mappo, "mappo", "PPO with a centralized critic",
            PolicyKind.Network, UsesPpo: true, CentralizedCritic: true, ExpertWeighting.None),
        new(Algorithm.Bc, "bc", "behaviour cloning on the demonstrations",
            PolicyKind.Network, UsesPpo: false, CentralizedCritic: false, ExpertWeighting.Unweighted),
        new(Algorithm.Demo, "demo", "replay the demonstrations (reference)",
            PolicyKind.Replay, UsesPpo: false, CentralizedCritic: false, ExpertWeighting.None),
        new(Algorithm.Random, "random", "uniform over valid actions (reference)",
            PolicyKind.Uniform, UsesPpo: false, CentralizedCritic: false, ExpertWeighting.None),
    ];

    /// <summary>What a run trains when nothing is said.</summary>
    public static AlgorithmInfo Default => Info(Algorithm.Leed);

    /// <summary>Every name, in table order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(info => info.Name)];

    private static readonly Dictionary<Algorithm, AlgorithmInfo> ById = All.ToDictionary(info => info.Algorithm);

    public static AlgorithmInfo Info(this Algorithm algorithm) =>
        ById.TryGetValue(algorithm, out AlgorithmInfo? info) ? info : throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not in the algorithm table.");

    public static string Name(this Algorithm algorithm) => algorithm.Info().Name;

    /// <summary>The algorithm named <paramref name="name"/> (case and surrounding spaces ignored), or null.</summary>
    public static AlgorithmInfo? Find(string? name) =>
        All.FirstOrDefault(info => string.Equals(info.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The algorithm named <paramref name="name"/>; a <see cref="FormatException"/> lists the known names otherwise.</summary>
    public static Algorithm Parse(string name) =>
        Find(name)?.Algorithm ?? throw new FormatException($"Unknown algorithm '{name}'. Expected one of: {string.Join(", ", Names)}.");
}
