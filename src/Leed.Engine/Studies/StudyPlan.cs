// A study's plan: one map and scenario, and the axes (agent counts x corruption levels x configurations x seeds) at a fixed budget.
using System.Globalization;
using Leed.Engine.Demonstrations;
using Leed.Engine.Learning;

namespace Leed.Engine.Studies;

/// <summary>One level of the corruption axis: <c>none</c> (fraction 0), or a kind with the share of agents it changes.</summary>
public sealed record CorruptionLevel(CorruptionKind? Kind, double Fraction)
{
    public static readonly CorruptionLevel None = new(null, 0);

    public bool IsNone => Kind is null;

    /// <summary><c>none</c>, or e.g. <c>detour-0.5</c>; the label in cell keys, groups and tables.</summary>
    public string Label => Kind is { } kind ? $"{kind.Name()}-{Fraction.ToString("0.###", CultureInfo.InvariantCulture)}" : "none";

    public override string ToString() => Label;
}

/// <summary>One configuration: a display name, an algorithm from the table, its weight schedule (when it takes one) and hyperparameter overrides.</summary>
public sealed record StudyConfig(string Name, AlgorithmInfo Algorithm, string? Weight, IReadOnlyDictionary<string, double> Hyperparameters)
{
    /// <summary>Added by the study itself as a reference policy for the normalised score, not written in the plan.</summary>
    public bool Automatic { get; init; }

    /// <summary>A learning algorithm other than LEED (no weight schedule): what "baseline" means for the threshold.</summary>
    public bool IsBaseline => Algorithm.Learns && !Algorithm.UsesWeightSchedule;

    /// <summary>
    /// The corruption label of this configuration's runs in a condition of <paramref name="corruption"/>:
    /// that label when it uses demonstrations; otherwise the clean level, where it ran once and which
    /// stands for it in every corruption level of its agent count.
    /// </summary>
    public string CorruptionIn(string corruption) => Algorithm.NeedsDemonstrations ? corruption : CorruptionLevel.None.Label;
}

/// <summary>
/// A validated study plan (read by <see cref="StudyPlanReader"/>). The names of the file's keys are
/// the property names in camel case; docs/STUDIES.md describes each one.
/// </summary>
public sealed record StudyPlan
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public required string Map { get; init; }
    public required IReadOnlyList<int> Agents { get; init; }
    public int ScenarioSeed { get; init; } = 1;
    /// <summary><c>planner</c> or <c>llm</c>: who writes the one demonstration set per agent count.</summary>
    public string Demonstrations { get; init; } = "planner";
    public IReadOnlyList<CorruptionLevel> Corruption { get; init; } = [CorruptionLevel.None];
    /// <summary>Seed of the draw of which agents each corruption level changes.</summary>
    public int CorruptionSeed { get; init; } = 1;
    /// <summary>The configurations as written, then (unless <see cref="ReferencePolicies"/> is off) the reference policies the plan lacked.</summary>
    public required IReadOnlyList<StudyConfig> Configs { get; init; }
    public required IReadOnlyList<int> Seeds { get; init; }
    public required int Iterations { get; init; }
    /// <summary>Overrides for every configuration (a configuration's own win).</summary>
    public IReadOnlyDictionary<string, double> Hyperparameters { get; init; } = new Dictionary<string, double>();
    /// <summary>The configuration the p-values test against; null for none.</summary>
    public string? Reference { get; init; }
    /// <summary>Add the <c>random</c> and <c>demo</c> reference policies when the plan has no configuration of them.</summary>
    public bool ReferencePolicies { get; init; } = true;
    /// <summary>A fixed threshold for steps and time to threshold; null: each condition's best baseline final mean.</summary>
    public double? Threshold { get; init; }

    /// <summary>Every cell, seed-major (all configurations of seed 1 before seed 2), so a study stopped halfway has every configuration.</summary>
    public IReadOnlyList<StudyCell> Cells() =>
    [
        .. from seed in Seeds
           from agents in Agents
           from level in Corruption
           from config in Configs
           // Configurations that use no demonstrations do not depend on the corruption level: they run once, under "none".
           where config.Algorithm.NeedsDemonstrations || level == Corruption[0]
           select new StudyCell(config.Name, agents, config.Algorithm.NeedsDemonstrations ? level : CorruptionLevel.None, seed),
    ];

    /// <summary>The configuration named <paramref name="name"/>, or null.</summary>
    public StudyConfig? Config(string name) => Configs.FirstOrDefault(config => config.Name == name);

    /// <summary>Hyperparameters of one configuration: the plan's, then the configuration's.</summary>
    public Dictionary<string, double> HyperparametersOf(StudyConfig config)
    {
        var values = new Dictionary<string, double>(Hyperparameters);
        foreach ((string name, double value) in config.Hyperparameters) values[name] = value;
        return values;
    }
}

/// <summary>One run of a study: a configuration at an agent count and corruption level, with one seed.</summary>
public sealed record StudyCell(string Config, int Agents, CorruptionLevel Corruption, int Seed)
{
    /// <summary>Unique within the study, e.g. <c>leed-dynamic/n20/detour-0.5/s1</c>.</summary>
    public string Key => $"{Config}/n{Agents}/{Corruption.Label}/s{Seed}";

    /// <summary>The cell's group of seeds, e.g. <c>leed-dynamic/n20/detour-0.5</c>.</summary>
    public string GroupKey => $"{Config}/n{Agents}/{Corruption.Label}";
}
