// Parses `verb words --option value --flag positional` for the command-line verbs.
using System.Globalization;

namespace Leed.Dashboard.Cli;

/// <summary>A bad command line: exit code 2, the message on stderr.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Bad input data (a malformed file, an unknown map): exit code 2, the message on stderr.</summary>
public sealed class InputException(string message) : Exception(message);

/// <summary>One option a verb accepts.</summary>
public sealed record OptionSpec(string Name, string Help, bool IsFlag = false, string? ValueName = null);

/// <summary>The arguments after the verb, checked against the verb's options.</summary>
public sealed class ParsedArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Positionals { get; }

    private ParsedArguments(List<string> positionals) => Positionals = positionals;

    public static ParsedArguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<OptionSpec> options, string verb)
    {
        var positionals = new List<string>();
        var parsed = new ParsedArguments(positionals);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                positionals.Add(arg);
                continue;
            }
            string name = arg[2..];
            string? inline = null;
            int equals = name.IndexOf('=');
            if (equals >= 0) (name, inline) = (name[..equals], name[(equals + 1)..]);
            OptionSpec spec = options.FirstOrDefault(option => option.Name == name)
                ?? throw new UsageException($"'{verb}' has no option --{name}. It accepts: " +
                    string.Join(", ", options.Select(option => "--" + option.Name)) + ".");
            if (spec.IsFlag)
            {
                parsed._flags.Add(name);
                continue;
            }
            string? value = inline ?? (i + 1 < args.Count ? args[++i] : null);
            if (value is null) throw new UsageException($"--{name} needs a value ({spec.ValueName ?? spec.Help}).");
            parsed._values[name] = value;
        }
        return parsed;
    }

    public bool Has(string name) => _values.ContainsKey(name) || _flags.Contains(name);

    public bool Flag(string name) => _flags.Contains(name);

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new UsageException($"--{name} is required.");

    public int GetInt(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        string? text = Get(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new UsageException($"--{name} expects a whole number, got '{text}'.");
        if (value < min || value > max)
            throw new UsageException($"--{name} must be between {min} and {max}, got {value}.");
        return value;
    }

    public double GetDouble(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        string? text = Get(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new UsageException($"--{name} expects a number, got '{text}'.");
        if (value < min || value > max)
            throw new UsageException($"--{name} must be between {min} and {max}, got {value}.");
        return value;
    }

    public string Positional(int index, string what) =>
        index < Positionals.Count ? Positionals[index] : throw new UsageException($"Missing {what}.");
}
