// Rules on hyperparameters that a person can break from a form or a command line, each stated once with its message.
namespace Leed.Engine.Learning;

/// <summary>A hyperparameter choice that breaks a rule; the message names the settings and what to choose instead.</summary>
public sealed class HyperparameterException(string message) : ArgumentException(message);

public static class HyperparameterRules
{
    /// <summary>
    /// Each epoch splits every agent's <c>Envs x Steps</c> rollout rows into <c>Minibatches</c> equal
    /// parts, so the product must be a multiple of the minibatch count.
    /// </summary>
    /// <exception cref="HyperparameterException">The rows do not split evenly.</exception>
    public static void RequireWholeMinibatches(Hyperparameters hyperparameters)
    {
        if (hyperparameters.Minibatches >= 1 && hyperparameters.BatchSize % hyperparameters.Minibatches == 0) return;
        throw new HyperparameterException(
            $"Envs x Steps ({hyperparameters.Envs} x {hyperparameters.Steps} = {hyperparameters.BatchSize}) must be divisible by the " +
            $"{hyperparameters.Minibatches} minibatches, which split every rollout into equal parts: choose envs and steps whose product is a multiple of {hyperparameters.Minibatches}.");
    }

    /// <summary>The record after <see cref="Hyperparameters.Validate"/> (its range checks and every rule here); the same record for chaining.</summary>
    /// <exception cref="HyperparameterException">A rule above is broken.</exception>
    /// <exception cref="ArgumentException">A value is out of its range.</exception>
    public static Hyperparameters Checked(this Hyperparameters hyperparameters)
    {
        hyperparameters.Validate();
        return hyperparameters;
    }
}
