// Turns a run's metric records into the chart series the Live run page draws, and new records into deltas.
using Leed.Components.Views;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Runs;

/// <summary>One chart of the Live run page: which metrics it plots, under which names.</summary>
public sealed record ChartSpec(string Id, string Title, string YAxis, IReadOnlyList<(string Metric, string Name)> Lines)
{
    /// <summary>The chart's initial series from a run's metrics so far (x = environment steps).</summary>
    public IReadOnlyList<ChartSeries> Series(IReadOnlyList<MetricRecord> metrics) =>
        [.. Lines.Select(line => new ChartSeries(line.Metric, line.Name, Points(metrics, line.Metric)))];

    /// <summary>Appended points for the lines of this chart.</summary>
    public IReadOnlyList<SeriesDelta> Deltas(IReadOnlyList<MetricRecord> metrics) =>
        [.. Lines.Select(line => new SeriesDelta(line.Metric, Points(metrics, line.Metric))).Where(delta => delta.NewPoints.Count > 0)];

    private static List<SeriesPoint> Points(IReadOnlyList<MetricRecord> metrics, string metric) =>
        [.. metrics.Where(record => record.Values.TryGetValue(metric, out double value) && double.IsFinite(value))
            .Select(record => new SeriesPoint(record.GlobalStep, record.Values[metric]))];
}

public static class RunCharts
{
    public static ChartSpec Reward { get; } = new("chart-return", "Team return", "return",
        [(MetricNames.EpisodicReturn, "episodic return")]);

    public static ChartSpec Losses { get; } = new("chart-losses", "Losses", "loss",
        [(MetricNames.PolicyLoss, "policy"), (MetricNames.ValueLoss, "value"), (MetricNames.Entropy, "entropy"), (MetricNames.ExpertLoss, "expert")]);

    public static ChartSpec Traffic { get; } = new("chart-traffic", "Arrival and congestion", "share",
        [(MetricNames.ArrivalRate, "arrival rate"), (MetricNames.Congestion, "congestion"), (MetricNames.DemoAgreement, "agreement with demonstrations")]);

    public static ChartSpec Speed { get; } = new("chart-sps", "Speed", "environment steps / s",
        [(MetricNames.StepsPerSecond, "SPS")]);

    /// <summary>The LEED signature chart: every agent's expert-loss weight w_i.</summary>
    public static ChartSpec Weights(int agents) => new("chart-weights", "Expert-loss weight per agent (w_i)", "w_i",
        [.. Enumerable.Range(0, agents).Select(agent => (MetricNames.AgentWeight(agent), $"Agent_{agent}"))]);

    /// <summary>The run's demonstration switches as chart markers at their global step (refused switches changed nothing, so they are not drawn).</summary>
    public static IReadOnlyList<ChartMarker> Markers(RunRecord run) =>
        [.. run.Events.Where(happened => happened.Kind == RunEvent.DemonstrationSwitch)
            .Select(happened => new ChartMarker(happened.GlobalStep, happened.NewVersion ?? "demonstrations"))];
}
