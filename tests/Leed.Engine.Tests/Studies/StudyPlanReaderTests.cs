// The study file's schema: the issue's example reads, every kind of mistake is refused at its key path, and the grid expands to the cells it should.
using Leed.Engine.Demonstrations;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Leed.Engine.Studies;

namespace Leed.Engine.Tests.Studies;

public sealed class StudyPlanReaderTests : IDisposable
{
    public const string Example = """
        {"name": "small", "map": "synthetic-small", "agents": [4], "scenarioSeed": 1,
         "demonstrations": "planner",
         "corruption": [{"kind": "none", "fraction": 0}, {"kind": "detour", "fraction": 0.5}],
         "configs": [{"name": "leed-dynamic", "algo": "leed", "weight": "dynamic"},
                     {"name": "ippo", "algo": "ippo"}],
         "seeds": [1, 2], "iterations": 10,
         "hyperparameters": {"Envs": 4, "Steps": 32}, "reference": "ippo"}
        """;

    private readonly LiteDbStore _store = LiteDbStore.OpenInMemory();
    private MapCatalog Catalog => MapCatalog.For(_store);

    public void Dispose() => _store.Dispose();

    private StudyPlan Read(string json, StudyOverrides? overrides = null) => StudyPlanReader.Read(json, "study.json", Catalog, overrides);

    private IReadOnlyList<string> Errors(string json) => Assert.Throws<StudyPlanException>(() => Read(json)).Errors;

