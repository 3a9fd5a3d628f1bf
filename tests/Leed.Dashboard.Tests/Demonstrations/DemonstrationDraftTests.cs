// The draft behind the Demonstrations page: adjacency of clicks, text parsing with positions, undo steps, edit records, drawn routes and diffs.
using Leed.Dashboard.Demos;
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Dashboard.Tests.Demonstrations;

public sealed class DemonstrationDraftTests
{
    private static readonly Scenario Scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 3, seed: 5);

    private static StoredDemonstrationSet Stored(DemonstrationSet set) => new()
    {
        Id = 7,
        Family = 7,
        Version = 1,
        Agents = [.. set.Agents.Select(agent => new StoredAgentDemonstration
        {
            Agent = agent.Agent,
            Instructions = [.. agent.Instructions.Select(instruction => instruction.Format())],
            Valid = agent.Valid,
            Failure = agent.Failure,
        })],
    };

    private static DemonstrationDraft Draft() => new(Stored(new PlannerDemonstrator().Generate(Scenario)), Scenario);

    private static int FarFrom(int node) => Enumerable.Range(0, Scenario.Graph.IntersectionCount)
        .First(other => other != node && !Scenario.Graph.AreAdjacent(node, other));

    [Fact]
    public void AppendMove_NotAdjacentToTheRouteEnd_IsRefused()
    {
        DemonstrationDraft draft = Draft();
        draft.ClearRoute(0);
        int origin = Scenario.OriginNode(0);

        Assert.False(draft.AppendMove(0, FarFrom(origin)));
        Assert.Empty(draft.Agents[0].Instructions);
        Assert.Equal(1, draft.UndoDepth); // only the clear
    }

    [Fact]
    public void SetText_ConsecutiveEditsOfOneAgent_AreOneUndoStep()
    {
        DemonstrationDraft draft = Draft();
        string original = draft.Agents[0].Text;

        draft.SetText(0, "[Wait, 1, Agent_0]");
        draft.SetText(0, "[Wait, 1, Agent_0]\n[Wait, 2, Agent_0]");

        Assert.Equal(1, draft.UndoDepth);
        Assert.Equal(0, draft.Undo());
        Assert.Equal(original, draft.Agents[0].Text);
        Assert.False(draft.CanUndo);
    }

    [Theory]
    [InlineData("[MoveTo, Intersection_3 Agent_0]", 1, 1, "three comma-separated parts")]
    [InlineData("# header\n\n   [Jump, 2, Agent_0]", 3, 4, "unknown command 'Jump'")]
    [InlineData("[Wait, 0, Agent_0]", 1, 1, "at least 1 step")]
    [InlineData("[MoveTo, Intersection_x, Agent_0]", 1, 1, "Intersection_<k>")]
    [InlineData("[MoveTo, Intersection_3, Agent_0]\n  [Wait, 129, Agent_0]", 2, 3, "longer than the whole episode of 128 steps")]
    public void InstructionText_LineThatIsNotAnInstruction_IsReportedAtItsLineAndColumn(string text, int line, int column, string reason)
    {
        ParsedText parsed = InstructionText.Parse(text, maxWait: 128);

        ParseError error = Assert.Single(parsed.Errors);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void SetText_AWaitLongerThanTheEpisode_IsALocatedErrorAndTheListCannotBeApproved()
    {
        var draft = new DemonstrationDraft(Stored(new PlannerDemonstrator().Generate(Scenario)), Scenario);
        string route = draft.Agents[0].Text;

        draft.SetText(0, route + $"\n[Wait, {draft.MaxSteps + 1}, Agent_0]");

        ParseError error = Assert.Single(draft.Agents[0].ParseErrors);
        Assert.Equal(route.Split('\n').Length + 1, error.Line);
        Assert.Contains($"longer than the whole episode of {draft.MaxSteps} steps", error.Reason);
        Assert.True(draft.IsChanged(0));
        Assert.False(draft.Agents[0].Valid);
    }

    [Fact]
    public void Edits_RecordWhatChangedPerAgent_AndTheDemonstratorsFailureNoLongerApplies()
    {
        DemonstrationSet planned = new PlannerDemonstrator().Generate(Scenario);
        StoredDemonstrationSet stored = Stored(planned);
        stored.Agents[2].Failure = "the LLM call timed out";
        stored.Agents[2].Instructions = [];
        var draft = new DemonstrationDraft(stored, Scenario);
        Assert.False(draft.Agents[2].Valid);

        draft.SetText(2, Instruction.FormatLines(planned.Agents[2].Instructions));

        Assert.True(draft.Agents[2].Valid);
        Assert.Null(draft.ApproveProblem);
        DemonstrationEdit edit = Assert.Single(draft.Edits("ana", DateTime.UnixEpoch));
        Assert.Equal(2, edit.Agent);
        Assert.Empty(edit.Before);
        Assert.Equal([.. planned.Agents[2].Instructions.Select(instruction => instruction.Format())], edit.After);
        Assert.Contains("edited the text", edit.Summary);
        Assert.Contains("now valid", edit.Summary);
        Assert.Null(draft.ToAgentDemonstrations()[2].Failure);
    }

    [Fact]
    public void DrawnRoute_NonAdjacentHop_EndsThePathThereAndMarksThatHop()
    {
        DemonstrationDraft draft = Draft();
        int origin = Scenario.OriginNode(0);
        int neighbour = Scenario.Graph.Links(origin)[0].Neighbour;
        int far = FarFrom(neighbour);
        draft.SetText(0, $"[MoveTo, Intersection_{neighbour}, Agent_0]\n[MoveTo, Intersection_{far}, Agent_0]\n[Wait, 1, Agent_0]");

        DrawnRoute route = DemoRoutes.Draw(Scenario, draft.Agents[0]);

        int segmentLength = Scenario.Graph.SegmentBetween(origin, neighbour)!.Length;
        Assert.Equal(1, route.Segments);
        Assert.Equal(segmentLength, route.Cells);
        Assert.Equal(segmentLength, route.Overlay.InvalidHopIndex); // the hop starts at the neighbour's cell
        int farCell = Scenario.Graph.IntersectionCells[far];
        Assert.Equal(new Leed.Components.Views.GridPoint(farCell % Scenario.Map.Width, farCell / Scenario.Map.Width), route.Overlay.Path[^1]);
    }

    [Fact]
    public void DrawnRoute_EmptyList_StillShowsTheOrigin()
    {
        DemonstrationDraft draft = Draft();
        draft.ClearRoute(0);

        DrawnRoute route = DemoRoutes.Draw(Scenario, draft.Agents[0]);

        Assert.Equal(2, route.Overlay.Path.Count);
        Assert.Equal(route.Overlay.Origin, route.Overlay.Path[0]);
        Assert.Equal((0, 0), (route.Segments, route.Cells));
    }

    [Fact]
    public void LineDiff_ReplacedLine_ReadsRemovedThenAdded_AndKeepsTheRest()
    {
        LineDiff diff = LineDiff.Compute(["a", "b", "c"], ["a", "x", "c", "d"]);

        Assert.Equal(
            [(DiffKind.Same, "a"), (DiffKind.Removed, "b"), (DiffKind.Added, "x"), (DiffKind.Same, "c"), (DiffKind.Added, "d")],
            diff.Lines.Select(line => (line.Kind, line.Text)));
        Assert.Equal((2, 1), (diff.Added, diff.Removed));
    }
}
