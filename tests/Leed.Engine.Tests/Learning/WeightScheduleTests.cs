// The expert-weight schedules: each formula against hand-computed values, and their text form.
using Leed.Engine.Learning;

namespace Leed.Engine.Tests.Learning;

public sealed class WeightScheduleTests
{
    private static readonly AgentEvidence FarAndWorse = new(Dtw: 5, Return: -300, ExpertReturn: 40);

    [Fact]
    public void Fixed_GivesEveryAgentTheSameWeight_WhateverItDoes()
    {
        var weights = new float[3];
        new FixedWeight(0.5f).Update(0.7, [FarAndWorse, null, new AgentEvidence(0, 90, 40)], weights);

        Assert.Equal([0.5f, 0.5f, 0.5f], weights);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.525)]
    [InlineData(1.0, 0.05)]
    [InlineData(2.0, 0.05)]
    public void Decay_GoesLinearlyFromStartToFloorOverTraining(double progress, double expected)
    {
        Assert.Equal(expected, DecayWeight.At(progress, 1f, 0.05f), 6);
    }

    [Fact]
    public void Dynamic_FarAndWorseAgent_LeansOnTheExpert()
    {
        // clip(1 / 2, 0, 1) = 0.5; (40 - (-100)) / 40 = 3.5; 0.05 + 0.95 * 0.5 * sigmoid(5 * 3.5).
        double target = DynamicWeight.Target(new AgentEvidence(1, -100, 40), 1f, 0.05f, 2, 1, 5, 10);

        Assert.Equal(0.05 + 0.475 / (1 + Math.Exp(-17.5)), target, 6);
        Assert.InRange(target, 0.524, 0.526);
    }

    [Fact]
    public void Dynamic_AgentOnTheExpertsRoute_GetsTheFloor_EvenIfItsReturnIsWorse()
    {
        Assert.Equal(0.05, DynamicWeight.Target(new AgentEvidence(0, -300, 40), 1f, 0.05f, 2, 1, 5, 10), 6);
    }

    [Fact]
    public void Dynamic_AgentBeatingTheExpert_LetsGo()
    {
        // Far from the route but 40 better: sigmoid(5 * (40 - 80) / 40) = sigmoid(-5) = 0.0067.
        double target = DynamicWeight.Target(new AgentEvidence(10, 80, 40), 1f, 0.05f, 2, 1, 5, 10);

        Assert.Equal(0.05 + 0.95 / (1 + Math.Exp(5)), target, 6);
        Assert.True(target < 0.06);
    }

    [Fact]
    public void Dynamic_ReturnScale_HasAFloor_SoAZeroExpertReturnIsNotAStep()
    {
        // |R_E| = 2 is below the floor 10: the gap (2 - (-8)) = 10 counts as 10 / 10 = 1, sigmoid(5).
        double target = DynamicWeight.Target(new AgentEvidence(4, -8, 2), 1f, 0f, 2, 1, 5, 10);

        Assert.Equal(1 / (1 + Math.Exp(-5)), target, 12);
    }

    [Fact]
    public void Dynamic_Update_SmoothsWithTheEma_AndLeavesAgentsWithoutEpisodesAlone()
    {
        var schedule = new DynamicWeight();
        float[] weights = [1f, 1f];
        double target = DynamicWeight.Target(new AgentEvidence(0, 0, 40), 1f, 0.05f, 2, 1, 5, 10); // on route: the floor

        schedule.Update(0.1, [new AgentEvidence(0, 0, 40), null], weights);

        Assert.Equal(1 + 0.3 * (target - 1), weights[0], 6); // 0.715
        Assert.Equal(1f, weights[1]);
        Assert.Equal(0.7f, DynamicWeight.Smooth(1f, 0, 0.3), 6);
    }

    [Fact]
    public void Dynamic_StartsEveryAgentAtTheMaximum()
    {
        Assert.Equal(1f, new DynamicWeight().Initial);
        Assert.Equal(0.8f, ((DynamicWeight)WeightSchedules.Parse("dynamic:0.8")).Initial);
    }

    [Theory]
    [InlineData("fixed:0.5", "fixed:0.5")]
    [InlineData("decay", "decay:1:0.05")]
    [InlineData("decay:0.8:0.1", "decay:0.8:0.1")]
    [InlineData("dynamic", "dynamic:1:0.05:2:5:0.3")]
    [InlineData("dynamic:2:0.1", "dynamic:2:0.1:2:5:0.3")]
    [InlineData(" Dynamic:1:0:3:2:0.5 ", "dynamic:1:0:3:2:0.5")]
    public void Parse_ReadsTheScheduleAndItsSpecReadsBackTheSame(string text, string spec)
    {
        IWeightSchedule schedule = WeightSchedules.Parse(text);

        Assert.Equal(spec, schedule.Spec);
        Assert.Equal(schedule, WeightSchedules.Parse(schedule.Spec));
    }

    [Theory]
    [InlineData("fixed", "exactly one weight")]
    [InlineData("fixed:abc", "'abc' is not a non-negative number")]
    [InlineData("fixed:-1", "not a non-negative number")]
    [InlineData("cosine:1", "Unknown weight schedule 'cosine:1'")]
    [InlineData("decay:0.1:0.5", "floor (0.5) is above the start (0.1)")]
    [InlineData("dynamic:1:0.05:0", "D > 0")]
    public void Parse_BadText_SaysWhatIsWrong(string text, string message)
    {
        FormatException error = Assert.Throws<FormatException>(() => WeightSchedules.Parse(text));
        Assert.Contains(message, error.Message);
    }
}