    /// <summary>The example with one top-level key replaced (or added).</summary>
    private static string With(string key, string value)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Example)!.AsObject();
        node[key] = System.Text.Json.Nodes.JsonNode.Parse(value);
        return node.ToJsonString();
    }

    [Fact]
    public void TheIssuesExample_Reads_WithTheReferencePoliciesAdded()
    {
        StudyPlan plan = Read(Example);

        Assert.Equal(("small", PresetMaps.Small, 1, "planner", 10, "ippo"), (plan.Name, plan.Map, plan.ScenarioSeed, plan.Demonstrations, plan.Iterations, plan.Reference));
        Assert.Equal([4], plan.Agents);
        Assert.Equal([CorruptionLevel.None, new CorruptionLevel(CorruptionKind.Detour, 0.5)], plan.Corruption);
        Assert.Equal(["leed-dynamic", "ippo", "random", "demo"], plan.Configs.Select(config => config.Name));
        Assert.Equal([false, false, true, true], plan.Configs.Select(config => config.Automatic));
        Assert.Equal(WeightSchedules.Parse("dynamic").Spec, plan.Configs[0].Weight);
        Assert.Null(plan.Configs[1].Weight);
        Assert.Equal(new Dictionary<string, double> { ["Envs"] = 4, ["Steps"] = 32 }, plan.Hyperparameters);
    }

    [Fact]
    public void Cells_AreSeedsTimesAgentsTimesLevelsTimesConfigs_WithConfigurationsWithoutDemonstrationsRunOnce()
    {
        StudyPlan plan = Read(With("agents", "[4, 6]"));

        IReadOnlyList<StudyCell> cells = plan.Cells();
        // Per seed and agent count: leed and demo at both levels (4), ippo and random once (2).
        Assert.Equal(2 * 2 * (2 * 2 + 2), cells.Count);
        Assert.Equal(cells.Count, cells.Select(cell => cell.Key).Distinct().Count());
        Assert.Contains(cells, cell => cell.Key == "leed-dynamic/n6/detour-0.5/s2");
        Assert.Contains(cells, cell => cell.Key == "ippo/n4/none/s1");
        Assert.DoesNotContain(cells, cell => cell.Config == "ippo" && !cell.Corruption.IsNone);
        Assert.DoesNotContain(cells, cell => cell.Config == "random" && !cell.Corruption.IsNone);
        // Seed-major: every cell of seed 1 is queued before any of seed 2.
        Assert.True(cells.TakeWhile(cell => cell.Seed == 1).Count() == cells.Count / 2);
    }

    [Fact]
    public void ReferencePoliciesOff_AddsNothing_AndAPlanThatHasThemKeepsItsOwn()
    {
        Assert.Equal(["leed-dynamic", "ippo"], Read(With("referencePolicies", "false")).Configs.Select(config => config.Name));
        StudyPlan own = Read(With("configs", """[{"name": "leed", "algo": "leed"}, {"name": "uniform", "algo": "random"}]""").Replace("\"reference\":\"ippo\"", "\"reference\":\"uniform\""));
        Assert.Equal(["leed", "uniform", "demo"], own.Configs.Select(config => config.Name));
    }

    [Fact]
    public void Overrides_ReplaceTheFilesValues_AndAreDescribed()
    {
        var overrides = new StudyOverrides { Iterations = 2, Seeds = [7], Hyperparameters = new Dictionary<string, double> { ["Envs"] = 2 } };
        StudyPlan plan = Read(Example, overrides);

        Assert.Equal((2, 7), (plan.Iterations, plan.Seeds.Single()));
        Assert.Equal(2, plan.Hyperparameters["Envs"]);
        Assert.Equal(32, plan.Hyperparameters["Steps"]);
        Assert.Equal(["iterations=2", "seeds=7", "hyperparameters.Envs=2"], overrides.Describe());
    }

    [Fact]
    public void WriteThenRead_GivesTheSamePlan()
    {
        StudyPlan plan = Read(Example);
        StudyPlan again = StudyPlanReader.Read(StudyPlanReader.Write(plan), "stored", catalog: null);

        Assert.Equal(plan.Configs.Select(config => (config.Name, config.Algorithm.Name, config.Weight, config.Automatic)),
            again.Configs.Select(config => (config.Name, config.Algorithm.Name, config.Weight, config.Automatic)));
        Assert.Equal(plan.Cells(), again.Cells());
        Assert.Equal(plan.Hyperparameters, again.Hyperparameters);
    }

    [Theory]
    [InlineData("configs", """[{"name": "a", "algo": "leed"}, {"name": "b", "algo": "ippo"}, {"name": "c", "algo": "leed", "weight": "dynamic:abc"}]""",
        "study.json: configs[2].weight: unknown weight schedule 'dynamic:abc'")]
    [InlineData("configs", """[{"name": "a", "algo": "leeed"}]""", "study.json: configs[0].algo: unknown algorithm 'leeed': expected one of leed, ippo")]
    [InlineData("configs", """[{"name": "a", "algo": "ippo", "weight": "fixed:0.5"}]""", "study.json: configs[0].weight: ippo takes no weight schedule")]
    [InlineData("configs", """[{"name": "a", "algo": "leed", "wieght": "decay"}]""", "study.json: configs[0].wieght: unknown key 'wieght': did you mean 'weight'?")]
    [InlineData("configs", """[{"name": "a", "algo": "leed"}, {"name": "a", "algo": "ippo"}]""", "study.json: configs[1].name: 'a' is used by an earlier configuration")]
    [InlineData("configs", """[{"name": "has space", "algo": "leed"}]""", "study.json: configs[0].name: 'has space' must be 1 to 60 letters")]
    [InlineData("configs", "[]", "study.json: configs: is empty")]
    [InlineData("configs", """[{"name": "a", "algo": "leed", "hyperparameters": {"Stepz": 3}}]""", "study.json: configs[0].hyperparameters.Stepz: unknown hyperparameter 'Stepz': did you mean 'Steps'?")]
    [InlineData("map", "\"atlantis\"", "study.json: map: ")]
    [InlineData("agents", "[]", "study.json: agents: is empty")]
    [InlineData("agents", "[4, 0]", "study.json: agents[1]: must be a whole number from 1 to 10000, got the number 0.")]
    [InlineData("agents", "\"4\"", "study.json: agents: must be a list of whole numbers, e.g. [1, 2, 3], got text \"4\".")]
    [InlineData("seeds", "[1, 1]", "study.json: seeds[1]: repeats 1.")]
    [InlineData("seeds", "[]", "study.json: seeds: is empty")]
    [InlineData("iterations", "0", "study.json: iterations: must be a whole number from 1 to 100000, got the number 0.")]
    [InlineData("iterations", "2.5", "study.json: iterations: must be a whole number")]
    [InlineData("corruption", """[{"kind": "detour", "fraction": 1.5}]""", "study.json: corruption[0].fraction: must be above 0 and at most 1, got 1.5.")]
    [InlineData("corruption", """[{"kind": "none", "fraction": 0.2}]""", "study.json: corruption[0].fraction: must be 0 for kind none, got 0.2.")]
    [InlineData("corruption", """[{"kind": "drop", "fraction": 1}]""", "study.json: corruption[0].fraction: drop 1 leaves no agent with a demonstration")]
    [InlineData("corruption", """[{"kind": "shuffle", "fraction": 0.5}]""", "study.json: corruption[0].kind: unknown corruption kind 'shuffle'")]
    [InlineData("corruption", "[]", "study.json: corruption: is empty")]
    [InlineData("demonstrations", "\"oracle\"", "study.json: demonstrations: unknown demonstrator 'oracle': expected planner or llm.")]
    [InlineData("reference", "\"mappo\"", "study.json: reference: no configuration is named 'mappo'")]
    [InlineData("hyperparameters", """{"Envs": 3, "Steps": 3}""", "study.json: hyperparameters: Envs x Steps (3 x 3 = 9) must be divisible by the 4 minibatches")]
    [InlineData("hyperparameters", """{"Iterations": 3}""", "study.json: hyperparameters.Iterations: is set by the study's own iterations key")]
    [InlineData("hyperparameters", """{"Envs": "four"}""", "study.json: hyperparameters.Envs: must be a number, got text \"four\".")]
    [InlineData("seedz", "[1]", "study.json: seedz: unknown key 'seedz': did you mean 'seeds'?")]
    [InlineData("name", "3", "study.json: name: must be text, got the number 3.")]
    public void AMistake_IsRefusedAtItsKeyPath(string key, string value, string expected)
    {
        IReadOnlyList<string> errors = Errors(With(key, value));
        Assert.Contains(errors, error => error.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryMistake_IsReported_NotOnlyTheFirst()
    {
        string json = """{"name": "x", "map": "synthetic-small", "agents": [], "seeds": [1], "configs": [{"name": "a", "algo": "nope"}], "iterations": -1}""";
        IReadOnlyList<string> errors = Errors(json);
        Assert.Contains(errors, error => error.StartsWith("study.json: agents: is empty"));
        Assert.Contains(errors, error => error.StartsWith("study.json: configs[0].algo: unknown algorithm 'nope'"));
        Assert.Contains(errors, error => error.StartsWith("study.json: iterations: must be a whole number from 1"));
    }

    [Theory]
    [InlineData("{\"name\": \"x\",\n  \"map\": synthetic}", "study.json:2:10: not valid JSON")]
    [InlineData("[1, 2]", "study.json: the study must be a JSON object")]
    public void NotAStudyObject_IsRefusedWithItsLineAndColumn(string json, string expected) =>
        Assert.StartsWith(expected, Assert.Single(Errors(json)));

    [Fact]
    public void MissingRequiredKeys_AreNamed()
    {
        IReadOnlyList<string> errors = Errors("{}");
        foreach (string key in new[] { "name", "map", "agents", "seeds", "iterations", "configs" })
            Assert.Contains(errors, error => error.StartsWith($"study.json: {key}: is required", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDefaultReference_IsTheFirstBaseline()
    {
        string json = With("configs", """[{"name": "leed", "algo": "leed"}, {"name": "mappo", "algo": "mappo"}, {"name": "ippo", "algo": "ippo"}]""");
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove("reference");
        Assert.Equal("mappo", Read(node.ToJsonString()).Reference);
    }
}
