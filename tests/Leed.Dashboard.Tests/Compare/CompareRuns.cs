// Runs with known metric series for the Compare tests: built in memory or written through the run store.
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Tests.Compare;

internal static class CompareRuns
{
    /// <summary>
    /// A completed run whose iteration i (from 1) is at global step 100·i and wall time 10·i s,
    /// with <paramref name="returns"/>[i-1] as its episodic return (null: no episode finished) and
    /// <paramref name="arrivals"/>[i-1] as its arrival rate when given.
    /// </summary>
    public static (RunRecord Run, MetricRecord[] Metrics) Make(string id, string name, double?[] returns, string? group = null,
        int seed = 1, string algorithm = "leed", double[]? arrivals = null, string? demonstrations = "planner, no LLM")
    {
        var run = new RunRecord
        {
            Id = id,
            Spec = new RunSpec { Name = name, Algorithm = algorithm, Weight = "dynamic", Map = "grid-6x6", Seed = seed, Group = group, Iterations = returns.Length },
            Status = RunStatus.Completed,
            CreatedAt = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc).AddMinutes(seed),
            Iteration = returns.Length,
            GlobalStep = 100L * returns.Length,
            WallSeconds = 10.0 * returns.Length,
            DemonstrationLabel = demonstrations,
        };
        MetricRecord[] metrics =
        [
            .. returns.Select((value, index) =>
            {
                var values = new Dictionary<string, double>();
                if (value is { } r) values[MetricNames.EpisodicReturn] = r;
                if (arrivals is not null) values[MetricNames.ArrivalRate] = arrivals[index];
                return new MetricRecord(index + 1, 100L * (index + 1), 10.0 * (index + 1), values);
            }),
        ];
        return (run, metrics);
    }

    public static ComparedRun Compared(string id, string name, double?[] returns, string? group = null, int seed = 1,
        string algorithm = "leed", double[]? arrivals = null)
    {
        (RunRecord run, MetricRecord[] metrics) = Make(id, name, returns, group, seed, algorithm, arrivals);
        return new ComparedRun(run, metrics);
    }

    /// <summary>Stores a run and its metrics as the registry would have while it trained.</summary>
    public static RunRecord Save(RunStore store, (RunRecord Run, MetricRecord[] Metrics) made)
    {
        store.Save(made.Run);
        foreach (MetricRecord metric in made.Metrics) store.AppendMetric(made.Run.Id, metric);
        return made.Run;
    }
}
