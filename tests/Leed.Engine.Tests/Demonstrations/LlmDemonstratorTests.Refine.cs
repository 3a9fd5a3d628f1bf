// The focused refinement of one agent (the Demonstrations page's "ask the LLM again"): what it sends and what it returns.
using Leed.Engine.Demonstrations;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Demonstrations;

public sealed partial class LlmDemonstratorTests
{
    [Fact]
    public async Task RefineAgentAsync_SendsTheErrorsAndTheNoteForThatAgentOnly_AndReturnsTheValidatedAnswer()
    {
        (int agent, MoveTo jump) = NonAdjacentJump(Small);
        AgentValidation invalid = InstructionValidator.ValidateAgent(Small, agent, [jump], SmallEpisode);
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Reply(ValidAnswer(Small, [agent])));

        AgentRefinement refinement = await Demonstrator(server).RefineAgentAsync(Small, agent, [jump], invalid.Errors, "avoid the park, please");

        Assert.True(refinement.Demonstration.Valid);
        Assert.Equal(ValidList(Small, agent), refinement.Demonstration.Instructions);
        RecordedRequest request = Assert.Single(server.Requests);
        Assert.Equal([agent], AgentsAskedIn(request));
        Assert.Contains("avoid the park, please", request.UserPrompt);
        Assert.Contains(jump.Format(), request.UserPrompt);
        Assert.Contains("is not adjacent", request.UserPrompt);
        LlmCallRecord call = Assert.Single(refinement.Transcript);
        Assert.Equal([agent], call.Agents);
        Assert.Equal(LlmOutcome.Ok, call.Outcome);
    }

    [Fact]
    public async Task RefineAgentAsync_WrongAnswer_ComesBackInvalidWithItsErrors()
    {
        (int agent, MoveTo jump) = NonAdjacentJump(Small);
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Reply(JsonAnswer((agent, [jump]))));

        AgentRefinement refinement = await Demonstrator(server).RefineAgentAsync(Small, agent, [], [], note: null);

        Assert.False(refinement.Demonstration.Valid);
        Assert.Contains(refinement.Demonstration.Errors, error => error.Index == 0 && error.Reason.Contains("not adjacent"));
        Assert.DoesNotContain("researcher", server.Requests[0].UserPrompt);
    }

    [Fact]
    public async Task RefineAgentAsync_EndpointFails_ThrowsWithTheTranscript()
    {
        (int agent, MoveTo jump) = NonAdjacentJump(Small);
        await using var server = ScriptedOpenAiServer.Start().Otherwise(ScriptStep.Status(500));

        LlmGenerationException failure = await Assert.ThrowsAsync<LlmGenerationException>(() =>
            Demonstrator(server).RefineAgentAsync(Small, agent, [jump], [], "x"));

        Assert.Contains($"Agent_{agent}", failure.Message);
        Assert.Equal(3, failure.Transcript.Count); // the first attempt and two retries
    }

    [Fact]
    public async Task RefineAgentAsync_ValidListAndANote_AsksForADifferentListWithoutCallingTheOldOneWrong()
    {
        (int agent, _) = NonAdjacentJump(Small);
        IReadOnlyList<Instruction> valid = ValidList(Small, agent);
        await using var server = ScriptedOpenAiServer.Start(ScriptStep.Reply(ValidAnswer(Small, [agent])));

        await Demonstrator(server).RefineAgentAsync(Small, agent, valid, [], "prefer the ring road");

        string prompt = server.Requests[0].UserPrompt!;
        Assert.Contains("the previous one was valid", prompt);
        Assert.DoesNotContain("did not give a valid list", prompt);
        Assert.Contains(valid[0].Format(), prompt);
        Assert.Contains("prefer the ring road", prompt);
    }
}
