// The algorithms one trainer runs, and their names on the command line and in stored runs.
namespace Leed.Engine.Learning;

/// <summary>The training algorithms and reference policies.</summary>
public enum Algorithm
{
    /// <summary>Independent PPO: each agent's own actor and critic on its own observation; no demonstrations.</summary>
    Ippo,
    /// <summary>PPO with a centralized critic on the global state (per-agent critics), decentralized actors.</summary>
    Mappo,
    /// <summary>Behaviour cloning: only the expert loss on the demonstrations; rollouts only measure return.</summary>
    Bc,
    /// <summary>LEED: per agent, the PPO loss plus <c>w_i * L_E,i</c> on its own demonstration steps.</summary>
    Leed,
    /// <summary>Reference: replays each agent's demonstrated actions (holding its place while blocked). Never learns.</summary>
    Demo,
    /// <summary>Reference: uniform over the valid actions. Never learns.</summary>
    Random,
}

public static class AlgorithmNames
{
    public static string Name(this Algorithm algorithm) => algorithm switch
    {
        Algorithm.Ippo => "ippo",
        Algorithm.Mappo => "mappo",
        Algorithm.Bc => "bc",
        Algorithm.Leed => "leed",
        Algorithm.Demo => "demo",
        Algorithm.Random => "random",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<Algorithm>().Select(Name)];

    public static Algorithm Parse(string name) =>
        Enum.GetValues<Algorithm>().FirstOrDefault(algorithm => algorithm.Name() == name.Trim().ToLowerInvariant(), (Algorithm)(-1)) is var found && found >= 0
            ? found
            : throw new FormatException($"Unknown algorithm '{name}'. Expected one of: {string.Join(", ", All)}.");

    /// <summary>Uses demonstrations (for the loss or for replay).</summary>
    public static bool NeedsDemonstrations(this Algorithm algorithm) => algorithm is Algorithm.Leed or Algorithm.Bc or Algorithm.Demo;

    /// <summary>Has parameters that are updated.</summary>
    public static bool Learns(this Algorithm algorithm) => algorithm is not (Algorithm.Demo or Algorithm.Random);

    /// <summary>Trains a critic with the PPO loss.</summary>
    public static bool UsesPpo(this Algorithm algorithm) => algorithm is Algorithm.Ippo or Algorithm.Mappo or Algorithm.Leed;
}
