// Small scenarios, demonstrations and hyperparameters shared by the learning tests.
using Leed.Engine.Env;
using Leed.Engine.Learning;
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Learning;

internal static class LearningFixtures
{
    private static readonly Lazy<(Scenario Scenario, ExpertDataset Demos)> SmallLazy = new(() =>
    {
        Scenario scenario = ScenarioGenerator.Generate(PresetMaps.Get(PresetMaps.Small), 4, seed: 3);
        return (scenario, ExpertSources.Planner(scenario));
    });

    /// <summary>4 agents on the 16x16 preset.</summary>
    public static Scenario Small => SmallLazy.Value.Scenario;

    /// <summary>The built-in planner's demonstrations for <see cref="Small"/>.</summary>
    public static ExpertDataset SmallDemos => SmallLazy.Value.Demos;

    /// <summary>A short rollout so a test iteration takes milliseconds.</summary>
    public static Hyperparameters Tiny => new() { Envs = 4, Steps = 32, Iterations = 10, Minibatches = 2, UpdateEpochs = 2, ExpertBatchSize = 32 };
}
