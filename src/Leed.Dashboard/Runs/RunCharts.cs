// Turns a run's metric records into the chart series the Live run page draws, and new records into deltas.
using Leed.Components.Views;
using Leed.Engine.Analysis;
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Dashboard.Runs;

/// <summary>One chart of the Live run page: which metrics it plots, under which names.</summary>
/// <param name="Shows">What the chart shows, as the subject of "appear(s)": e.g. "arrival and congestion appear".</param>
/// <param name="AfterEpisode">Its metrics exist once an episode has finished (else once an iteration has).</param>
public sealed record ChartSpec(string Id, string Title, string YAxis, IReadOnlyList<(string Metric, string Name)> Lines, string Shows, bool AfterEpisode)
{
    /// <summary>What the chart says while it has no point: why, and when it will (for a run still <paramref name="active"/>).</summary>
    public string EmptyText(bool active) => RunCharts.EmptyText(Shows, AfterEpisode ? "episode" : "iteration", active);

    /// <summary>The metrics <see cref="EmptyText"/> is about, when the chart has others that come sooner; null: all of its lines.</summary>
    public IReadOnlyList<string>? AwaitedMetrics { get; init; }

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
        [(MetricNames.EpisodicReturn, "episodic return")], "the team return appears", AfterEpisode: true);

    public static ChartSpec Losses { get; } = new("chart-losses", "Losses", "loss",
        [(MetricNames.PolicyLoss, "policy"), (MetricNames.ValueLoss, "value"), (MetricNames.Entropy, "entropy"), (MetricNames.ExpertLoss, "expert")], "the losses appear", AfterEpisode: false);

    public static ChartSpec Traffic { get; } = new("chart-traffic", "Arrival and congestion", "share",
        [(MetricNames.ArrivalRate, "arrival rate"), (MetricNames.Congestion, "congestion"), (MetricNames.DemoAgreement, "agreement with demonstrations")], "arrival and congestion appear", AfterEpisode: true)
    {
        // The agreement with the demonstrations is measured every iteration; the others need a finished episode.
        AwaitedMetrics = [MetricNames.ArrivalRate, MetricNames.Congestion],
    };

    public static ChartSpec Speed { get; } = new("chart-sps", "Speed", "environment steps / s",
        [(MetricNames.StepsPerSecond, "SPS")], "the speed appears", AfterEpisode: false);

    public const string WeightsId = "chart-weights", WeightsTitle = "Expert-loss weight per agent (w_i)";

    /// <summary>What the w_i chart says while it has no iteration.</summary>
    public static string WeightsEmptyText(bool active) => EmptyText("the weights appear", "iteration", active);

    /// <summary>
    /// An empty chart's message, in the words the app's other empty panels use ("No … yet: …"); a
    /// run that has ended without one says so rather than promising it.
    /// </summary>
    public static string EmptyText(string shows, string unit, bool active) => active
        ? $"No {unit} has finished yet: {shows} after the first finished {unit}."
        : $"No {unit} finished in this run: {shows} only after a finished {unit}.";

    /// <summary>
    /// The LEED signature chart's data: per iteration, every agent's expert-loss weight w_i (NaN where it
    /// has none) and their spread across agents (<see cref="AgentSpread"/>); x is environment steps.
    /// </summary>
    public static IReadOnlyList<AgentColumn> WeightColumns(IReadOnlyList<MetricRecord> metrics, int agents)
    {
        string[] names = [.. Enumerable.Range(0, agents).Select(MetricNames.AgentWeight)];
        var columns = new List<AgentColumn>(metrics.Count);
        foreach (MetricRecord record in metrics)
        {
            double[] values = [.. names.Select(name => record.Values.TryGetValue(name, out double value) && double.IsFinite(value) ? value : double.NaN)];
            if (values.All(double.IsNaN)) continue;
            Spread spread = AgentSpread.Of(values);
            columns.Add(new AgentColumn(record.Iteration, record.GlobalStep, values, spread.Mean, spread.Lower, spread.Upper));
        }
        return columns;
    }

    /// <summary>The run's demonstration switches as chart markers at their global step (refused switches changed nothing, so they are not drawn).</summary>
    public static IReadOnlyList<ChartMarker> Markers(RunRecord run) =>
        [.. run.Events.Where(happened => happened.Kind == RunEvent.DemonstrationSwitch)
            .Select(happened => new ChartMarker(happened.GlobalStep, happened.NewVersion ?? "demonstrations"))];
}
