// `evaluate RUN_ID`: greedy episodes of a stored run's checkpoint, printed as JSON and kept with the run.
using System.CommandLine;
using Leed.Dashboard.LocalApi;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

internal static class EvaluateVerb
{
    public const int DefaultEpisodes = 10;

    private static readonly Argument<string> RunId = CliOptions.Argument("RUN_ID", "the run's id (the Runs page shows it)");
    private static readonly Option<int> Episodes = CliOptions.Int("--episodes", "greedy episodes to play", "K", DefaultEpisodes, 1, Evaluation.MaxEpisodes);
    private static readonly Option<int?> ScenarioSeed = CliOptions.OptionalInt("--scenario-seed",
        "play on the map's generated scenario of this seed, with the run's number of agents (generalisation); default: the run's own training scenario", "S", 0);

    public static Command Command() => CommandLine.Verb("evaluate",
        "Plays a run's last checkpoint greedily (argmax) for K episodes; prints return, arrival rate, travel time and congestion as JSON and stores them with the run.",
        [RunId, Episodes, ScenarioSeed, CliOptions.Data],
        EvaluateAsync);

    private static async Task<int> EvaluateAsync(VerbContext context)
    {
        string id = context.Get(RunId);
        int episodes = context.Get(Episodes);
        int? scenarioSeed = context.Get(ScenarioSeed);
        (ILeedStore? store, LocalApiClient? dashboard) = context.Connect();
        RunEvaluation evaluation;
        if (dashboard is not null)
        {
            try
            {
                evaluation = await dashboard.EvaluateAsync(id, new EvaluateCall(episodes, scenarioSeed), context.Cancellation);
            }
            catch (LocalApiException refused)
            {
                context.Error.WriteLine($"error: {refused.Message}");
                return refused.ExitCode;
            }
        }
        else
        {
            try
            {
                evaluation = new RunEvaluator(store!).Evaluate(id, episodes, scenarioSeed);
            }
            catch (Exception refused) when (refused is KeyNotFoundException or ArgumentException)
            {
                throw new InputException(refused.Message);
            }
        }
        context.WriteJson(evaluation);
        return 0;
    }
}
