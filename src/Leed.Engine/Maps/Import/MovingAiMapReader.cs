// Reads MovingAI benchmark grid maps (.map), exactly per the published format.
using System.Globalization;

namespace Leed.Engine.Maps.Import;

/// <summary>
/// The MovingAI grid format (https://movingai.com/benchmarks/formats.html):
/// <code>
/// type octile
/// height H
/// width W
/// map
/// </code>
/// then exactly H rows of W terrain characters. '.', 'G' (ground) and 'S' (swamp) are passable
/// and become Road; '@', 'O' (out of bounds), 'T' (trees) and 'W' (water) are Blocked. Lines may
/// end in CRLF and trailing whitespace; whitespace inside a row's W characters is an error.
/// The grid is kept cell for cell (no component is dropped), because a .scen file's coordinates
/// refer to it; the map's component count says how connected it is.
/// </summary>
public static class MovingAiMapReader
{
    /// <summary>The largest width and height accepted: the benchmark's maps are at most this size.</summary>
    public const int MaxSide = 1024;

    public const string Kind = "movingai";

    private const string Terrain = "one of . G S @ O T W";

    public static CityMap Read(TextReader text, string fileName, string mapName)
    {
        var lines = new NumberedLines(text);
        string? first = lines.Next();
        if (first is null) throw new MapImportException(fileName, 1, null, "the file is empty", "'type octile' on line 1", "nothing");

        string[] type = Header(lines, first, fileName, "type", "'type octile'");
        if (type[1] != "octile")
            throw new MapImportException(fileName, lines.Number, ValueColumn(first), $"unsupported map type '{type[1]}'", "'type octile'", type[1]);
        int height = Size(lines, fileName, "height");
        int width = Size(lines, fileName, "width");
        string mapLine = lines.Next() ?? throw Missing(lines, fileName, "'map'");
        if (mapLine.TrimEnd() != "map")
            throw new MapImportException(fileName, lines.Number, 1, $"found '{mapLine.TrimEnd()}' where the header ends", "'map'", mapLine.TrimEnd());

        var road = new bool[width * height];
        for (int y = 0; y < height; y++)
        {
            string row = lines.Next()?.TrimEnd()
                ?? throw new MapImportException(fileName, lines.Number + 1, null,
                    $"the map ends after {y} row(s), but its header says height {height}", $"{height} rows", $"{y} rows");
            int checkedLength = Math.Min(row.Length, width);
            for (int x = 0; x < checkedLength; x++)
            {
                char cell = row[x];
                if (cell is '.' or 'G' or 'S') road[y * width + x] = true;
                else if (cell is not ('@' or 'O' or 'T' or 'W'))
                    throw new MapImportException(fileName, lines.Number, x + 1, $"unknown terrain character {Show(cell)}", Terrain, Show(cell));
            }
            if (row.Length != width)
                throw new MapImportException(fileName, lines.Number, checkedLength + 1,
                    $"row {y + 1} has {row.Length} character(s), but the header says width {width}", $"{width} characters", $"{row.Length} characters");
        }
        while (lines.Next() is string extra)
        {
            if (extra.Trim().Length > 0)
                throw new MapImportException(fileName, lines.Number, 1,
                    $"there is more map data after the {height} row(s) the header's height allows", $"{height} rows", "another row");
        }

        var settings = new Dictionary<string, string>
        {
            ["format"] = Kind,
            ["file"] = fileName,
            ["importedAt"] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        return new CityMap(mapName, width, height, road, new MapSource(Kind, $"Imported from {fileName} (MovingAI grid map).", settings));
    }

    /// <summary>A header line "keyword value": both words must be there, and the keyword must be the expected one.</summary>
    private static string[] Header(NumberedLines lines, string line, string fileName, string keyword, string expected)
    {
        string[] words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length != 2 || words[0] != keyword)
            throw new MapImportException(fileName, lines.Number, 1,
                words.Length == 0 ? $"line {lines.Number} is empty" : $"found '{line.Trim()}' where the header's '{keyword}' line belongs", expected, line.Trim());
        return words;
    }

    private static int Size(NumberedLines lines, string fileName, string keyword)
    {
        string expected = $"'{keyword} N' with N from 1 to {MaxSide}";
        string line = lines.Next() ?? throw Missing(lines, fileName, expected);
        string value = Header(lines, line, fileName, keyword, expected)[1];
        int column = ValueColumn(line);
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long size))
            throw new MapImportException(fileName, lines.Number, column, $"{keyword} '{value}' is not a whole number", expected, value);
        if (size < 1)
            throw new MapImportException(fileName, lines.Number, column, $"{keyword} {size} is not positive", expected, value);
        if (size > MaxSide)
            throw new MapImportException(fileName, lines.Number, column, $"{keyword} {size} is larger than the limit of {MaxSide}", expected, value);
        return (int)size;
    }

    private static MapImportException Missing(NumberedLines lines, string fileName, string expected) =>
        new(fileName, lines.Number + 1, null, "the file ends inside the header", expected, "the end of the file");

    /// <summary>1-based column of the second word of a header line.</summary>
    private static int ValueColumn(string line)
    {
        int i = 0;
        while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
        while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
        while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
        return i + 1;
    }

    /// <summary>A character as a reader can see it, even when it is invisible.</summary>
    internal static string Show(char c) => c switch
    {
        ' ' => "' ' (a space)",
        '\t' => "U+0009 (a tab)",
        _ when char.IsControl(c) || char.IsWhiteSpace(c) => $"U+{(int)c:X4}",
        _ => $"'{c}'",
    };
}

/// <summary>Reads lines and counts them, so errors can say where they are. ReadLine accepts LF, CRLF and CR.</summary>
internal sealed class NumberedLines(TextReader reader)
{
    /// <summary>The 1-based number of the line last returned (0 before the first).</summary>
    public int Number { get; private set; }

    public string? Next()
    {
        string? line = reader.ReadLine();
        if (line is not null) Number++;
        return line;
    }
}
