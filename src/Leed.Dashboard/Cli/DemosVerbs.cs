// `demos generate` and `demos validate`: demonstrations from the command line.
using Leed.Engine.Demonstrations;
using Leed.Engine.Env;
using Leed.Engine.Maps;

namespace Leed.Dashboard.Cli;

internal static class DemosVerbs
{
    public static readonly OptionSpec[] GenerateOptions =
    [
        Verb.Data,
        new("map", "map name", ValueName: "NAME"),
        new("agents", "number of agents (default: the map's own scenario, else 20)", ValueName: "N"),
        new("seed", "scenario seed (default 1)", ValueName: "S"),
        new("demonstrator", "planner or llm (default: llm when configured, else planner)", ValueName: "planner|llm"),
        new("llm-endpoint", "OpenAI-compatible base URL (overrides Leed:Llm:Endpoint)", ValueName: "URL"),
        new("llm-model", "model name (overrides Leed:Llm:Model)", ValueName: "M"),
        new("max-rounds", "refinement rounds for the LLM (default 3)", ValueName: "K"),
        new("out", "write the instructions to this file", ValueName: "FILE"),
    ];

    public static readonly OptionSpec[] ValidateOptions =
    [
        Verb.Data,
        new("map", "map name", ValueName: "NAME"),
        new("agents", "number of agents of a generated scenario", ValueName: "N"),
        new("seed", "scenario seed of a generated scenario", ValueName: "S"),
    ];

    public static async Task<int> GenerateAsync(VerbContext context)
    {
        (Scenario scenario, int? seed, MapCatalog catalog) = ResolveScenario(context);
        IDemonstrator demonstrator = Demonstrators.Create(context, catalog);
        context.Error.WriteLine($"Generating demonstrations for {scenario.AgentCount} agents on {scenario.Map.Name} with {demonstrator.Label}...");
        var progress = new Progress<DemonstrationProgress>(step => context.Error.WriteLine($"  round {step.Round}: {step.AgentsDone}/{step.AgentCount} {step.Message}"));
        DemonstrationSet set = await demonstrator.GenerateAsync(scenario, progress, context.Cancellation);
        StoredDemonstrationSet stored = new DemonstrationStore(context.Store).SaveNew(scenario, seed, set);
        string? output = context.Args.Get("out");
        if (output is not null) await File.WriteAllTextAsync(output, set.ToInstructionText(), context.Cancellation);
        context.WriteJson(new
        {
            demonstrator = set.Demonstrator,
            label = set.Label,
            agents = scenario.AgentCount,
            rounds = set.Rounds.Select(round => new { round.Round, round.ParseValidity, round.PathValidity, round.ArrivalRate }),
            setId = stored.Id,
            valid = set.Agents.Count(agent => agent.Valid),
            failures = set.Agents.Where(agent => agent.Failure is not null).Select(agent => new { agent.Agent, agent.Failure }),
            output,
        });
        return 0;
    }

    public static Task<int> ValidateAsync(VerbContext context)
    {
        string file = context.Args.Positional(0, "instruction file to validate");
        (Scenario scenario, _, _) = ResolveScenario(context);
        (DemonstrationSet set, ValidationReport report) = Load(file, scenario);
        context.WriteJson(new
        {
            file,
            map = scenario.Map.Name,
            agents = report.Agents.Select(agent => new
            {
                agent = Scenario.AgentName(agent.Agent),
                agent.Valid,
                agent.ExpectedTravelTime,
                errors = agent.Errors.Select(error => new { error.Index, error.Reason }),
            }),
            pathValidity = report.PathValidity,
            arrivalRate = set.Rounds[0].ArrivalRate,
        });
        int invalid = report.Agents.Count(agent => !agent.Valid);
        if (invalid == 0) return Task.FromResult(0);
        foreach (InstructionError error in report.AllErrors) context.Error.WriteLine($"{Path.GetFileName(file)}: {error.Describe()}");
        context.Error.WriteLine($"{invalid} of {report.Agents.Count} agents have invalid instructions.");
        return Task.FromResult(2);
    }

    internal static (DemonstrationSet, ValidationReport) Load(string file, Scenario scenario)
    {
        try
        {
            return DemonstrationFile.Load(file, scenario);
        }
        catch (DemonstrationFileException error)
        {
            throw new InputException(error.Message);
        }
    }

    internal static (Scenario Scenario, int? Seed, MapCatalog Catalog) ResolveScenario(VerbContext context)
    {
        string name = context.Args.Require("map");
        var catalog = MapCatalog.For(context.Store);
        CityMap map = catalog.Find(name) ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
        int? agents = context.Args.Has("agents") ? context.Args.GetInt("agents", 0, 1, 10_000) : null;
        int? seed = context.Args.Has("seed") ? context.Args.GetInt("seed", 0) : null;
        (Scenario scenario, int? chosenSeed) = ScenarioResolver.Resolve(catalog, map, agents, seed);
        return (scenario, chosenSeed, catalog);
    }
}

/// <summary>Chooses the demonstrator a command asked for.</summary>
internal static class Demonstrators
{
    public static IDemonstrator Create(VerbContext context, MapCatalog catalog)
    {
        string kind = context.Args.Get("demonstrator") ?? (context.Options.Llm.IsConfigured || context.Args.Has("llm-endpoint") ? "llm" : "planner");
        return kind switch
        {
            "planner" => new PlannerDemonstrator(),
            "llm" => throw new UsageException("The LLM demonstrator is not available in this build yet; use --demonstrator planner."),
            _ => throw new UsageException($"--demonstrator must be planner or llm, got '{kind}'."),
        };
    }
}
