// Stored demonstration sets: provenance round-trips, edits make new versions, old versions never change.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Storage;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Demonstrations;

public sealed class DemonstrationStoreTests : IDisposable
{
    private readonly TempDataFolder _data = new("leed-demos-");
    private readonly Scenario _scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 4, seed: 5);

    public void Dispose() => _data.Dispose();

    [Fact]
    public void SaveNew_ThenReopenTheDatabase_ProvenanceAndInstructionsRoundTrip()
    {
        DemonstrationSet set = new PlannerDemonstrator().Generate(_scenario) with { Model = "test-model", EndpointHost = "127.0.0.1", PromptVersion = "p1" };
        int id = new DemonstrationStore(_data.Store).SaveNew(_scenario, 5, set).Id;

        LiteDbStore reopened = _data.Reopen();
        StoredDemonstrationSet stored = new DemonstrationStore(reopened).Find(id)!;
        Assert.Equal((1, id), (stored.Version, stored.Family));
        Assert.Equal(("planner", "planner, no LLM", "test-model", "127.0.0.1", "p1"),
            (stored.Demonstrator, stored.Label, stored.Model, stored.EndpointHost, stored.PromptVersion));
        Assert.Equal(set.Rounds[0].PathValidity, Assert.Single(stored.Rounds).PathValidity);
        Assert.Equal(set.ToInstructionText(), DemonstrationStore.ToDemonstrationSet(stored).ToInstructionText());
        Scenario scenario = DemonstrationStore.ScenarioOf(stored, _scenario.Map);
        Assert.Equal(_scenario.Agents, scenario.Agents);
    }

    [Fact]
    public void SaveVersion_AnEdit_CreatesVersionTwoAndLeavesVersionOneUnchanged()
    {
        var demos = new DemonstrationStore(_data.Store);
        DemonstrationSet set = new PlannerDemonstrator().Generate(_scenario);
        StoredDemonstrationSet first = demos.SaveNew(_scenario, 5, set);
        string firstText = string.Join('\n', first.Agents[0].Instructions);

        // The researcher breaks agent 0's list on purpose: only a wait remains.
        IReadOnlyList<Instruction> edited = [new Wait(0, 2)];
        AgentDemonstration editedAgent = AgentDemonstration.From(InstructionValidator.ValidateAgent(_scenario, 0, edited, new EnvConfig().ResolveMaxSteps(_scenario)), edited);
        var edit = new DemonstrationEdit { Editor = "tester", Agent = 0, Summary = "replaced the route", Before = first.Agents[0].Instructions, After = ["[Wait, 2, Agent_0]"], At = DateTime.UtcNow };
        StoredDemonstrationSet second = demos.SaveVersion(first.Id, _scenario, [editedAgent, .. set.Agents.Skip(1)], [edit]);

        Assert.Equal((2, first.Family, first.Id), (second.Version, second.Family, second.ParentId!.Value));
        Assert.False(second.Agents[0].Valid);
        Assert.True(second.Agents[0].Edited);
        Assert.False(second.Agents[1].Edited);
        Assert.Equal("tester", Assert.Single(second.Edits).Editor);
        Assert.EndsWith("edited", second.Label);

        StoredDemonstrationSet reread = demos.Find(first.Id)!;
        Assert.Equal(firstText, string.Join('\n', reread.Agents[0].Instructions));
        Assert.True(reread.Agents[0].Valid);
        Assert.Empty(reread.Edits);
        Assert.Equal([1, 2], demos.Versions(first.Family).Select(version => version.Version));
    }

    [Fact]
    public void MarkUsed_RecordsTheRunAndNothingElse()
    {
        var demos = new DemonstrationStore(_data.Store);
        StoredDemonstrationSet set = demos.SaveNew(_scenario, 5, new PlannerDemonstrator().Generate(_scenario));
        demos.MarkUsed(set.Id, "run-1");
        demos.MarkUsed(set.Id, "run-1");
        StoredDemonstrationSet reread = demos.Find(set.Id)!;
        Assert.Equal(["run-1"], reread.UsedByRuns);
        Assert.Equal(set.Agents.Select(a => a.Instructions.Count), reread.Agents.Select(a => a.Instructions.Count));
    }
}
