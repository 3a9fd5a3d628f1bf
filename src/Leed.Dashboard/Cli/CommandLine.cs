// The command line: one root command whose subcommands are the verbs, and whose own action starts the dashboard.
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.Json;
using System.Text.Json.Serialization;
using Leed.Dashboard.Hosting;
using Leed.Dashboard.LocalApi;
using Leed.Engine.Env;
using Leed.Engine;
using Leed.Engine.Hosting;
using Leed.Engine.Learning;
using Leed.Engine.Maps;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Cli;

/// <summary>
/// Verbs print JSON on stdout and human messages (help included) on stderr; exit code 2 means bad
/// usage or bad input, 1 an internal failure.
/// </summary>
/// <remarks>
/// How a command line is told from the dashboard's: a word is a command, and an unknown word is an
/// error (exit 2, with the closest command), never a dashboard start; options before any word, or
/// none at all, start the dashboard and go to its host unchanged, so ASP.NET's own settings
/// (<c>--urls</c>, <c>--environment</c>, <c>--contentRoot</c>, any <c>--Section:Key value</c>) and
/// <c>--data DIR</c> work as before. ASP.NET reads <c>--key value</c>, <c>--key=value</c>,
/// <c>/key value</c> and <c>key=value</c>, so a word that follows a <c>--key</c> is its value.
/// </remarks>
public static class CommandLine
{
    internal static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    internal static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    /// <summary>Response files stay off: an argument that starts with '@' is an argument.</summary>
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    private static readonly Option<string?> Urls = CliOptions.Text("--urls", "dashboard: where it listens (default " + DashboardApp.DefaultUrl +
        "); other ASP.NET settings such as --environment, and any --Section:Key value, pass through", "URLS");

