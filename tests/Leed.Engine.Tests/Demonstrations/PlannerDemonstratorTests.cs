// The built-in planner: valid, arriving, capacity-respecting and deterministic demonstrations.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Demonstrations;

public sealed class PlannerDemonstratorTests
{
    [Theory]
    [InlineData(PresetMaps.Small, 8)]
    [InlineData(PresetMaps.Medium, 20)]
    [InlineData(PresetMaps.Large, 100)]
    public void Generate_EveryPreset_AllAgentsValidAndArrive(string preset, int agents)
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(preset), agents, seed: 3);
        DemonstrationSet set = new PlannerDemonstrator().Generate(scenario);

        Assert.All(set.Agents, agent => Assert.True(agent.Valid, string.Join("; ", agent.Errors.Select(e => e.Describe()))));
        ExecutionResult execution = InstructionExecutor.Execute(scenario, set);
        Assert.Equal(1.0, execution.ArrivalRate);
        Assert.Equal("planner, no LLM", set.Label);
        Assert.Equal(1.0, Assert.Single(set.Rounds).PathValidity);
    }

    [Fact]
    public void Generate_SameScenario_SameInstructions()
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Medium), 20, seed: 11);
        string first = new PlannerDemonstrator().Generate(scenario).ToInstructionText();
        string second = new PlannerDemonstrator().Generate(scenario).ToInstructionText();
        Assert.Equal(first, second);
    }

    [Fact]
    public void Generate_BottleneckWithCapacityOne_MakesAVehicleWaitInsteadOfColliding()
    {
        // A single corridor: both vehicles go west to east along it, the second departs one step later.
        // With room for one vehicle per cell it cannot overtake; its plan must never put two vehicles in one cell.
        CityMap map = CityMap.FromAscii("corridor", """
            .........
            #.#####.#
            .........
            """);
        int origin = map.Index(0, 0), destination = map.Index(8, 0);
        var scenario = new Scenario(map, [new AgentSpec(origin, destination, 0), new AgentSpec(map.Index(0, 2), destination, 0)], "test");
        var config = new EnvConfig { CellCapacity = 1 };
        DemonstrationSet set = new PlannerDemonstrator(config).Generate(scenario);

        ExecutionResult execution = InstructionExecutor.Execute(scenario, set, config: config);
        Assert.All(execution.Agents, agent => Assert.True(agent.Arrived));
        Assert.All(execution.Agents, agent => Assert.Equal(0, agent.BlockedSteps)); // the plan already avoided the conflict
    }
}
