// The four studies shipped in samples/studies read without an error and ask for what their descriptions promise.
using Leed.Engine.Demonstrations;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Leed.Engine.Studies;

namespace Leed.Engine.Tests.Studies;

public sealed class SampleStudiesTests : IDisposable
{
    private readonly LiteDbStore _store = LiteDbStore.OpenInMemory();

    public void Dispose() => _store.Dispose();

    private StudyPlan Read(string name) =>
        StudyPlanReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "Samples", "studies", name), MapCatalog.For(_store));

    [Fact]
    public void PaperClaims_IsTheMediumPresetWithTwentyAgents_EveryConfigurationOfTheClaims_ThreeSeeds_AtLeast100Iterations()
    {
        StudyPlan plan = Read("paper-claims.json");

        Assert.Equal((PresetMaps.Medium, "planner", "ippo"), (plan.Map, plan.Demonstrations, plan.Reference));
        Assert.Equal([20], plan.Agents);
        Assert.Equal([1, 2, 3], plan.Seeds);
        Assert.True(plan.Iterations >= 100);
        string?[] weights = [.. new[] { "dynamic", "fixed:0.1", "fixed:0.5", "fixed:1.0", "decay" }.Select(spec => WeightSchedules.Parse(spec).Spec), null, null, null, null, null];
        Assert.Equal(["leed", "leed", "leed", "leed", "leed", "ippo", "mappo", "bc", "random", "demo"], plan.Configs.Select(config => config.Algorithm.Name));
        Assert.Equal(weights, plan.Configs.Select(config => config.Weight));
        Assert.DoesNotContain(plan.Configs, config => config.Automatic); // it has its own random and demo
        Assert.Equal(30, plan.Cells().Count);
    }

    [Fact]
    public void Robustness_CorruptsEachKindAtTenThirtyAndFiftyPercent_ForLeedDynamicAndTheBestFixedWeight()
    {
        StudyPlan plan = Read("robustness.json");

        Assert.Equal(CorruptionLevel.None, plan.Corruption[0]);
        foreach (CorruptionKind kind in Enum.GetValues<CorruptionKind>())
            Assert.Equal([0.1, 0.3, 0.5], plan.Corruption.Where(level => level.Kind == kind).Select(level => level.Fraction));
        Assert.Equal([WeightSchedules.Parse("dynamic").Spec, WeightSchedules.Parse("fixed:1.0").Spec],
            plan.Configs.Where(config => config.Algorithm.Algorithm == Algorithm.Leed).Select(config => config.Weight));
        Assert.Contains(plan.Configs, config => config.Automatic && config.Algorithm.Algorithm == Algorithm.Demo);
        // Three demonstration configurations (two LEEDs, demo) at ten levels, two without (ippo, random) once, three seeds.
        Assert.Equal(3 * (3 * 10 + 2), plan.Cells().Count);
    }

    [Fact]
    public void Scaling_IsLeedDynamicAgainstIppo_FromFiveToAHundredAgents_OnTheLargePreset()
    {
        StudyPlan plan = Read("scaling.json");

        Assert.Equal(PresetMaps.Large, plan.Map);
        Assert.Equal([5, 10, 20, 50, 100], plan.Agents);
        Assert.Equal(["leed-dynamic", "ippo", "random", "demo"], plan.Configs.Select(config => config.Name));
        Assert.Equal(5 * 4 * 3, plan.Cells().Count);
    }

    [Fact]
    public void DynamicWeight_PitsEverySchedule_AgainstFixedWeightsAndDecay_UnderEachCorruptionAtThirtyAndFiftyPercent()
    {
        StudyPlan plan = Read("dynamic-weight.json");

        Assert.Equal((PresetMaps.Medium, "planner", "leed-fixed-1.0"), (plan.Map, plan.Demonstrations, plan.Reference));
        Assert.Equal([20], plan.Agents);
        Assert.Equal([1, 2, 3], plan.Seeds);
        Assert.True(plan.Iterations >= 100);
        Assert.Equal(CorruptionLevel.None, plan.Corruption[0]);
        foreach (CorruptionKind kind in Enum.GetValues<CorruptionKind>())
            Assert.Equal([0.3, 0.5], plan.Corruption.Where(level => level.Kind == kind).Select(level => level.Fraction));
        string[] kinds = [.. plan.Configs.Where(config => config.Weight is not null).Select(config => config.Weight!.Split(':')[0]).Distinct()];
        Assert.Equal(WeightSchedules.Kinds.Select(kind => kind.Name).Order(), kinds.Order()); // every schedule in the table
        foreach (string fixedWeight in new[] { "fixed:0.1", "fixed:0.5", "fixed:1.0", "decay" })
            Assert.Contains(WeightSchedules.Parse(fixedWeight).Spec, plan.Configs.Select(config => config.Weight));
        Assert.Contains(plan.Configs, config => config.Algorithm.Algorithm == Algorithm.Ippo);
        // Ten LEEDs and the added demo at seven levels, ippo and the added random once, three seeds.
        Assert.Equal(3 * (11 * 7 + 2), plan.Cells().Count);
    }
}
