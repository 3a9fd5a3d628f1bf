// Ranking a study's configurations per condition, against ranks worked out by hand: mean rank, firsts, clear wins, who is left out.
using Leed.Engine.Analysis;

namespace Leed.Engine.Tests.Analysis;

public sealed class StudyRankingTests
{
    private static StudyGroupResult Group(string config, string algorithm, string corruption, double mean, double lower, double upper, bool automatic = false) =>
        new(config, algorithm, algorithm == "leed" ? "fixed:1" : null, 20, corruption, 3, 3, [1, 2, 3], automatic,
            new SeedStat(mean, 1, [lower, upper], 3), null, null, null, null, null, null, null);

    /// <summary>
    /// Clean: fixed 12 [11, 13] ahead of dyn 10 [8, 12] (intervals overlap), IPPO 2 [0, 4] last.
    /// Detoured: dyn 9 [8.5, 9.5] ahead of fixed 6 [5, 7] and IPPO's clean 2 [0, 4], clear of both.
    /// "partial" has no detoured result; random and the replay are reference policies.
    /// </summary>
    private static StudySummary Summary() => new("s", "hand", 100, 10, null,
    [
        Group("dyn", "leed", "none", 10, 8, 12), Group("fixed", "leed", "none", 12, 11, 13), Group("ippo", "ippo", "none", 2, 0, 4),
        Group("partial", "leed", "none", 50, 49, 51), Group("random", "random", "none", -10, -11, -9, automatic: true),
        Group("demo", "demo", "none", 20, 20, 20, automatic: true),
        Group("dyn", "leed", "detour-0.5", 9, 8.5, 9.5), Group("fixed", "leed", "detour-0.5", 6, 5, 7),
        Group("demo", "demo", "detour-0.5", 15, 15, 15, automatic: true),
    ]);

    [Fact]
    public void EachConfigurationIsRankedInEveryCondition_AndOrderedByMeanRank()
    {
        IReadOnlyList<ConfigRanking> ranking = Summary().Ranking;

        Assert.Equal(["dyn", "fixed", "ippo"], ranking.Select(config => config.Config));
        ConfigRanking dyn = ranking[0], fixedWeight = ranking[1], ippo = ranking[2];
        Assert.Equal([2, 1], dyn.Ranks.Select(rank => rank.Rank));
        Assert.Equal(["none", "detour-0.5"], dyn.Ranks.Select(rank => rank.Corruption));
        Assert.Equal([1, 2], fixedWeight.Ranks.Select(rank => rank.Rank));
        // IPPO used no demonstrations: its clean result stands in the detoured condition too.
        Assert.Equal([3, 3], ippo.Ranks.Select(rank => rank.Rank));
        Assert.Equal([2.0, 2.0], ippo.Ranks.Select(rank => rank.FinalMean));
        Assert.Equal((1.5, 1.5, 3.0), (dyn.MeanRank, fixedWeight.MeanRank, ippo.MeanRank));
        Assert.Equal((1, 1, 0), (dyn.Firsts, fixedWeight.Firsts, ippo.Firsts));
    }

    [Fact]
    public void AFirstPlaceIsClear_OnlyWhenItsIntervalIsAboveEveryOtherConfigurations()
    {
        IReadOnlyList<ConfigRanking> ranking = Summary().Ranking;

        // Detoured: 8.5 is above fixed's 7 and IPPO's 4. Clean: fixed's 11 is not above dyn's 12.
        Assert.Equal([false, true], ranking[0].Ranks.Select(rank => rank.Separated));
        Assert.Equal([false, false], ranking[1].Ranks.Select(rank => rank.Separated));
        Assert.Equal((1, 0), (ranking[0].ClearWins, ranking[1].ClearWins));
    }

    [Fact]
    public void TheMarkdownSummary_EndsWithTheRankTable()
    {
        string markdown = StudyReport.Markdown(Summary());

        Assert.Contains("| config | n20 none | n20 detour-0.5 | mean rank | first |", markdown, StringComparison.Ordinal);
        Assert.Contains("| dyn | 2 | 1* | 1.50 | 1 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| ippo | 3 | 3 | 3.00 | 0 |", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("| partial |", markdown[markdown.IndexOf("| config | n20 none", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void OneCondition_HasNoRankTable_ButStillARanking()
    {
        StudySummary clean = Summary() with { Groups = [.. Summary().Groups.Where(group => group.Corruption == "none")] };

        Assert.Equal(["partial", "fixed", "dyn", "ippo"], clean.Ranking.Select(config => config.Config));
        Assert.DoesNotContain("mean rank", StudyReport.Markdown(clean), StringComparison.Ordinal);
    }
}
