// The Compare page's whole selection as a link: ?runs=&groups=&metric=&axis=&smoothing=&seeds=&threshold=, read back with located problems.
using System.Globalization;
using Leed.Engine.Analysis;
using Leed.Engine.Runs;
using EmaSmoothing = Leed.Components.Charts.Smoothing;

namespace Leed.Dashboard.Compare;

/// <summary>
/// What a Compare chart shows, so that a reload or a shared link draws the same chart: runs by id
/// and whole groups by name, the metrics (the first is the main one, the others small multiples),
/// the x axis, the smoothing, whether seeds are grouped (null: the page decides) and the threshold.
/// </summary>
public sealed record CompareQuery(
    IReadOnlyList<string> Runs,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> Metrics,
    CompareAxis Axis,
    double Smoothing,
    bool? ByGroup,
    double? Threshold)
{
    public const string StepsAxis = "steps", TimeAxis = "time";

    public static CompareQuery Empty { get; } = new([], [], [], CompareAxis.GlobalStep, 0, null, null);

    /// <summary>
    /// Reads the link's values (any may be missing); a value that cannot be read is left at its
    /// default and named in <paramref name="problems"/> with what to write instead.
    /// </summary>
    public static CompareQuery Parse(string? runs, string? groups, string? metric, string? axis, string? smoothing, string? seeds, string? threshold,
        out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        CompareAxis chosenAxis = CompareAxis.GlobalStep;
        switch (axis?.Trim().ToLowerInvariant())
        {
            case null or "" or StepsAxis: break;
            case TimeAxis: chosenAxis = CompareAxis.WallSeconds; break;
            default: found.Add($"axis={axis}: write axis={StepsAxis} (environment steps) or axis={TimeAxis} (wall time)."); break;
        }
        double weight = 0;
        if (!string.IsNullOrWhiteSpace(smoothing))
        {
            if (double.TryParse(smoothing, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0 && value <= EmaSmoothing.MaxWeight)
                weight = value;
            else
                found.Add($"smoothing={smoothing}: write a number from 0 (raw values) to {EmaSmoothing.MaxWeight.ToString(CultureInfo.InvariantCulture)}.");
        }
        bool? byGroup = null;
        switch (seeds?.Trim().ToLowerInvariant())
        {
            case null or "": break;
            case "grouped": byGroup = true; break;
            case "separate": byGroup = false; break;
            default: found.Add($"seeds={seeds}: write seeds=grouped (a group's mean with its band) or seeds=separate (one line per run)."); break;
        }
        double? limit = null;
        if (!string.IsNullOrWhiteSpace(threshold))
        {
            if (double.TryParse(threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)) limit = value;
            else found.Add($"threshold={threshold}: write a number, for example threshold=0.8.");
        }
        problems = found;
        return new CompareQuery(CompareSelection.Split(runs), CompareSelection.Split(groups), CompareSelection.Split(metric), chosenAxis, weight, byGroup, limit);
    }

    /// <summary>
    /// The selection of these runs, in the link's words: a group whose every run is selected is
    /// named as the group (so its seeds read as one), the other runs by id.
    /// </summary>
    public static (IReadOnlyList<string> Runs, IReadOnlyList<string> Groups) Select(IReadOnlyList<string> selected, IReadOnlyList<RunRecord> all)
    {
        var chosen = selected.ToHashSet(StringComparer.Ordinal);
        string[] groups = [.. all.Where(run => chosen.Contains(run.Id) && !string.IsNullOrWhiteSpace(run.Spec.Group))
            .Select(run => run.Spec.Group!).Distinct(StringComparer.Ordinal)
            .Where(group => all.Where(run => run.Spec.Group == group).All(run => chosen.Contains(run.Id)))];
        var inGroups = all.Where(run => run.Spec.Group is { } group && groups.Contains(group)).Select(run => run.Id).ToHashSet(StringComparer.Ordinal);
        return ([.. selected.Where(id => !inGroups.Contains(id))], groups);
    }

    /// <summary>The page's link: <c>compare?runs=..&amp;groups=..&amp;metric=..</c> with defaults left out.</summary>
    public string Link()
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            // Slashes (in metric names) and commas (between items) are allowed in a query and read better unescaped.
            if (!string.IsNullOrEmpty(value)) parts.Add(name + "=" + Uri.EscapeDataString(value).Replace("%2F", "/").Replace("%2C", ","));
        }
        Add("runs", string.Join(',', Runs));
        Add("groups", string.Join(',', Groups));
        Add("metric", string.Join(',', Metrics));
        if (Axis == CompareAxis.WallSeconds) Add("axis", TimeAxis);
        if (Smoothing > 0) Add("smoothing", Smoothing.ToString("0.##", CultureInfo.InvariantCulture));
        if (ByGroup is { } grouped) Add("seeds", grouped ? "grouped" : "separate");
        if (Threshold is { } limit) Add("threshold", limit.ToString("R", CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "compare" : "compare?" + string.Join('&', parts);
    }
}
