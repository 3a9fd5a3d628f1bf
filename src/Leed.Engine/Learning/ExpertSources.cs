// Where the trainer's demonstrations come from: the built-in planner or an instruction file, executed in the environment.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;

namespace Leed.Engine.Learning;

public static class ExpertSources
{
    /// <summary>The built-in congestion-aware planner's demonstrations, executed with the same environment rules as training.</summary>
    public static ExpertDataset Planner(Scenario scenario, EnvConfig? config = null)
    {
        DemonstrationSet set = new PlannerDemonstrator(config).Generate(scenario);
        return InstructionExecutor.Execute(scenario, set, config: config).Dataset;
    }

    /// <summary>An instruction file's demonstrations (invalid agents carry no steps); throws <see cref="DemonstrationFileException"/> with located errors.</summary>
    public static ExpertDataset File(string path, Scenario scenario, EnvConfig? config = null)
    {
        (DemonstrationSet set, _) = DemonstrationFile.Load(path, scenario, config);
        return InstructionExecutor.Execute(scenario, set, config: config).Dataset;
    }
}
