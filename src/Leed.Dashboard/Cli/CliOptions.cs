// Typed options and arguments for the verbs: each parses and range-checks its own value, with a message naming it.
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Leed.Engine.Env;
using Leed.Engine.Hosting;

namespace Leed.Dashboard.Cli;

/// <summary>
/// Builds the verbs' options. A default is given once, as a value (shown by <c>--help</c> as
/// <c>[default: ...]</c>); where it comes from an engine record, the verb passes that record's value.
/// An option without a default reads as null when absent, for verbs where "not given" means something.
/// </summary>
internal static class CliOptions
{
    /// <summary>The database folder, for every verb that opens the store and for the dashboard.</summary>
    public static readonly Option<string?> Data = Text("--data", $"folder of the database (default ./{new LeedOptions().DataDirectory})", "DIR");

    /// <summary>The map a verb works on, by name (presets and imported maps).</summary>
    public static readonly Option<string?> RequiredMap = new("--map") { Description = "map name (see `maps list`)", HelpName = "NAME", Required = true };

    /// <summary>The map, when something else (a file's header, a stored set) may name it instead.</summary>
    public static readonly Option<string?> OptionalMap = Text("--map", "map name (see `maps list`); not needed for a file whose header records its scenario", "NAME");

    /// <summary>Agents of a scenario, by <see cref="ScenarioResolver"/>'s rule: a map's own agents first, then generated ones.</summary>
    public static readonly Option<int?> ScenarioAgents = OptionalInt("--agents",
        $"number of agents: on a map with its own .scen agents, its first N (default all of them), else generated (default {ScenarioResolver.DefaultAgents})", "N", 1, 10_000);

    /// <summary>A map with a default, for the benchmarks.</summary>
    public static Option<string> Map(string defaultName) => Text("--map", "map name (see `maps list`)", "NAME", defaultName);

    public static Option<int> Int(string name, string description, string valueName, int defaultValue, int min = int.MinValue, int max = int.MaxValue) =>
        new(name) { Description = description, HelpName = valueName, DefaultValueFactory = _ => defaultValue, CustomParser = result => ParseInt(result, min, max) };

    public static Option<int?> OptionalInt(string name, string description, string valueName, int min = int.MinValue, int max = int.MaxValue) =>
        new(name) { Description = description, HelpName = valueName, CustomParser = result => ParseInt(result, min, max) };

    public static Option<double> Double(string name, string description, string valueName, double defaultValue, double min, double max) =>
        new(name) { Description = description, HelpName = valueName, DefaultValueFactory = _ => defaultValue, CustomParser = result => ParseDouble(result, min, max) };

    public static Option<double?> OptionalDouble(string name, string description, string valueName, double min, double max) =>
        new(name) { Description = description, HelpName = valueName, CustomParser = result => ParseDouble(result, min, max) };

    public static Option<string?> Text(string name, string description, string valueName) =>
        new(name) { Description = description, HelpName = valueName };

    public static Option<string> Text(string name, string description, string valueName, string defaultValue) =>
        new(name) { Description = description, HelpName = valueName, DefaultValueFactory = _ => defaultValue };

    /// <summary>One of a few words; anything else is refused with the list.</summary>
    public static Option<string?> Choice(string name, string description, params string[] choices) =>
        new(name)
        {
            Description = description,
            HelpName = string.Join('|', choices),
            CustomParser = result =>
            {
                string? text = Token(result);
                if (text is not null && !choices.Contains(text))
                    result.AddError($"{OptionName(result)} must be {string.Join(", ", choices[..^1])} or {choices[^1]}, got '{text}'.");
                return text;
            },
        };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A value the engine parses (an algorithm, a weight schedule); its <see cref="FormatException"/> becomes the option's error.</summary>
    public static Option<T> Parsed<T>(string name, string description, string valueName, Func<string, T> parse) =>
        new(name) { Description = description, HelpName = valueName, CustomParser = result => Parse(result, parse) };

    public static Option<T> Parsed<T>(string name, string description, string valueName, Func<string, T> parse, T defaultValue) =>
        new(name) { Description = description, HelpName = valueName, CustomParser = result => Parse(result, parse), DefaultValueFactory = _ => defaultValue };

    /// <summary>Comma-separated positive whole numbers, such as agent counts or seeds.</summary>
    public static Option<IntList> IntList(string name, string description, string valueName, params int[] defaultValue) =>
        new(name)
        {
            Description = description,
            HelpName = valueName,
            DefaultValueFactory = _ => new IntList(defaultValue),
            CustomParser = result => Token(result) is null ? new IntList(defaultValue) : ParseIntList(result),
        };

    /// <summary>Comma-separated positive whole numbers, or null when the option is absent.</summary>
    public static Option<IntList?> OptionalIntList(string name, string description, string valueName) =>
        new(name) { Description = description, HelpName = valueName, CustomParser = result => Token(result) is null ? null : ParseIntList(result) };

    private static IntList ParseIntList(ArgumentResult result)
    {
        string text = Token(result) ?? "";
        string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new List<int>();
        foreach (string part in parts)
        {
            if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= 1) values.Add(value);
            else break;
        }
        if (parts.Length == 0 || values.Count < parts.Length)
            result.AddError($"{OptionName(result)} expects comma-separated positive whole numbers, got '{text}'.");
        return new IntList([.. values]);
    }

    /// <summary>A required positional value; when it is missing the error reads "Missing {description}."</summary>
    public static Argument<string> Argument(string valueName, string description) => new(valueName) { Description = description, HelpName = valueName };

    private static int ParseInt(ArgumentResult result, int min, int max)
    {
        if (Token(result) is not { } text) return 0;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            result.AddError($"{OptionName(result)} expects a whole number, got '{text}'.");
        else if (value < min || value > max)
            result.AddError(Invariant($"{OptionName(result)} must be between {min} and {max}, got {value}."));
        return value;
    }

    private static double ParseDouble(ArgumentResult result, double min, double max)
    {
        if (Token(result) is not { } text) return 0;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            result.AddError($"{OptionName(result)} expects a number, got '{text}'.");
        else if (value < min || value > max)
            result.AddError(Invariant($"{OptionName(result)} must be between {min} and {max}, got {value}."));
        return value;
    }

    private static T Parse<T>(ArgumentResult result, Func<string, T> parse)
    {
        if (Token(result) is not { } text) return default!;
        try
        {
            return parse(text);
        }
        catch (FormatException error)
        {
            result.AddError($"{OptionName(result)}: {error.Message}");
            return default!;
        }
    }

    private static string? Token(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : null;

    private static string OptionName(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Whole numbers written <c>5,10,20</c>; help shows a default the same way.</summary>
internal sealed record IntList(int[] Values)
{
    public override string ToString() => string.Join(',', Values);
}
