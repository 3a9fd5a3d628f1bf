// The command-line verbs: JSON on stdout, human messages on stderr, exit 2 for bad usage or input.
using System.Text.Json;
using System.Text.Json.Serialization;
using Leed.Dashboard.Hosting;
using Leed.Engine.Hosting;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

/// <summary>What a running verb can use: its arguments, the output streams, settings and store.</summary>
public sealed class VerbContext(ParsedArguments args, TextWriter output, TextWriter error, CancellationToken cancellation) : IDisposable
{
    private ILeedStore? _store;

    public ParsedArguments Args { get; } = args;
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public CancellationToken Cancellation { get; } = cancellation;
    public LeedOptions Options { get; } = LeedConfiguration.ForCommandLine(args.Get("data")).ReadOptions();

    /// <summary>The store under <c>--data DIR</c> (default <c>./data</c>), opened on first use.</summary>
    public ILeedStore Store => _store ??= LiteDbStore.Open(Options.DataDirectory);

    /// <summary>Writes one JSON document (or one line of a stream) to stdout.</summary>
    public void WriteJson(object value, bool indented = true)
    {
        Out.WriteLine(JsonSerializer.Serialize(value, indented ? CommandLine.Indented : CommandLine.Compact));
        Out.Flush();
    }

    public void Dispose() => _store?.Dispose();
}

/// <summary>A command-line verb: its words, help, options and action.</summary>
public sealed record Verb(string Name, string Help, IReadOnlyList<OptionSpec> Options, Func<VerbContext, Task<int>> Run)
{
    public static readonly OptionSpec Data = new("data", "folder of the database (default ./data)", ValueName: "DIR");
}

public static class CommandLine
{
    internal static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    internal static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    /// <summary>Every verb; later features add theirs here.</summary>
    public static IReadOnlyList<Verb> Verbs { get; } =
    [
        new("system", "Prints the System page's facts as JSON.", [Verb.Data], SystemVerb.RunAsync),
        new("maps list", "Lists the maps (presets and imported) as JSON.", [Verb.Data], MapsVerbs.ListAsync),
        new("maps show", "Prints a map as ASCII ('+' intersection, '.' road, '#' blocked). Argument: NAME.", [Verb.Data], MapsVerbs.ShowAsync),
        new("maps import", "Imports a MovingAI .map (with an optional .scen for agents) or an OpenStreetMap .osm file and stores it; " +
            "prints its statistics as JSON. Argument: FILE.", MapsVerbs.ImportOptions, MapsVerbs.ImportAsync),
        new("maps delete", "Deletes an imported map. Argument: NAME.", [Verb.Data], MapsVerbs.DeleteAsync),
        new("demos generate", "Generates demonstrations (planner or LLM), stores them as a new set, prints JSON.", DemosVerbs.GenerateOptions, DemosVerbs.GenerateAsync),
        new("demos validate", "Validates an instruction file against a scenario. Argument: FILE. Exit 2 if any agent is invalid.", DemosVerbs.ValidateOptions, DemosVerbs.ValidateAsync),
        new("demos list", "Lists the stored demonstration sets, every version, newest first, as JSON.", [Verb.Data], DemosVerbs.ListAsync),
        new("demos show", "Prints a stored set's instructions on stdout and its provenance on stderr (--json: all as JSON). Argument: ID.", DemosVerbs.ShowOptions, DemosVerbs.ShowAsync),
        new("train", "Trains one run; streams one JSON line per iteration, writes config.json, metrics.csv and checkpoint.bin to --out.", TrainVerbs.Options, TrainVerbs.TrainAsync),
        new("bench watch", "Trains the same run unwatched and watched (as the Live page watches) and compares their speed.", DashboardBenchVerbs.WatchOptions, DashboardBenchVerbs.WatchAsync),
        new("bench runs-page", "Times the Runs page's first render with 1,000 stored runs (a temporary data folder).", DashboardBenchVerbs.RunsPageOptions, DashboardBenchVerbs.RunsPageAsync),
        new("bench env", "Measures environment throughput (agent-steps/s) and allocations per step.", BenchVerbs.EnvOptions, BenchVerbs.EnvAsync),
        new("bench planner", "Times the built-in planner (default: large preset, 100 agents).", BenchVerbs.PlannerOptions, BenchVerbs.PlannerAsync),
        new("bench train", "Measures end-to-end training throughput (agent-steps/s), the time split and the ensemble kernels' GFLOP/s.", TrainBenchVerbs.TrainOptions, TrainBenchVerbs.TrainAsync),
        new("bench kernel", "GFLOP/s of the per-agent ensemble networks' forward + backward alone (the ceiling for the training loop).", TrainBenchVerbs.KernelOptions, TrainBenchVerbs.KernelAsync),
        new("bench scaling", "Seconds per iteration and agent-steps/s per agent count (default: large preset, 5,10,20,50,100 agents).", TrainBenchVerbs.ScalingOptions, TrainBenchVerbs.ScalingAsync),
        new("bench memory", "Live tensors, RSS and managed heap over many training iterations (flat means no leak).", TrainBenchVerbs.MemoryOptions, TrainBenchVerbs.MemoryAsync),
        new("bench learning", "LEED vs IPPO vs MAPPO and weight schedules on equal steps, several seeds; writes curves and a summary.", TrainBenchVerbs.LearningOptions, TrainBenchVerbs.LearningAsync),
    ];

    public static bool HasVerb(string[] args) =>
        args.Length > 0 && (args[0] is "help" or "--help" or "-h" || Verbs.Any(verb => verb.Name.Split(' ')[0] == args[0]));

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation = default)
    {
        if (args[0] is "help" or "--help" or "-h")
        {
            error.WriteLine(Usage());
            return 0;
        }
        Verb? verb = Verbs.Where(candidate => Matches(candidate, args))
            .OrderByDescending(candidate => candidate.Name.Length).FirstOrDefault();
        if (verb is null)
        {
            error.WriteLine($"error: unknown command '{string.Join(' ', args.TakeWhile(arg => !arg.StartsWith("--")))}'.");
            error.WriteLine(Usage());
            return 2;
        }

        try
        {
            int words = verb.Name.Split(' ').Length;
            ParsedArguments parsed = ParsedArguments.Parse(args[words..], verb.Options, verb.Name);
            using var context = new VerbContext(parsed, output, error, cancellation);
            return await verb.Run(context);
        }
        catch (UsageException usage)
        {
            error.WriteLine($"error: {usage.Message}");
            error.WriteLine($"usage: {VerbUsage(verb)}");
            return 2;
        }
        catch (InputException input)
        {
            error.WriteLine($"error: {input.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled.");
            return 1;
        }
        catch (Exception failure)
        {
            error.WriteLine($"internal error: {failure.Message}");
            error.WriteLine(failure.ToString());
            return 1;
        }
    }

    private static bool Matches(Verb verb, string[] args)
    {
        string[] words = verb.Name.Split(' ');
        return args.Length >= words.Length && words.Select((word, i) => args[i] == word).All(match => match);
    }

    private static string VerbUsage(Verb verb) =>
        verb.Name + string.Concat(verb.Options.Select(option => option.IsFlag ? $" [--{option.Name}]" : $" [--{option.Name} {option.ValueName ?? "VALUE"}]"));

    public static string Usage() =>
        "LEED Studio. With no command, starts the dashboard on " + DashboardApp.DefaultUrl + " (--urls to change, --data DIR for the data folder).\n" +
        "Commands:\n" + string.Join("\n", Verbs.Select(verb => $"  {VerbUsage(verb)}\n      {verb.Help}"));
}
