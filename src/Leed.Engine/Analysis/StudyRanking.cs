// A study's configurations ranked by final team return in each condition, with their mean rank over the conditions and where a win is clear.
using Leed.Engine.Learning;
using Leed.Engine.Studies;

namespace Leed.Engine.Analysis;

/// <summary>One configuration's place in one condition (an agent count and corruption level).</summary>
/// <param name="Rank">1 = the highest final mean of the condition; ties share the better rank.</param>
/// <param name="Separated">
/// This configuration's 95% interval lies wholly above (for rank 1) every other ranked configuration's
/// in the condition: a win that the seeds' spread does not explain. False for every other rank.
/// </param>
public sealed record ConditionRank(int Agents, string Corruption, int Rank, double FinalMean, bool Separated);

/// <summary>A configuration's ranks over a study's conditions.</summary>
/// <param name="MeanRank">The mean of <see cref="Ranks"/>' ranks: the lower, the better across the study.</param>
/// <param name="Firsts">Conditions where it ranks first.</param>
/// <param name="ClearWins">Conditions where it ranks first with <see cref="ConditionRank.Separated"/>.</param>
public sealed record ConfigRanking(string Config, string Algorithm, string? Weight, double MeanRank, int Firsts, int ClearWins, IReadOnlyList<ConditionRank> Ranks);

/// <summary>
/// Ranks a study's learning configurations by final team return in each condition. Ranked: every
/// configuration that is not a reference policy (random, demonstration replay) and has a final
/// return in every condition; a configuration without demonstrations ran once under "none" and
/// counts with that result in every corruption level of its agent count, as everywhere in the
/// summary. A configuration missing from a condition (a stopped study) is left out of the ranking,
/// so that every mean rank is over the same conditions.
/// </summary>
public static class StudyRanking
{
    public static IReadOnlyList<ConfigRanking> Of(StudySummary summary)
    {
        (int Agents, string Corruption)[] conditions = [.. summary.Groups
            .Select(group => (group.Agents, group.Corruption)).Distinct()
            .OrderBy(condition => condition.Agents).ThenBy(condition => condition.Corruption == CorruptionLevel.None.Label ? "" : condition.Corruption, StringComparer.Ordinal)];

        StudyGroupResult? InCondition(string config, int agents, string corruption) =>
            summary.Find(config, agents, corruption) is { FinalReturn: not null } group ? group
            : summary.Find(config, agents, CorruptionLevel.None.Label) is { FinalReturn: not null } clean && Algorithms.Find(clean.Algorithm) is { NeedsDemonstrations: false } ? clean
            : null;

        string[] ranked = [.. summary.Groups
            .Where(group => !group.Automatic && Algorithms.Find(group.Algorithm) is { IsReference: false })
            .Select(group => group.Config).Distinct()
            .Where(config => conditions.All(condition => InCondition(config, condition.Agents, condition.Corruption) is not null))];
        if (ranked.Length == 0) return [];

        var ranks = ranked.ToDictionary(config => config, _ => new List<ConditionRank>());
        foreach ((int agents, string corruption) in conditions)
        {
            (string Config, SeedStat Final)[] inCondition = [.. ranked.Select(config => (config, InCondition(config, agents, corruption)!.FinalReturn!))];
            foreach ((string config, SeedStat final) in inCondition)
            {
                int rank = 1 + inCondition.Count(other => other.Final.Mean > final.Mean);
                bool separated = rank == 1 && inCondition.Length > 1
                    && inCondition.Where(other => other.Config != config).All(other => final.Ci95[0] > other.Final.Ci95[1]);
                ranks[config].Add(new ConditionRank(agents, corruption, rank, final.Mean, separated));
            }
        }
        return [.. ranked
            .Select(config =>
            {
                StudyGroupResult any = summary.Groups.First(group => group.Config == config);
                List<ConditionRank> places = ranks[config];
                return new ConfigRanking(config, any.Algorithm, any.Weight, places.Average(place => place.Rank),
                    places.Count(place => place.Rank == 1), places.Count(place => place.Separated), places);
            })
            .OrderBy(ranking => ranking.MeanRank).ThenBy(ranking => ranking.Config, StringComparer.Ordinal)];
    }
}