    private static readonly Argument<string[]> HelpTopic = new("COMMAND")
    {
        Description = "a command, e.g. `maps import`",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>Every verb; a new verb is one more subcommand here (its file declares its options and action).</summary>
    public static RootCommand Root { get; } = Build();

    private static RootCommand Build()
    {
        var root = new RootCommand("LEED Studio. With no command, starts the dashboard on " + DashboardApp.DefaultUrl + " (loopback only).")
        {
            // The dashboard's host arguments are open-ended (any configuration key), so the root lets them through; see Unmatched.
            TreatUnmatchedTokensAsErrors = false,
        };
        // stdout carries only JSON; `system` prints the versions.
        foreach (Option option in root.Options.Where(option => option is VersionOption).ToList()) root.Options.Remove(option);
        root.Options.Add(CliOptions.Data);
        root.Options.Add(Urls);

        root.Subcommands.Add(SystemVerb.Command());
        root.Subcommands.Add(MapsVerbs.Command());
        root.Subcommands.Add(DemosVerbs.Command());
        root.Subcommands.Add(TrainVerbs.Command());
        root.Subcommands.Add(RunsVerbs.Command());
        root.Subcommands.Add(StoreVerbs.Command());
        root.Subcommands.Add(EvaluateVerb.Command());
        root.Subcommands.Add(ExportVerbs.Command());
        root.Subcommands.Add(StudyVerbs.Command());
        root.Subcommands.Add(WorkerVerb.Command());
        root.Subcommands.Add(new Command("bench", "Benchmarks: speed, memory and learning quality, printed as JSON.")
        {
            DashboardBenchVerbs.Watch(), DashboardBenchVerbs.RunsPage(),
            BenchVerbs.Env(), BenchVerbs.Planner(),
            TrainBenchVerbs.Train(), TrainBenchVerbs.Kernel(), TrainBenchVerbs.Scaling(), TrainBenchVerbs.Memory(), TrainBenchVerbs.Learning(),
            StudyBenchVerbs.Study(), ClusterBenchVerbs.Cluster(),
        });
        var help = new Command("help", "Lists every command, or shows one command's arguments and options.") { HelpTopic };
        help.SetAction(ShowHelp);
        root.Subcommands.Add(help);

        root.SetAction(StartDashboardAsync);
        root.Description += "\n\nCommands (`COMMAND --help` or `help COMMAND` shows one command's arguments and options with their defaults):\n" + CommandList(root);
        return root;
    }

    /// <summary>A verb: its options and arguments, and an action whose errors become exit codes.</summary>
    internal static Command Verb(string name, string description, IEnumerable<Symbol> symbols, Func<VerbContext, Task<int>> run)
    {
        var command = new Command(name, description);
        foreach (Symbol symbol in symbols)
        {
            if (symbol is Option option) command.Options.Add(option);
            else command.Arguments.Add((Argument)symbol);
        }
        command.SetAction((result, cancellation) => RunVerbAsync(result, cancellation, run));
        return command;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation = default)
    {
        ParseResult result = Root.Parse(args, Parsing);
        bool help = result.Action is HelpAction;
        if (!help && Problem(result) is { } problem)
        {
            error.WriteLine($"error: {problem.Message}");
            if (problem.Command is { } command) error.WriteLine($"usage: {Usage(command)}");
            return 2;
        }
        return await result.InvokeAsync(new InvocationConfiguration
        {
            // Help is for people, so it goes to stderr like every human message: stdout carries only JSON.
            Output = help ? error : output,
            Error = error,
            // The verbs map their own exceptions to exit codes; the dashboard's host (and a test host
            // stopping it after it is built) must see theirs unchanged.
            EnableDefaultExceptionHandler = false,
            // The dashboard's host and `train` handle Ctrl+C and SIGTERM themselves.
            ProcessTerminationTimeout = null,
        }, cancellation);
    }

    private static async Task<int> RunVerbAsync(ParseResult result, CancellationToken cancellation, Func<VerbContext, Task<int>> run)
    {
        TextWriter error = result.InvocationConfiguration.Error;
        try
        {
            using var context = new VerbContext(result, cancellation);
            return await run(context);
        }
        catch (UsageException usage)
        {
            error.WriteLine($"error: {usage.Message}");
            error.WriteLine($"usage: {Usage(result.CommandResult.Command)}");
            return 2;
        }
        catch (Exception input) when (input is InputException or MapNotFoundException or HyperparameterException or StoreException or ResourceLimitException
            or ScenarioException or Engine.Demonstrations.DemonstratorChoiceException or Engine.Demonstrations.DemonstrationFileException
            or Engine.Demonstrations.NoValidAgentException)
        {
            error.WriteLine($"error: {input.Message}");
            return 2;
        }
        catch (LocalApiException refused)
        {
            // The dashboard that owns the folder refused or failed the work; it said why and with which exit code.
            error.WriteLine($"error: {refused.Message}");
            return refused.ExitCode;
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

    private static async Task<int> StartDashboardAsync(ParseResult result, CancellationToken cancellation)
    {
        // The host gets the arguments as given (System.CommandLine has only split `--urls=X` into `--urls X`, which ASP.NET reads alike).
        string[] hostArgs = [.. result.Tokens.Where(token => token.Type != TokenType.Directive).Select(token => token.Value)];
        WebApplication app;
        try
        {
            app = DashboardApp.Build(hostArgs);
        }
        catch (StoreException refused)
        {
            // Another owner of the data folder, or a damaged database: one message and exit 2, no web server serving errors.
            result.InvocationConfiguration.Error.WriteLine($"error: {refused.Message}");
            return 2;
        }
        await app.RunAsync(cancellation);
        return 0;
    }

    /// <summary><c>help maps import</c> is <c>maps import --help</c>.</summary>
    private static int ShowHelp(ParseResult result)
    {
        string[] words = result.GetValue(HelpTopic) ?? [];
        Command command = Root;
        foreach (string word in words)
        {
            Command? next = command.Subcommands.FirstOrDefault(sub => sub.Name == word);
            if (next is null)
            {
                result.InvocationConfiguration.Error.WriteLine($"error: {UnknownCommand(command, word)}");
                return 2;
            }
            command = next;
        }
        return Root.Parse([.. words, "--help"], Parsing).Invoke(new InvocationConfiguration { Output = result.InvocationConfiguration.Error });
    }

    /// <summary>Every verb by its full name with its description, one per line, for the root's help.</summary>
    private static string CommandList(RootCommand root)
    {
        var rows = Leaves(root).Select(command => (Name: PathOf(command) + ArgumentsOf(command), command.Description)).ToList();
        int width = rows.Max(row => row.Name.Length) + 2;
        return string.Join('\n', rows.Select(row => "  " + row.Name.PadRight(width) + row.Description));
    }

    /// <summary>The first thing wrong with a command line, said in the verbs' terms; null when it can run.</summary>
    private static (string Message, Command? Command)? Problem(ParseResult result)
    {
        Command command = result.CommandResult.Command;
        if (command.Action is null)
        {
            string? word = FirstWord(result.UnmatchedTokens);
            return word is not null
                ? (UnknownCommand(command, word), null)
                : ($"'{PathOf(command)}' needs a command: {string.Join(", ", command.Subcommands.Select(sub => sub.Name))}. `{PathOf(command)} --help` says what each does.", null);
        }
        if (Unmatched(result, command) is { } unmatched) return unmatched;
        // What was typed wrong comes before what was left out.
        IEnumerable<ParseError> ordered = result.Errors.OrderBy(error => error.SymbolResult switch
        {
            OptionResult { IdentifierToken: not null } => 0,
            ArgumentResult { Tokens.Count: > 0 } => 1,
            _ => 2,
        });
        foreach (ParseError error in ordered)
        {
            switch (error.SymbolResult)
            {
                case OptionResult { IdentifierToken: null } missing:
                    return ($"{missing.Option.Name} is required.", command);
                case OptionResult { Tokens.Count: 0 } option:
                    return ($"{option.Option.Name} needs a value ({option.Option.HelpName ?? option.Option.Description}).", command);
                case ArgumentResult { Tokens.Count: 0 } argument:
                    return ($"Missing {argument.Argument.Description}.", command);
                case OptionResult or ArgumentResult:
                    return (error.Message, command);
            }
        }
        return result.Errors.Count > 0 ? (result.Errors[0].Message, command) : null;
    }

    /// <summary>Words and options the verb does not know; at the root, what ASP.NET would not read as a setting.</summary>
    private static (string, Command?)? Unmatched(ParseResult result, Command command)
    {
        // System.CommandLine hands an unknown --option to a positional argument as its value; like every
        // other word that starts with "--", it is an option here (no map, file or id is called "--x").
        IEnumerable<string> taken = command.Arguments.SelectMany(argument => result.GetResult(argument)?.Tokens ?? [])
            .Select(token => token.Value).Where(value => value.StartsWith("--", StringComparison.Ordinal));
        IReadOnlyList<string> tokens = [.. taken, .. result.UnmatchedTokens];
        if (command == Root) return FirstWord(tokens) is { } word ? (UnknownCommand(Root, word), null) : null;
        foreach (string token in tokens)
        {
            if (token.StartsWith('-'))
            {
                string name = token.Split('=', 2)[0];
                IEnumerable<string> accepted = command.Options.Concat(Root.Options.Where(option => option.Recursive)).Select(option => option.Name);
                string closest = Closest(name, accepted) is { } near && EditDistance(name, near) <= Math.Max(2, name.Length / 3) ? $" Did you mean {near}?" : "";
                return ($"'{PathOf(command)}' has no option {name}.{closest} It accepts: {string.Join(", ", command.Options.Where(option => !option.Hidden).Select(option => option.Name))}.", command);
            }
            string takes = command.Arguments.Count == 0 ? "takes no arguments" : $"takes{ArgumentsOf(command)}";
            return ($"Unexpected argument '{token}': '{PathOf(command)}' {takes}, the rest are --options.", command);
        }
        return null;
    }

    /// <summary>
    /// The first word that is neither an option nor an option's value, read as ASP.NET reads its
    /// arguments: <c>--key value</c>, <c>--key=value</c>, <c>/key value</c>, <c>key=value</c>.
    /// </summary>
    private static string? FirstWord(IReadOnlyList<string> tokens)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            bool isOption = token.StartsWith('-') || token.StartsWith('/');
            if (isOption && !token.Contains('=') && i + 1 < tokens.Count && !tokens[i + 1].StartsWith('-')) i++;
            else if (!isOption && !token.Contains('=')) return token;
        }
        return null;
    }

    /// <summary>"unknown command", with the closest command by edit distance (a subcommand's full name when its own name is closer).</summary>
    private static string UnknownCommand(Command parent, string word)
    {
        var candidates = parent.Subcommands.Select(sub => (Name: sub.Name, Path: PathOf(sub)))
            .Concat(parent.Subcommands.SelectMany(sub => sub.Subcommands).Select(leaf => (Name: leaf.Name, Path: PathOf(leaf))))
            .ToList();
        string said = parent == Root ? word : $"{PathOf(parent)} {word}";
        string? closest = candidates.Count == 0 ? null : candidates.MinBy(candidate => EditDistance(word, candidate.Name)).Path;
        return $"unknown command '{said}'." + (closest is null ? "" : $" Did you mean '{closest}'?") + " `help` lists every command.";
    }

    private static string? Closest(string word, IEnumerable<string> names) => names.MinBy(name => EditDistance(word, name));

    /// <summary>Levenshtein distance (<see cref="Spelling.EditDistance"/>).</summary>
    internal static int EditDistance(string a, string b) => Spelling.EditDistance(a, b);

    /// <summary>The command's words below the root, e.g. <c>maps import</c>.</summary>
    internal static string PathOf(Command command)
    {
        var words = new List<string>();
        for (Command? current = command; current is not null and not RootCommand; current = current.Parents.OfType<Command>().FirstOrDefault())
            words.Insert(0, current.Name);
        return string.Join(' ', words);
    }

    /// <summary>Every command that runs something, in the order help lists them.</summary>
    public static IEnumerable<Command> Leaves(Command command) =>
        command.Subcommands.SelectMany(sub => sub.Subcommands.Count == 0 ? [sub] : Leaves(sub));

    private static string Usage(Command command) => $"{PathOf(command)}{ArgumentsOf(command)} [options]  (`{PathOf(command)} --help` lists them)";

    private static string ArgumentsOf(Command command) => string.Concat(command.Arguments.Select(argument =>
        argument.Arity.MinimumNumberOfValues == 0 ? $" [{argument.HelpName ?? argument.Name}]" : $" <{argument.HelpName ?? argument.Name}>"));
}
