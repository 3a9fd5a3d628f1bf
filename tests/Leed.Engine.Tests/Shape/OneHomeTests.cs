// Each concept has one home: algorithm names live in the algorithm table, metric names in MetricNames; the table itself is whole and consistent.
using System.Text.RegularExpressions;
using Leed.Engine.Learning;

namespace Leed.Engine.Tests.Shape;

/// <summary>
/// Reads the project's own source (<c>src/</c>, C# and Razor) as text. A second copy of an
/// algorithm's name or of a metric's name is how rules drift (a page that decides by name which
/// algorithms use demonstrations stops being right when one is added), so these fail on the first
/// copy, naming the file and line and where the concept lives.
/// </summary>
public sealed class OneHomeTests
{
    private const string AlgorithmTable = "src/Leed.Engine/Learning/Algorithm.cs";
    private const string MetricNamesFile = "src/Leed.Engine/Learning/MetricNames.cs";

    [Fact]
    public void AlgorithmNames_AppearAsStringLiterals_OnlyInTheAlgorithmTable()
    {
        var literal = new Regex($"\"({string.Join('|', Algorithms.Names.Select(Regex.Escape))})\"");

        string[] copies = [.. Occurrences(literal).Where(hit => hit.File != AlgorithmTable).Select(hit => hit.ToString())];

        Assert.True(copies.Length == 0,
            $"Algorithm names are spelled only in {AlgorithmTable}; read them from Algorithms (Algorithm.X.Name(), Algorithms.Default, "
            + $"a trait such as UsesWeightSchedule) instead of:\n{string.Join('\n', copies)}");
    }

    [Fact]
    public void MetricNames_AreSpelledOnlyInMetricNames()
    {
        var literal = new Regex("\"(charts|losses|agents|demo)/");

        string[] copies = [.. Occurrences(literal).Where(hit => hit.File != MetricNamesFile).Select(hit => hit.ToString())];

        Assert.True(copies.Length == 0, $"Metric names and their prefixes live in {MetricNamesFile}; use its constants instead of:\n{string.Join('\n', copies)}");
    }

    [Fact]
    public void TheSourceScan_FindsWhatItLooksFor()
    {
        // Guards the two tests above against passing because they read nothing.
        var leed = new Regex("\"leed\"");
        Assert.Contains(Occurrences(leed), hit => hit.File == AlgorithmTable);
        Assert.True(SourceFiles().Count() > 50, "the scan should see the whole src/ tree");
    }

    [Fact]
    public void EveryAlgorithm_HasExactlyOneRow_WithAUniqueName()
    {
        Assert.Equal(Enum.GetValues<Algorithm>().Order(), Algorithms.All.Select(info => info.Algorithm).Order());
        Assert.Equal(Algorithms.Names.Count, Algorithms.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(Algorithms.All, info =>
        {
            Assert.Matches("^[a-z][a-z0-9-]*$", info.Name);
            Assert.False(string.IsNullOrWhiteSpace(info.Description), $"{info.Name} has no description");
            Assert.Same(info, info.Algorithm.Info());
            Assert.Equal(info.Algorithm, Algorithms.Parse(info.Name.ToUpperInvariant()));
        });
    }

    [Fact]
    public void EveryRow_HasTraitsTheTrainerCanRun()
    {
        Assert.All(Algorithms.All, info =>
        {
            // PPO and a centralized critic train a network; a learner needs at least one loss.
            if (info.UsesPpo) Assert.True(info.Learns, $"{info.Name} uses PPO but its policy is not a network");
            if (info.CentralizedCritic) Assert.True(info.UsesPpo, $"{info.Name} has a centralized critic but no PPO loss to train it");
            if (info.Learns) Assert.True(info.UsesPpo || info.ExpertLoss != ExpertWeighting.None, $"{info.Name} learns but has no loss");
            if (!info.Learns) Assert.True(info.ExpertLoss == ExpertWeighting.None, $"{info.Name} has an expert loss but nothing that learns");
        });
    }

    private sealed record Hit(string File, int Line, string Text)
    {
        public override string ToString() => $"  {File}:{Line}: {Text.Trim()}";
    }

    private static IEnumerable<Hit> Occurrences(Regex pattern)
    {
        string root = RepositoryRoot();
        foreach (string path in SourceFiles())
        {
            string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            string[] lines = File.ReadAllLines(path);
            for (int k = 0; k < lines.Length; k++)
                if (pattern.IsMatch(lines[k])) yield return new Hit(relative, k + 1, lines[k]);
        }
    }

    private static IEnumerable<string> SourceFiles()
    {
        string src = Path.Combine(RepositoryRoot(), "src");
        return Directory.EnumerateFiles(src, "*.*", SearchOption.AllDirectories)
            .Where(path => path.EndsWith(".cs", StringComparison.Ordinal) || path.EndsWith(".razor", StringComparison.Ordinal))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Leed.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException($"Leed.sln not found above {AppContext.BaseDirectory}: these tests read the source tree.");
    }
}
