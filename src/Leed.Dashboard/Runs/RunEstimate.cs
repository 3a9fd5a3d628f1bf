// What a run about to start will cost: its environment steps, and a time estimated from this machine's finished runs.
using System.Globalization;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Runs;

/// <summary>
/// Environment steps per run (iterations x parallel environments x steps per rollout) and, when a
/// finished run on the same map with as many agents exists, the time at the speed it was measured to
/// train at here (the same algorithm preferred). No such run: no time, rather than a guess.
/// </summary>
public sealed record RunEstimate(long StepsPerRun, int Runs, double? StepsPerSecond, string? MeasuredOn)
{
    public long TotalSteps => StepsPerRun * Runs;

    public TimeSpan? PerRun => StepsPerSecond is > 0 and double speed ? TimeSpan.FromSeconds(StepsPerRun / speed) : null;

    public static RunEstimate For(int iterations, int envs, int steps, int runs, string map, int agents, string algorithm, IEnumerable<RunRecord> finished)
    {
        RunRecord[] alike = [.. finished.Where(run => run.Status == RunStatus.Completed && run.WallSeconds > 0 && run.GlobalStep > 0
            && run.Spec.Map == map && run.Agents == agents).OrderByDescending(run => run.EndedAt ?? run.CreatedAt)];
        RunRecord? basis = alike.FirstOrDefault(run => run.Spec.Algorithm == algorithm) ?? alike.FirstOrDefault();
        return new RunEstimate((long)Math.Max(0, iterations) * Math.Max(0, envs) * Math.Max(0, steps), Math.Max(1, runs),
            basis is null ? null : basis.GlobalStep / basis.WallSeconds, basis?.Spec.Name);
    }

    /// <summary>"25,600 environment steps per run (76,800 for 3 seeds)".</summary>
    public string StepsText => StepsPerRun.ToString("N0", CultureInfo.InvariantCulture) + " environment steps"
        + (Runs > 1 ? $" per run ({TotalSteps.ToString("N0", CultureInfo.InvariantCulture)} for {Runs} seeds)" : "");

    public string TimeText => PerRun is { } time
        ? $"about {Duration(time)} per run{(Runs > 1 ? $", {Duration(time * Runs)} for {Runs} seeds one after another" : "")}, "
          + $"at the {StepsPerSecond!.Value.ToString("N0", CultureInfo.InvariantCulture)} steps/s that '{MeasuredOn}' trained at here"
        : "no estimate yet: no finished run on this map with this many agents to measure the speed from";

    private static string Duration(TimeSpan time) =>
        time.TotalSeconds < 90 ? $"{Math.Max(1, Math.Round(time.TotalSeconds))} s"
        : time.TotalMinutes < 90 ? $"{Math.Round(time.TotalMinutes)} min"
        : $"{time.TotalHours.ToString("0.0", CultureInfo.InvariantCulture)} h";
}
