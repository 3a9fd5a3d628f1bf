// Reads MovingAI scenario files (.scen): the agents' starts and goals on a MovingAI map.
using System.Globalization;
using Leed.Engine.Env;

namespace Leed.Engine.Maps.Import;

/// <summary>
/// The MovingAI scenario format (https://movingai.com/benchmarks/formats.html): a
/// <c>version 1</c> header (<c>version 1.0</c> is accepted too), then one row per problem,
/// <c>bucket map width height startX startY goalX goalY optimalLength</c>, tab-separated in the
/// benchmark's files (any whitespace is accepted, so a map name cannot contain spaces). x is the
/// column and y the row, from the top-left corner, as in <see cref="CityMap"/>.
/// The first N rows become Agent_0 .. Agent_{N-1}; rows after them are not read. Every agent
/// departs at step 0: the format has no departure times.
/// </summary>
public static class MovingAiScenarioReader
{
    private static readonly string[] Fields = ["bucket", "map", "width", "height", "startX", "startY", "goalX", "goalY", "optimalLength"];

    /// <summary>Reads the first <paramref name="agents"/> rows (all rows when null) as the agents of a scenario on <paramref name="map"/>.</summary>
    public static Scenario Read(TextReader text, string fileName, CityMap map, int? agents = null)
    {
        if (agents < 1) throw new ArgumentOutOfRangeException(nameof(agents), agents, "A scenario needs at least one agent.");
        var lines = new NumberedLines(text);
        string header = lines.Next() ?? throw new MapImportException(fileName, 1, null, "the file is empty", "'version 1' on line 1", "nothing");
        string[] version = header.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (version is not ["version", "1" or "1.0"])
            throw new MapImportException(fileName, 1, 1, $"found '{header.Trim()}' where the 'version 1' header belongs", "'version 1'", header.Trim());

        RoadGraph graph = map.Graph;
        var specs = new List<AgentSpec>();
        while ((agents is null || specs.Count < agents) && lines.Next() is string line)
        {
            List<(string Text, int Column)> fields = Split(line);
            if (fields.Count == 0) continue; // blank lines between or after rows carry nothing
            if (fields.Count != Fields.Length)
            {
                int column = fields.Count > Fields.Length ? fields[Fields.Length].Column : line.TrimEnd().Length + 1;
                throw new MapImportException(fileName, lines.Number, column, $"the row has {fields.Count} field(s)",
                    $"{Fields.Length} fields: {string.Join(' ', Fields)}", $"{fields.Count} fields");
            }

            int Whole(int field)
            {
                (string value, int column) = fields[field];
                if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number))
                    throw new MapImportException(fileName, lines.Number, column, $"{Fields[field]} '{value}' is not a whole number", "a whole number", value);
                return number;
            }

            Whole(0);
            int width = Whole(2), height = Whole(3);
            if (width != map.Width)
                throw new MapImportException(fileName, lines.Number, fields[2].Column,
                    $"the row is for a map {width} wide, but the map is {map.Width} wide", $"width {map.Width}", fields[2].Text);
            if (height != map.Height)
                throw new MapImportException(fileName, lines.Number, fields[3].Column,
                    $"the row is for a map {height} high, but the map is {map.Height} high", $"height {map.Height}", fields[3].Text);

            int Cell(int xField, string end)
            {
                int x = Whole(xField), y = Whole(xField + 1);
                if (x < 0 || x >= map.Width)
                    throw new MapImportException(fileName, lines.Number, fields[xField].Column,
                        $"{Fields[xField]} {x} is outside the map", $"0 to {map.Width - 1}", fields[xField].Text);
                if (y < 0 || y >= map.Height)
                    throw new MapImportException(fileName, lines.Number, fields[xField + 1].Column,
                        $"{Fields[xField + 1]} {y} is outside the map", $"0 to {map.Height - 1}", fields[xField + 1].Text);
                if (!map.IsRoad(x, y))
                    throw new MapImportException(fileName, lines.Number, fields[xField].Column,
                        $"the {end} ({x}, {y}) is on a blocked cell", "a passable cell (. G S)", $"({x}, {y})");
                return map.Index(x, y);
            }

            int start = Cell(4, "start"), goal = Cell(6, "goal");
            (string lengthText, int lengthColumn) = fields[8];
            if (!double.TryParse(lengthText, NumberStyles.Float, CultureInfo.InvariantCulture, out double optimal) || !double.IsFinite(optimal))
                throw new MapImportException(fileName, lines.Number, lengthColumn, $"optimalLength '{lengthText}' is not a number", "a number", lengthText);
            // An agent that starts on its goal could never arrive: arrival means entering the goal cell.
            if (goal == start)
                throw new MapImportException(fileName, lines.Number, fields[6].Column,
                    $"the goal {map.Coordinates(goal)} is the start cell", "a goal other than the start", map.Coordinates(goal).ToString());
            if (graph.ComponentOf(start) != graph.ComponentOf(goal))
                throw new MapImportException(fileName, lines.Number, fields[6].Column,
                    $"the goal {map.Coordinates(goal)} cannot be reached from the start {map.Coordinates(start)}: no road connects them",
                    "a goal reachable from the start", map.Coordinates(goal).ToString());
            specs.Add(new AgentSpec(start, goal, Departure: 0));
        }

        if (specs.Count == 0)
            throw new MapImportException(fileName, lines.Number + 1, null, "the file has no scenario rows", "at least one row after 'version 1'", "none");
        if (specs.Count < agents)
            throw new MapImportException(fileName, lines.Number + 1, null,
                $"{agents} agents were asked for, but the file has only {specs.Count} row(s)", $"{agents} rows", $"{specs.Count} rows");
        return new Scenario(map, specs, $"from {fileName}: its first {specs.Count} row(s), every agent departing at step 0", ScenarioSource.MapRows(specs.Count));
    }

    /// <summary>Whitespace-separated fields with their 1-based columns.</summary>
    private static List<(string Text, int Column)> Split(string line)
    {
        var fields = new List<(string, int)>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            int start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            if (i > start) fields.Add((line[start..i], start + 1));
        }
        return fields;
    }
}
