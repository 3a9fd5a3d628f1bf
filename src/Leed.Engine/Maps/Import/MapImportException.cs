// The one error type of every map importer: what was wrong, and exactly where in which file.
namespace Leed.Engine.Maps.Import;

/// <summary>
/// A file could not be imported. <see cref="Exception.Message"/> reads like a compiler error,
/// <c>city.map:5:12: unknown terrain character 'X' (expected one of . G S @ O T W)</c>, so a
/// user can jump to the spot; the parts are also kept separately for tests and the dashboard.
/// </summary>
public sealed class MapImportException : Exception
{
    public MapImportException(string file, int? line, int? column, string problem, string? expected = null, string? found = null)
        : base(Format(file, line, column, problem, expected))
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
        Expected = expected;
        Found = found;
    }

    /// <summary>The file's name as the user gave it (no folder), e.g. <c>city.map</c>.</summary>
    public string File { get; }

    /// <summary>1-based line, or null when the problem concerns the whole file (no roads at all).</summary>
    public int? Line { get; }

    /// <summary>1-based column (characters), or null when no single column is to blame.</summary>
    public int? Column { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>What the format allows there, when that helps.</summary>
    public string? Expected { get; }

    /// <summary>What the file has there.</summary>
    public string? Found { get; }

    private static string Format(string file, int? line, int? column, string problem, string? expected)
    {
        string location = file + (line is int l ? $":{l}" + (column is int c ? $":{c}" : "") : "");
        return $"{location}: {problem}" + (expected is null ? "" : $" (expected {expected})");
    }
}
