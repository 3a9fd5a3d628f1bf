// The names of every training metric, shared by the trainer, the store, the command line and the charts.
namespace Leed.Engine.Learning;

/// <summary>
/// CleanRL's namespaced metric names plus LEED's. <c>globalStep</c> counts environment steps
/// summed over the parallel environments (CleanRL's <c>global_step</c>: each of the E environments
/// advancing one step adds one, whatever the number of agents); agent-steps are that times N.
/// </summary>
public static class MetricNames
{
    public const string Iteration = "iteration";
    public const string GlobalStep = "globalStep";
    /// <summary>Seconds of training when the iteration ended, summed over restarts (stored runs; a table column, not a trainer metric).</summary>
    public const string WallSeconds = "wallSeconds";

    /// <summary>Mean team return (sum over agents) of the episodes that finished in this iteration.</summary>
    public const string EpisodicReturn = "charts/episodic_return";
    /// <summary>Episodes that finished in this iteration (over all parallel environments).</summary>
    public const string Episodes = "charts/episodes";
    /// <summary>Environment steps per second (global steps over wall time since the run started), as CleanRL.</summary>
    public const string StepsPerSecond = "charts/SPS";
    public const string LearningRate = "charts/learning_rate";
    /// <summary>Share of agents that arrived, over the finished episodes.</summary>
    public const string ArrivalRate = "charts/arrival_rate";
    /// <summary>Mean steps from departure to arrival of the agents that arrived.</summary>
    public const string MeanTravelTime = "charts/mean_travel_time";
    /// <summary>Share of live agent-steps that were delayed (blocked move or no room at departure).</summary>
    public const string Congestion = "charts/congestion";

    public const string PolicyLoss = "losses/policy_loss";
    public const string ValueLoss = "losses/value_loss";
    public const string Entropy = "losses/entropy";
    public const string ApproxKl = "losses/approx_kl";
    public const string ClipFraction = "losses/clipfrac";
    public const string ExplainedVariance = "losses/explained_variance";
    /// <summary>Mean over agents with a demonstration of <c>-mean log pi_i(a_e | o_e)</c> (last minibatch).</summary>
    public const string ExpertLoss = "losses/expert_loss";

    /// <summary>Share of demonstration steps whose action the policy would choose by argmax.</summary>
    public const string DemoAgreement = "demo/agreement";
    /// <summary>Mean normalised DTW (cells) between the agents' last paths and their demonstrations.</summary>
    public const string DemoDtw = "demo/dtw";

    /// <summary>The namespaces that name what a metric is about (the part before the last slash).</summary>
    public const string ChartsPrefix = "charts/", AgentsPrefix = "agents/";
    public const string AgentReturnPrefix = AgentsPrefix + "return/", AgentWeightPrefix = AgentsPrefix + "weight/";

    /// <summary>Agent i's mean return over the iteration's finished episodes.</summary>
    public static string AgentReturn(int agent) => $"{AgentReturnPrefix}Agent_{agent}";
    /// <summary>Agent i's expert-loss weight <c>w_i</c> (algorithms with a weight schedule only).</summary>
    public static string AgentWeight(int agent) => $"{AgentWeightPrefix}Agent_{agent}";

    /// <summary>Every metric a run of <paramref name="agents"/> agents can report, in column order.</summary>
    public static IReadOnlyList<string> All(int agents) =>
    [
        EpisodicReturn, Episodes, StepsPerSecond, LearningRate, ArrivalRate, MeanTravelTime, Congestion,
        PolicyLoss, ValueLoss, Entropy, ApproxKl, ClipFraction, ExplainedVariance, ExpertLoss,
        DemoAgreement, DemoDtw,
        .. Enumerable.Range(0, agents).Select(AgentReturn),
        .. Enumerable.Range(0, agents).Select(AgentWeight),
    ];
}

/// <summary>
/// What one iteration measured. <see cref="Values"/> holds the metrics that apply (by their
/// <see cref="MetricNames"/>); a metric is absent when there was nothing to measure (no episode
/// finished, or the algorithm has no such loss).
/// </summary>
public sealed record IterationMetrics(int Iteration, long GlobalStep, IReadOnlyDictionary<string, double> Values)
{
    public double? this[string name] => Values.TryGetValue(name, out double value) ? value : null;
}
