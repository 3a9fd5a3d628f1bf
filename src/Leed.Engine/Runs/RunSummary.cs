// Runs as scripts see them (`runs list`, `runs show`, the local API): one record per view, the same fields the Runs page shows.
namespace Leed.Engine.Runs;

/// <summary>
/// One line of `runs list`. <see cref="Iterations"/> counts the iterations done so far,
/// <see cref="PlannedIterations"/> the ones the run was started for; <see cref="Agents"/> is the
/// number it trains (a run on a map's own agents shows their real count once it is known).
/// </summary>
public sealed record RunSummary(string Id, string Name, string Algorithm, string Map, int Agents, RunStatus Status, int Iterations,
    int PlannedIterations, int Seed, string? Group, DateTime CreatedAt)
{
    public static RunSummary Of(RunRecord run) => new(run.Id, run.Spec.Name, run.Spec.Algorithm, run.Spec.Map, run.Agents, run.Status,
        run.Iteration, run.Spec.Iterations, run.Spec.Seed, run.Spec.Group, Utc(run.CreatedAt));

    // LiteDB hands dates back in local time; scripts get UTC.
    internal static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime();
}

/// <summary>`runs show ID`: the run's summary, configuration, progress and outcome, as the Runs and Live pages show them.</summary>
public sealed record RunDetails(RunSummary Run, string Demonstrator, int? DemoSetId, string? DemonstrationLabel, string Weight, int ScenarioSeed,
    IReadOnlyDictionary<string, double> Hyperparameters, string EnvVersion, DateTime? StartedAt, DateTime? EndedAt, long GlobalStep,
    double WallSeconds, double? BestReturn, double? LastReturn, string? Error, bool HasCheckpoint, IReadOnlyList<string> Tags, string Notes, int MetricRows)
{
    public static RunDetails Of(RunRecord run, int metricRows) => new(RunSummary.Of(run), run.Spec.Demonstrator, run.Spec.DemoSetId,
        run.DemonstrationLabel, run.Spec.Weight, run.Spec.ScenarioSeed, run.Spec.Hyperparameters, run.Spec.EnvVersion,
        run.StartedAt is { } started ? RunSummary.Utc(started) : null, run.EndedAt is { } ended ? RunSummary.Utc(ended) : null,
        run.GlobalStep, run.WallSeconds, run.BestReturn, run.LastReturn, run.Error, run.CheckpointId is not null, run.Tags, run.Notes, metricRows);
}
