// The hyperparameter rules a person can break from a form or the command line, each with its one message.
using Leed.Engine.Learning;
using Leed.Engine.Runs;

namespace Leed.Engine.Tests.Learning;

public sealed class HyperparameterRulesTests
{
    [Theory]
    [InlineData(16, 128, 4, true)]
    [InlineData(2, 2, 4, true)]
    [InlineData(3, 5, 4, false)]
    [InlineData(1, 7, 2, false)]
    [InlineData(4, 4, 0, false)]
    public void RequireWholeMinibatches_AcceptsOnlyRolloutsThatSplitEvenly(int envs, int steps, int minibatches, bool accepted)
    {
        var hyperparameters = new Hyperparameters { Envs = envs, Steps = steps, Minibatches = minibatches };

        Exception? refused = Record.Exception(() => HyperparameterRules.RequireWholeMinibatches(hyperparameters));

        Assert.Equal(accepted, refused is null);
        if (!accepted)
            Assert.Equal($"Envs x Steps ({envs} x {steps} = {envs * steps}) must be divisible by the {minibatches} minibatches, which split every rollout " +
                $"into equal parts: choose envs and steps whose product is a multiple of {minibatches}.", Assert.IsType<HyperparameterException>(refused).Message);
    }

    [Fact]
    public void RunSettings_ThatDoNotSplit_AreRefusedWithTheSameMessage()
    {
        var values = new Dictionary<string, double> { ["Envs"] = 3, ["Steps"] = 5 };

        var refused = Assert.Throws<HyperparameterException>(() => HyperparameterValues.Apply(new Hyperparameters(), values));

        Assert.StartsWith("Envs x Steps (3 x 5 = 15) must be divisible by the 4 minibatches", refused.Message);
    }

    [Fact]
    public void Validate_ARolloutThatDoesNotSplit_IsRefusedByTheOneRule_WithItsMessage()
    {
        var hyperparameters = new Hyperparameters { Envs = 3, Steps = 5 };

        var refused = Assert.Throws<HyperparameterException>(hyperparameters.Validate);

        Assert.Equal(Assert.Throws<HyperparameterException>(() => HyperparameterRules.RequireWholeMinibatches(hyperparameters)).Message, refused.Message);
    }
}
