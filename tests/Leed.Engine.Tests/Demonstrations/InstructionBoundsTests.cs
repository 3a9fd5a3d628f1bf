// Demonstrations are bounded by their episode: a route that cannot arrive in time is invalid, and no number in an answer sizes an allocation.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Demonstrations;

public sealed class InstructionBoundsTests
{
    private static readonly Scenario Small = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, seed: 5);

    /// <summary>The default episode on the 16x16 preset: 4 x (16 + 16) = 128 steps.</summary>
    private static readonly int Episode = new EnvConfig().ResolveMaxSteps(Small);

    private static List<Instruction> ShortestRoute(Scenario scenario, int agent) =>
        [.. InstructionExecutor.ShortestRouteInstructions(scenario, agent)];

    private static int RouteLength(Scenario scenario, int agent) =>
        scenario.Graph.ShortestDistance(scenario.OriginNode(agent), scenario.DestinationNode(agent));

    [Fact]
    public void ValidateAgent_RouteThatTakesLongerThanTheEpisode_IsInvalidSayingByHowMuchAndWhere()
    {
        List<Instruction> list = [.. ShortestRoute(Small, 0), new Wait(0, 99_999)];
        int departure = Small.Agents[0].Departure;
        int allowance = Episode - 1 - departure;
        int travel = RouteLength(Small, 0) + 99_999;

        AgentValidation verdict = InstructionValidator.ValidateAgent(Small, 0, list, Episode);

        Assert.False(verdict.Valid);
        InstructionError error = Assert.Single(verdict.Errors);
        Assert.Equal(list.Count - 1, error.Index); // the wait is where the time runs out
        Assert.Equal(list.Count - 1, verdict.FirstInvalidIndex);
        Assert.StartsWith(FormattableString.Invariant(
            $"the list takes {travel:N0} steps without congestion, {travel - allowance:N0} more than the {allowance} steps Agent_0 has (it departs at step {departure} of a {Episode}-step episode)"),
            error.Reason, StringComparison.Ordinal);
        Assert.Equal(travel, verdict.ExpectedTravelTime);
    }

    [Fact]
    public void ValidateAgent_WaitsThatEachFitButTogetherDoNot_AreInvalidAtTheWaitThatRunsOut()
    {
        List<Instruction> list = [new Wait(0, Episode / 2), new Wait(0, Episode / 2), .. ShortestRoute(Small, 0)];

        AgentValidation verdict = InstructionValidator.ValidateAgent(Small, 0, list, Episode);

        Assert.False(verdict.Valid);
        Assert.Equal(1, Assert.Single(verdict.Errors).Index);
    }

    [Fact]
    public void ValidateAgent_WaitsThatOverflowAnInt_AreInvalidNotNegative()
    {
        List<Instruction> list = [new Wait(0, int.MaxValue), new Wait(0, int.MaxValue), .. ShortestRoute(Small, 0)];

        AgentValidation verdict = InstructionValidator.ValidateAgent(Small, 0, list, Episode);

        Assert.False(verdict.Valid);
        Assert.Equal(int.MaxValue, verdict.ExpectedTravelTime);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public void ValidateAgent_TheBoundIsWhereTheVehicleStopsArrivingOnEmptyRoads(int stepsOver, bool valid)
    {
        Scenario alone = new(Small.Map, [Small.Agents[0]], "one vehicle");
        int allowance = Episode - 1 - alone.Agents[0].Departure;
        List<Instruction> list = [new Wait(0, allowance - RouteLength(alone, 0) + stepsOver), .. ShortestRoute(alone, 0)];

        AgentValidation verdict = InstructionValidator.ValidateAgent(alone, 0, list, Episode);

        Assert.Equal(valid, verdict.Valid);
        Assert.Equal(valid, ArrivesAlone(alone, list));
    }

    /// <summary>Drives the one vehicle of <paramref name="scenario"/> by <paramref name="list"/> in the environment itself, step by step.</summary>
    private static bool ArrivesAlone(Scenario scenario, IReadOnlyList<Instruction> list)
    {
        var plan = new List<int>(); // a target cell per step, -1 to stay
        int at = scenario.OriginNode(0);
        foreach (Instruction instruction in list)
        {
            if (instruction is Wait wait) plan.AddRange(Enumerable.Repeat(-1, wait.Steps));
            if (instruction is MoveTo move)
            {
                plan.AddRange(scenario.Graph.SegmentBetween(at, move.Intersection)!.CellsFrom(at).Skip(1));
                at = move.Intersection;
            }
        }
        var env = new VectorCityEnv(scenario, 1, new EnvConfig(), autoReset: false);
        var observations = new float[env.ObservationSize];
        int[] actions = [0];
        env.Reset(0, observations);
        for (int cursor = 0; env.EpisodeDone[0] == 0;)
        {
            bool driving = env.Status[0] == AgentStatus.Driving && cursor < plan.Count;
            actions[0] = driving && plan[cursor] >= 0 ? (int)Directions.Between(env.Positions[0], plan[cursor], scenario.Map.Width) : (int)Move.Stay;
            env.Step(actions, observations);
            if (driving) cursor++;
        }
        return env.Status[0] == AgentStatus.Arrived;
    }

    [Fact]
    public void Execute_ListMarkedValidWithAHugeWait_IsRejectedWithoutAllocatingPerWaitedStep()
    {
        // A set stored before the bound existed: marked valid, with the 300,000,000-step wait that once exhausted memory.
        AgentDemonstration[] stored =
        [
            new(0, [.. ShortestRoute(Small, 0), new Wait(0, 300_000_000)], Valid: true, [], 0),
            new(1, ShortestRoute(Small, 1), Valid: true, [], 0),
            new(2, ShortestRoute(Small, 2), Valid: true, [], 0),
        ];
        long before = GC.GetAllocatedBytesForCurrentThread();

        ExecutionResult execution = InstructionExecutor.Execute(Small, stored, "stored before the bound");

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64L << 20, $"allocated {allocated:N0} bytes");
        Assert.Equal([false, true, true], execution.Agents.Select(agent => agent.Valid));
        Assert.False(execution.Dataset.Agents[0].Valid);
        Assert.Equal(0, execution.Dataset.Agents[0].Steps); // nothing of it reaches training
    }

    [Fact]
    public void Load_FileWithAWaitLongerThanTheEpisode_IsALocatedError()
    {
        string path = Path.Combine(Path.GetTempPath(), $"leed-bounds-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, $"# Agent_0\n{Instruction.FormatLines(ShortestRoute(Small, 0))}\n[Wait, 99999, Agent_0]\n");
        try
        {
            DemonstrationFileException error = Assert.Throws<DemonstrationFileException>(() => DemonstrationFile.Load(path, Small));

            int line = ShortestRoute(Small, 0).Count + 2;
            Assert.Equal($"{Path.GetFileName(path)}:line {line}, column 1: [Wait, 99999, Agent_0]: the wait of 99999 steps is longer than the whole episode of {Episode} steps; wait at most {Episode} steps",
                error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CheckRoute_TheModelsToolKnowsTheEpisodeToo()
    {
        var roads = new RoadsPlugin(Small, Episode);

        string verdict = roads.CheckRoute(0, Instruction.FormatLines([.. ShortestRoute(Small, 0), new Wait(0, Episode)]));

        Assert.StartsWith("invalid: ", verdict, StringComparison.Ordinal);
        Assert.Contains("more than the", verdict, StringComparison.Ordinal);
    }
}
