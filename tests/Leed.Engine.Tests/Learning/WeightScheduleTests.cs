// The expert-weight schedules: each formula against hand-computed values, the one table they are read from, and their text form.
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

    [Fact]
    public void Return_AgentWorseThanItsDemonstration_IsHeld_EvenOnTheDemonstratedRoute()
    {
        // DTW plays no part: (40 - (-100)) / 40 = 3.5; 0.05 + 0.95 * sigmoid(5 * 3.5) = 0.99999998 (0.05f and 0.95f as floats).
        double target = ReturnWeight.Target(new AgentEvidence(0, -100, 40), 1f, 0.05f, 5, 10);

        Assert.Equal(0.05 + 0.95 / (1 + Math.Exp(-17.5)), target, 6);
        Assert.True(target > 0.999);
        Assert.Equal(0.05, DynamicWeight.Target(new AgentEvidence(0, -100, 40), 1f, 0.05f, 2, 1, 5, 10), 6); // the dynamic weight lets it go
    }

    [Theory]
    [InlineData(40.0, 0.525)]                 // equal returns: sigmoid(0) = 0.5 of the range
    [InlineData(80.0, 0.05635821)]            // 40 above a demonstration of 40: 0.05 + 0.95 * sigmoid(-5) = 0.05 + 0.95 * 0.00669285
    [InlineData(-8.0, 0.99364179)]            // demonstration of 2 below the scale floor 10: 0.05 + 0.95 * sigmoid(5 * 10 / 10) = 0.05 + 0.95 * 0.99330715
    public void Return_TargetFollowsTheReturnGapAlone(double agentReturn, double expected)
    {
        double expertReturn = agentReturn == -8.0 ? 2 : 40;
        Assert.Equal(expected, ReturnWeight.Target(new AgentEvidence(7, agentReturn, expertReturn), 1f, 0.05f, 5, 10), 7);
    }

    [Fact]
    public void Return_Update_SmoothsWithTheEma_AndLeavesAgentsWithoutEpisodesAlone()
    {
        float[] weights = [1f, 0.6f];

        new ReturnWeight().Update(0.2, [new AgentEvidence(3, 40, 40), null], weights);

        Assert.Equal(1 + 0.3 * (0.525 - 1), weights[0], 6); // 0.8575
        Assert.Equal(0.6f, weights[1]);
    }

    [Fact]
    public void QFilter_WeightIsWTimesTheShareOfPassingSteps_ZeroWithoutADemonstration()
    {
        var weights = new float[3];
        DemoJudgement?[] critic = [new DemoJudgement(0.1, 0.3, 0.25), null, new DemoJudgement(-0.2, 0.2, 0)];

        new QFilterWeight(0.8f).Update(new WeightInputs(5, 0.5, new AgentEvidence?[3], critic), weights);

        Assert.Equal([0.2f, 0f, 0f], weights); // 0.8 * 0.25; no demonstration; no step passes
        Assert.True(new QFilterWeight().FiltersDemoSteps && new QFilterWeight().ReadsCritic);
    }

    [Theory]
    [InlineData(1, 0.02, 0.04, 1.0, 0.5)]       // 1 * 0.9^0 * (0.02 / 0.04)
    [InlineData(3, 0.02, 0.04, 1.0, 0.405)]     // 0.9^2 = 0.81, * 0.5
    [InlineData(3, -0.01, 0.04, 1.0, 0.0)]      // on balance the demonstrated actions are worse: let go
    [InlineData(3, 0.03, 0.04, 0.5, 0.405)]     // 0.75 capped at 0.5, * 0.81
    [InlineData(2, 0.0, 0.0, 1.0, 0.0)]         // the critic sees no difference at all
    public void Dapg_DecaysGeometricallyPerIteration_ScaledByTheDemonstrationsAdvantage(int iteration, double mean, double absolute, double cap, double expected)
    {
        var weights = new float[2];
        DemoJudgement?[] critic = [new DemoJudgement(mean, absolute, 0.5), null];

        new DapgWeight(1f, 0.9, cap).Update(new WeightInputs(iteration, 0.3, new AgentEvidence?[2], critic), weights);

        Assert.Equal(expected, weights[0], 6);
        Assert.Equal(0f, weights[1]);
    }

    [Fact]
    public void Kinds_AreOneTable_ThatTheHelpAndTheParserBothRead()
    {
        foreach (WeightScheduleKind kind in WeightSchedules.Kinds)
        {
            Assert.Contains(kind.Usage, WeightSchedules.Help);
            if (kind.DefaultSpec is { } spec) Assert.Equal(spec, WeightSchedules.Parse(kind.Name).Spec);
        }
        Assert.Equal(["fixed", "decay", "dynamic", "return", "qfilter", "dapg"], WeightSchedules.Kinds.Select(kind => kind.Name));
        Assert.Contains("dynamic[:MAX[:FLOOR[:D[:K[:BETA[:A[:S]]]]]]]", WeightSchedules.Help);
    }

    [Theory]
    [InlineData("fixed:0.5", "fixed:0.5")]
    [InlineData("decay", "decay:1:0.05")]
    [InlineData("decay:0.8:0.1", "decay:0.8:0.1")]
    [InlineData("dynamic", "dynamic:1:0.05:2:5:0.3")]
    [InlineData("dynamic:2:0.1", "dynamic:2:0.1:2:5:0.3")]
    [InlineData(" Dynamic:1:0:3:2:0.5 ", "dynamic:1:0:3:2:0.5")]
    [InlineData("dynamic:1:0.05:2:5:0.3:2:20", "dynamic:1:0.05:2:5:0.3:2:20")]
    [InlineData("return", "return:1:0.05:5:0.3:10")]
    [InlineData("return:0.8:0.1:3", "return:0.8:0.1:3:0.3:10")]
    [InlineData("qfilter", "qfilter:1")]
    [InlineData("qfilter:0.5", "qfilter:0.5")]
    [InlineData("dapg", "dapg:1:0.97:1")]
    [InlineData("DAPG:2:0.9", "dapg:2:0.9:1")]
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
    [InlineData("dynamic:1:0.05:2:5:0.3:1:10:4", "dynamic takes 0 to 7 numbers")]
    [InlineData("return:1:0.05:5:0", "0 < BETA <= 1")]
    [InlineData("qfilter:1:2", "qfilter takes 0 to 1 numbers")]
    [InlineData("dapg:1:1.5", "DECAY (1.5) must be at most 1")]
    public void Parse_BadText_SaysWhatIsWrong(string text, string message)
    {
        FormatException error = Assert.Throws<FormatException>(() => WeightSchedules.Parse(text));
        Assert.Contains(message, error.Message);
    }
}
