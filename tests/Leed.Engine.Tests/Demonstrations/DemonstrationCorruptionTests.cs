// Corrupting a stored set: each kind keeps or breaks validity as it says, exactly round(F x N) agents change, the same seed chooses the same ones, the parent never changes.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Demonstrations;

public sealed class DemonstrationCorruptionTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-corrupt-");
    private readonly Scenario _scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Medium), 10, seed: 3);
    private readonly StoredDemonstrationSet _clean;

    public DemonstrationCorruptionTests()
    {
        _clean = new DemonstrationStore(_data.Store).SaveNew(_scenario, 3, new PlannerDemonstrator().Generate(_scenario));
    }

    public void Dispose() => _data.Dispose();

    private int MaxSteps => new EnvConfig().ResolveMaxSteps(_scenario);

    private (StoredDemonstrationSet Version, CorruptionOutcome Outcome) Corrupt(CorruptionKind kind, double fraction, int seed = 7) =>
        new DemonstrationStore(_data.Store).SaveCorrupted(_clean.Id, kind, fraction, seed, MapCatalog.For(_data.Store));

    private AgentValidation Validate(StoredDemonstrationSet set, int agent) =>
        InstructionValidator.ValidateAgent(_scenario, agent, DemonstrationStore.ToDemonstrationSet(set).Agents[agent].Instructions, MaxSteps);

    private int CellsDriven(StoredDemonstrationSet set, int agent)
    {
        int current = _scenario.OriginNode(agent), cells = 0;
        foreach (Instruction instruction in DemonstrationStore.ToDemonstrationSet(set).Agents[agent].Instructions)
            if (instruction is MoveTo move)
            {
                cells += _scenario.Graph.SegmentBetween(current, move.Intersection)!.Length;
                current = move.Intersection;
            }
        return cells;
    }

    [Theory]
    [InlineData(0.1, 1)]
    [InlineData(0.25, 3)]   // 2.5 rounds half up
    [InlineData(0.5, 5)]
    [InlineData(1.0, 10)]
    public void SaveCorrupted_ChangesExactlyRoundFTimesNOfTheValidAgents(double fraction, int expected)
    {
        Assert.Equal(10, _clean.Agents.Count(agent => agent.Valid));
        (StoredDemonstrationSet version, CorruptionOutcome outcome) = Corrupt(CorruptionKind.Detour, fraction);

        Assert.Equal(expected, outcome.Changed.Count);
        Assert.Equal(expected, version.Corruption!.ChangedAgents.Count);
        int differing = version.Agents.Count(agent => !agent.Instructions.SequenceEqual(_clean.Agents[agent.Agent].Instructions));
        Assert.Equal(expected, differing);
        Assert.Equal(version.Corruption.ChangedAgents, version.Agents.Where(agent => agent.Corrupted is not null).Select(agent => agent.Agent));
    }

    [Fact]
    public void Detour_IsAValidLongerRouteThatArrivesWithinTheEpisode()
    {
        (StoredDemonstrationSet version, _) = Corrupt(CorruptionKind.Detour, 0.5);

        foreach (int agent in version.Corruption!.ChangedAgents)
        {
            AgentValidation validation = Validate(version, agent);
            Assert.True(validation.Valid, string.Join("; ", validation.Errors.Select(error => error.Describe())));
            Assert.True(version.Agents[agent].Valid);
            Assert.True(CellsDriven(version, agent) > CellsDriven(_clean, agent), $"Agent_{agent}'s detour is not longer");
            Assert.True(validation.ExpectedTravelTime <= MaxSteps - 1 - _scenario.Agents[agent].Departure);
            Assert.StartsWith("detour through Intersection_", version.Agents[agent].Corrupted);
        }
        // Executed in the environment the detours are still valid demonstrations that reach their destinations.
        ExecutionResult executed = InstructionExecutor.Execute(_scenario, DemonstrationStore.ToDemonstrationSet(version));
        Assert.All(version.Corruption.ChangedAgents, agent => Assert.True(executed.Agents[agent].Valid));
    }

    [Fact]
    public void Wait_InsertsOneLongWaitAndTheListStaysValid()
    {
        (StoredDemonstrationSet version, _) = Corrupt(CorruptionKind.Wait, 0.3);

        Assert.Equal(3, version.Corruption!.ChangedAgents.Count);
        foreach (int agent in version.Corruption.ChangedAgents)
        {
            AgentValidation validation = Validate(version, agent);
            Assert.True(validation.Valid);
            int before = Validate(_clean, agent).ExpectedTravelTime;
            int spare = MaxSteps - 1 - _scenario.Agents[agent].Departure - before;
            IReadOnlyList<Instruction> list = DemonstrationStore.ToDemonstrationSet(version).Agents[agent].Instructions;
            IReadOnlyList<Instruction> own = DemonstrationStore.ToDemonstrationSet(_clean).Agents[agent].Instructions;
            Assert.Equal(own.Count + 1, list.Count);
            Wait inserted = Assert.Single(list.OfType<Wait>(), wait => !own.Contains(wait));
            Assert.Equal(Math.Max(1, spare / 2), inserted.Steps);
            Assert.Equal(before + inserted.Steps, validation.ExpectedTravelTime);
            Assert.IsType<MoveTo>(list[^1]); // the wait comes before the last move, not after arriving
        }
    }

    [Fact]
    public void Drop_LeavesTheAgentWithoutADemonstration_AndTrainingGetsNothingFromIt()
    {
        (StoredDemonstrationSet version, _) = Corrupt(CorruptionKind.Drop, 0.2);

        Assert.Equal(2, version.Corruption!.ChangedAgents.Count);
        foreach (int agent in version.Corruption.ChangedAgents)
        {
            StoredAgentDemonstration dropped = version.Agents[agent];
            Assert.Empty(dropped.Instructions);
            Assert.False(dropped.Valid);
            Assert.Contains("dropped", dropped.Failure);
        }
        ExecutionResult executed = InstructionExecutor.Execute(_scenario, DemonstrationStore.ToDemonstrationSet(version));
        Assert.Equal(8, executed.Dataset.Agents.Count(agent => agent.Valid && agent.Steps > 0));
        Assert.All(version.Corruption.ChangedAgents, agent => Assert.Equal(0, executed.Dataset.Agents[agent].Steps));
    }

    [Fact]
    public void TheSameSeed_ChoosesTheSameAgentsAndRoutes_AnotherSeedOthers()
    {
        (StoredDemonstrationSet first, _) = Corrupt(CorruptionKind.Detour, 0.5, seed: 11);
        (StoredDemonstrationSet again, _) = Corrupt(CorruptionKind.Detour, 0.5, seed: 11);
        Assert.Equal(first.Corruption!.ChangedAgents, again.Corruption!.ChangedAgents);
        Assert.Equal(first.Agents.Select(agent => string.Join('|', agent.Instructions)), again.Agents.Select(agent => string.Join('|', agent.Instructions)));

        IEnumerable<List<int>> others = Enumerable.Range(12, 5).Select(seed => Corrupt(CorruptionKind.Detour, 0.5, seed).Version.Corruption!.ChangedAgents);
        Assert.Contains(others, chosen => !chosen.SequenceEqual(first.Corruption.ChangedAgents));
    }

    [Fact]
    public void SaveCorrupted_IsANewVersionWithItsProvenance_AndTheParentStaysAsItWas()
    {
        string before = string.Join('\n', _clean.Agents.SelectMany(agent => agent.Instructions));
        (StoredDemonstrationSet version, _) = Corrupt(CorruptionKind.Wait, 0.5, seed: 4);

        Assert.Equal((2, _clean.Family, _clean.Id), (version.Version, version.Family, version.ParentId!.Value));
        StoredCorruption provenance = version.Corruption!;
        Assert.Equal((_clean.Id, 1, "wait", 0.5, 4, 10), (provenance.ParentId, provenance.ParentVersion, provenance.Kind, provenance.Fraction, provenance.Seed, provenance.Candidates));
        Assert.Contains("corrupted: wait 50% (seed 4)", version.Label);
        StoredDemonstrationSet reread = new DemonstrationStore(_data.Store).Find(_clean.Id)!;
        Assert.Equal(before, string.Join('\n', reread.Agents.SelectMany(agent => agent.Instructions)));
        Assert.Null(reread.Corruption);
    }

    [Fact]
    public void SaveCorrupted_KeepsTheScenarioItsParentWasMadeFor()
    {
        (StoredDemonstrationSet version, _) = Corrupt(CorruptionKind.Detour, 0.3);

        Assert.NotNull(_clean.MapHash);
        Assert.Equal((_clean.MapName, _clean.MapHash, _clean.ScenarioKind, _clean.ScenarioSeed), (version.MapName, version.MapHash, version.ScenarioKind, version.ScenarioSeed));
        Assert.Equal(_clean.Identity.Source, version.Identity.Source);
        Assert.Equal(_clean.Identity.Agents, version.Identity.Agents);
    }

    [Fact]
    public void Corrupting_ACorruptedVersion_DrawsOnlyFromTheAgentsThatAreStillValid()
    {
        var demos = new DemonstrationStore(_data.Store);
        (StoredDemonstrationSet dropped, _) = Corrupt(CorruptionKind.Drop, 0.5);
        (StoredDemonstrationSet twice, CorruptionOutcome outcome) = demos.SaveCorrupted(dropped.Id, CorruptionKind.Detour, 0.4, 1, MapCatalog.For(_data.Store));

        Assert.Equal(5, outcome.Candidates);
        Assert.Equal(2, outcome.Changed.Count);
        Assert.Empty(outcome.Changed.Select(agent => agent.Agent).Intersect(dropped.Corruption!.ChangedAgents));
        Assert.Equal(dropped.Id, twice.Corruption!.ParentId);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void AFractionOutsideZeroToOne_IsRefusedAndNothingIsStored(double fraction)
    {
        Assert.Throws<CorruptionException>(() => Corrupt(CorruptionKind.Drop, fraction));
        Assert.Single(new DemonstrationStore(_data.Store).Versions(_clean.Family));
    }
}
