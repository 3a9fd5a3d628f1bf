// The trainer's options shared by `train` and the training benchmarks: one declaration each, ranges included.
using System.CommandLine;
using Leed.Engine.Learning;

namespace Leed.Dashboard.Cli;

/// <summary>Each verb passes its default (usually the <see cref="Hyperparameters"/> record's own) and gets its own option.</summary>
internal static class TrainingOptions
{
    public static Option<Algorithm> Algorithm(string description) =>
        CliOptions.Parsed("--algo", $"{description}: {string.Join('|', Algorithms.Names)}", "ALGO", Algorithms.Parse, Algorithms.Default.Algorithm);

    public static Option<int> Envs(int defaultValue) => CliOptions.Int("--envs", "parallel environments", "E", defaultValue, 1, 4096);

    public static Option<int> Steps(int defaultValue) => CliOptions.Int("--steps", "steps per environment per rollout", "T", defaultValue, 1, 100_000);

    public static Option<int> Threads(int defaultValue) => CliOptions.Int("--threads", "torch threads for the update", "K", defaultValue, 1, 256);

    public static Option<int> RolloutThreads(int defaultValue) => CliOptions.Int("--rollout-threads", "torch threads during rollouts", "K", defaultValue, 1, 256);

    public static Option<double> LearningRate(double defaultValue) => CliOptions.Double("--lr", "learning rate", "X", defaultValue, 1e-7, 1);
}

/// <summary>The rollout size and thread counts a training verb takes, with its defaults, applied onto a baseline record.</summary>
internal sealed class RolloutOptions(Hyperparameters defaults, bool withRolloutThreads = false)
{
    public Option<int> Envs { get; } = TrainingOptions.Envs(defaults.Envs);
    public Option<int> Steps { get; } = TrainingOptions.Steps(defaults.Steps);
    public Option<int> Threads { get; } = TrainingOptions.Threads(defaults.Threads);
    public Option<int>? RolloutThreads { get; } = withRolloutThreads ? TrainingOptions.RolloutThreads(defaults.RolloutThreads) : null;

    public IEnumerable<Option> All => RolloutThreads is null ? [Envs, Steps, Threads] : [Envs, Steps, Threads, RolloutThreads];

    /// <summary>The baseline with these options' values, checked (a batch that does not split into the minibatches is refused).</summary>
    public Hyperparameters Apply(VerbContext context, Hyperparameters baseline) => (baseline with
    {
        Envs = context.Get(Envs),
        Steps = context.Get(Steps),
        Threads = context.Get(Threads),
        RolloutThreads = RolloutThreads is null ? baseline.RolloutThreads : context.Get(RolloutThreads),
    }).Checked();
}
