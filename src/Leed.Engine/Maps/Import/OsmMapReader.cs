// Reads OpenStreetMap XML (.osm) and rasterises its roads onto a grid of Road and Blocked cells.
using System.Globalization;
using System.Xml;

namespace Leed.Engine.Maps.Import;

/// <summary>How an .osm file becomes a grid.</summary>
public sealed record OsmImportOptions
{
    /// <summary>
    /// Highway kinds left out unless asked for: ways that are not for cars (foot, cycle, horse
    /// paths, steps, corridors), tracks and service roads (driveways, parking aisles: they turn
    /// a city into a dense mesh of dead ends), and roads that do not exist yet.
    /// </summary>
    public static IReadOnlyList<string> ExcludedByDefault { get; } =
        ["footway", "path", "cycleway", "steps", "pedestrian", "track", "service", "bridleway", "corridor", "proposed", "construction"];

    /// <summary>Side of one cell in metres; 10 m is about one road's width.</summary>
    public double MetresPerCell { get; init; } = 10;

    /// <summary>The highway kinds to keep (e.g. primary, residential); null keeps every kind except <see cref="ExcludedByDefault"/>.</summary>
    public IReadOnlySet<string>? HighwayKinds { get; init; }

    public bool Keeps(string highway) => HighwayKinds?.Contains(highway) ?? !ExcludedByDefault.Contains(highway);

    /// <summary>The rule in words, stored with the map.</summary>
    public string Describe() => HighwayKinds is null
        ? "all except " + string.Join(",", ExcludedByDefault)
        : string.Join(",", HighwayKinds.Order(StringComparer.Ordinal));
}

/// <summary>
/// Streams an OpenStreetMap XML file: <c>&lt;node id lat lon&gt;</c>, and <c>&lt;way&gt;</c> with
/// <c>&lt;nd ref&gt;</c> and <c>&lt;tag k="highway" v=...&gt;</c>. Positions are projected to metres
/// equirectangularly around the area's centre latitude (the error is negligible over a city);
/// the area is the file's <c>&lt;bounds&gt;</c> (or osmosis' <c>&lt;bound box&gt;</c>) when present,
/// else the extent of the kept roads' nodes. Each kept highway is drawn from node to node as a
/// 4-connected line of Road cells, so a vehicle can follow it; the parts of a way outside the
/// area are clipped. Everything else is Blocked, and only the largest connected road component
/// is kept. Directions (oneway) are ignored: vehicles may drive both ways on every road.
/// </summary>
public static class OsmMapReader
{
    /// <summary>The largest width and height of the resulting grid.</summary>
    public const int MaxSide = 1024;

    public const string Kind = "osm";

    /// <summary>Mean Earth radius (IUGG), metres.</summary>
    private const double EarthRadius = 6_371_008.8;

    private sealed class Way(long id, int line, int column)
    {
        public long Id { get; } = id;
        public int Line { get; } = line;
        public int Column { get; } = column;
        public List<long> Refs { get; } = [];
        public List<(int Line, int Column)> RefAt { get; } = [];
        public string? Highway { get; set; }
    }

    private sealed record Bounds(double MinLat, double MinLon, double MaxLat, double MaxLon, int Line, int Column);

    public static CityMap Read(TextReader text, string fileName, string mapName, OsmImportOptions? options = null)
    {
        options ??= new OsmImportOptions();
        if (!(options.MetresPerCell > 0) || !double.IsFinite(options.MetresPerCell))
            throw new ArgumentOutOfRangeException(nameof(options), options.MetresPerCell, "Metres per cell must be a positive number.");

        var nodes = new Dictionary<long, (double Lat, double Lon)>();
        var kept = new List<Way>();
        int highwayWays = 0;
        Bounds? bounds = null;

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit, // no entity expansion from untrusted files
            IgnoreComments = true,
            IgnoreWhitespace = true,
            IgnoreProcessingInstructions = true,
        };
        using XmlReader reader = XmlReader.Create(text, settings);
        var at = (IXmlLineInfo)reader;
        try
        {
            Way? way = null;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.EndElement && reader.Name == "way" && way is not null)
                {
                    Finish(way);
                    way = null;
                    continue;
                }
                if (reader.NodeType != XmlNodeType.Element) continue;
                // Point at the '<' of the element, where an editor's cursor should go.
                int line = at.LineNumber, column = at.LinePosition - 1;
                if (reader.Depth == 0)
                {
                    if (reader.Name != "osm")
                        throw new MapImportException(fileName, line, column, $"the document is a <{reader.Name}>, not OpenStreetMap XML", "an <osm> root element", $"<{reader.Name}>");
                    continue;
                }
                switch (reader.Name)
                {
                    case "bounds" when reader.Depth == 1 && bounds is null:
                        bounds = ReadBounds(reader, fileName, line, column,
                            [Coordinate(reader, fileName, "bounds", "minlat", 90), Coordinate(reader, fileName, "bounds", "minlon", 180),
                             Coordinate(reader, fileName, "bounds", "maxlat", 90), Coordinate(reader, fileName, "bounds", "maxlon", 180)]);
                        break;
                    case "bound" when reader.Depth == 1 && bounds is null:
                        bounds = ReadBounds(reader, fileName, line, column, BoundBox(reader, fileName, line, column));
                        break;
                    case "node" when reader.Depth == 1:
                        long nodeId = Id(reader, fileName, "node", "id", line, column);
                        double lat = Coordinate(reader, fileName, $"node {nodeId}", "lat", 90);
                        double lon = Coordinate(reader, fileName, $"node {nodeId}", "lon", 180);
                        nodes[nodeId] = (lat, lon);
                        break;
                    case "way" when reader.Depth == 1:
                        way = new Way(Id(reader, fileName, "way", "id", line, column), line, column);
                        if (reader.IsEmptyElement)
                        {
                            Finish(way);
                            way = null;
                        }
                        break;
                    case "nd" when way is not null:
                        way.Refs.Add(Id(reader, fileName, $"way {way.Id}: nd", "ref", line, column));
                        way.RefAt.Add((line, column));
                        break;
                    case "tag" when way is not null && reader.GetAttribute("k") == "highway":
                        way.Highway = reader.GetAttribute("v");
                        break;
                }
            }
        }
        catch (XmlException error)
        {
            // Some errors (an empty file, a prohibited DTD) come without a position (line 0).
            bool located = error.LineNumber > 0;
            throw new MapImportException(fileName, located ? error.LineNumber : null, located ? error.LinePosition : null,
                "malformed XML: " + WithoutLocation(error.Message));
        }

        void Finish(Way way)
        {
            if (way.Highway is null) return;
            highwayWays++;
            if (options.Keeps(way.Highway)) kept.Add(way);
        }

        if (kept.Count == 0)
        {
            string problem = highwayWays == 0
                ? "the file has no roads: no <way> has a highway tag"
                : $"none of the file's {highwayWays} highway way(s) is of a kind that is kept (kept: {options.Describe()})";
            throw new MapImportException(fileName, null, null, problem, "at least one road", "none");
        }
        foreach (Way way in kept)
            for (int i = 0; i < way.Refs.Count; i++)
                if (!nodes.ContainsKey(way.Refs[i]))
                    throw new MapImportException(fileName, way.RefAt[i].Line, way.RefAt[i].Column,
                        $"way {way.Id} references node {way.Refs[i]}, which the file does not define", $"a <node id=\"{way.Refs[i]}\">", "no such node");

        Bounds area = bounds ?? Extent(kept, nodes);
        double cell = options.MetresPerCell;
        double metresPerDegreeLat = EarthRadius * Math.PI / 180;
        double metresPerDegreeLon = metresPerDegreeLat * Math.Cos((area.MinLat + area.MaxLat) / 2 * Math.PI / 180);
        double widthMetres = (area.MaxLon - area.MinLon) * metresPerDegreeLon, heightMetres = (area.MaxLat - area.MinLat) * metresPerDegreeLat;
        double columns = Math.Floor(widthMetres / cell) + 1, rows = Math.Floor(heightMetres / cell) + 1;
        if (columns > MaxSide || rows > MaxSide)
        {
            double enough = Math.Ceiling(Math.Max(widthMetres, heightMetres) / (MaxSide - 1));
            string size = columns * rows > 1e12 ? "an enormous" : $"a {columns:0}x{rows:0}";
            throw new MapImportException(fileName, bounds?.Line, bounds?.Column,
                $"at {cell.ToString(CultureInfo.InvariantCulture)} m per cell the area ({widthMetres / 1000:0.0} km x {heightMetres / 1000:0.0} km) " +
                $"would need {size} grid, larger than the limit of {MaxSide}x{MaxSide}; use {enough:0} m per cell or more, or a smaller extract",
                $"at most {MaxSide}x{MaxSide} cells", $"{columns:0}x{rows:0}");
        }

        int width = (int)columns, height = (int)rows;
        var road = new bool[width * height];
        foreach (Way way in kept)
        {
            for (int i = 0; i < way.Refs.Count; i++)
            {
                (double lat, double lon) = nodes[way.Refs[i]];
                double x1 = (lon - area.MinLon) * metresPerDegreeLon / cell, y1 = (area.MaxLat - lat) * metresPerDegreeLat / cell;
                if (i == 0 || way.Refs.Count == 1) DrawLine(road, width, height, x1, y1, x1, y1);
                if (i > 0)
                {
                    (double previousLat, double previousLon) = nodes[way.Refs[i - 1]];
                    double x0 = (previousLon - area.MinLon) * metresPerDegreeLon / cell, y0 = (area.MaxLat - previousLat) * metresPerDegreeLat / cell;
                    DrawLine(road, width, height, x0, y0, x1, y1);
                }
            }
        }
        if (MapOps.KeepLargestComponent(road, width, height) == 0)
            throw new MapImportException(fileName, bounds?.Line, bounds?.Column,
                $"none of the {kept.Count} kept road(s) passes through the area", "roads inside the bounds", "none");

        var sourceSettings = new Dictionary<string, string>
        {
            ["format"] = Kind,
            ["file"] = fileName,
            ["metresPerCell"] = cell.ToString("R", CultureInfo.InvariantCulture),
            ["highways"] = options.Describe(),
            ["ways"] = kept.Count.ToString(CultureInfo.InvariantCulture),
            ["area"] = bounds is null ? "extent of the roads' nodes" : "the file's bounds",
            // The top-left corner and the projection, so a cell can be mapped back to a place.
            ["northWest"] = FormattableString.Invariant($"{area.MaxLat:R},{area.MinLon:R}"),
            ["projection"] = "equirectangular at the centre latitude",
            ["importedAt"] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        string description = $"Imported from {fileName} (OpenStreetMap, {cell.ToString(CultureInfo.InvariantCulture)} m per cell, {kept.Count} road way(s)). " +
            "Map data © OpenStreetMap contributors, ODbL.";
        return new CityMap(mapName, width, height, road, new MapSource(Kind, description, sourceSettings));
    }

    /// <summary>
    /// Draws the segment between two points given in cell units, clipped to the grid: Bresenham's
    /// line, with each diagonal step split into two 4-connected steps (vehicles move 4-connected,
    /// so a road drawn with diagonal steps would be broken).
    /// </summary>
    internal static void DrawLine(bool[] road, int width, int height, double x0, double y0, double x1, double y1)
    {
        if (!Clip(ref x0, ref y0, ref x1, ref y1, width, height)) return;
        int ax = Math.Clamp((int)Math.Floor(x0), 0, width - 1), ay = Math.Clamp((int)Math.Floor(y0), 0, height - 1);
        int bx = Math.Clamp((int)Math.Floor(x1), 0, width - 1), by = Math.Clamp((int)Math.Floor(y1), 0, height - 1);
        DrawCells(road, width, ax, ay, bx, by);
    }

    /// <summary>The 4-connected Bresenham line between two cells, both included (cells must be on the grid).</summary>
    internal static void DrawCells(bool[] road, int width, int x0, int y0, int x1, int y1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        int error = dx + dy;
        while (true)
        {
            road[y0 * width + x0] = true;
            if (x0 == x1 && y0 == y1) return;
            int doubled = 2 * error;
            bool stepX = doubled >= dy, stepY = doubled <= dx;
            if (stepX && stepY) road[y0 * width + x0 + sx] = true; // the corner that makes a diagonal step 4-connected
            if (stepX) { error += dy; x0 += sx; }
            if (stepY) { error += dx; y0 += sy; }
        }
    }

    /// <summary>Liang-Barsky: trims the segment to [0, width] x [0, height]; false when it misses the grid.</summary>
    private static bool Clip(ref double x0, ref double y0, ref double x1, ref double y1, double width, double height)
    {
        double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
        ReadOnlySpan<double> p = [-dx, dx, -dy, dy];
        ReadOnlySpan<double> q = [x0, width - x0, y0, height - y0];
        for (int edge = 0; edge < 4; edge++)
        {
            if (p[edge] == 0)
            {
                if (q[edge] < 0) return false;
                continue;
            }
            double t = q[edge] / p[edge];
            if (p[edge] < 0)
            {
                if (t > t1) return false;
                t0 = Math.Max(t0, t);
            }
            else
            {
                if (t < t0) return false;
                t1 = Math.Min(t1, t);
            }
        }
        (double startX, double startY) = (x0, y0);
        (x0, y0, x1, y1) = (startX + t0 * dx, startY + t0 * dy, startX + t1 * dx, startY + t1 * dy);
        return true;
    }

    private static Bounds Extent(List<Way> ways, Dictionary<long, (double Lat, double Lon)> nodes)
    {
        double minLat = double.MaxValue, minLon = double.MaxValue, maxLat = double.MinValue, maxLon = double.MinValue;
        foreach (Way way in ways)
            foreach (long id in way.Refs)
            {
                (double lat, double lon) = nodes[id];
                (minLat, maxLat, minLon, maxLon) = (Math.Min(minLat, lat), Math.Max(maxLat, lat), Math.Min(minLon, lon), Math.Max(maxLon, lon));
            }
        return new Bounds(minLat, minLon, maxLat, maxLon, 0, 0);
    }

    private static Bounds ReadBounds(XmlReader reader, string fileName, int line, int column, double[] box)
    {
        if (!(box[0] < box[2]) || !(box[1] < box[3]))
            throw new MapImportException(fileName, line, column, $"<{reader.Name}> is empty or inverted",
                "minlat < maxlat and minlon < maxlon", FormattableString.Invariant($"{box[0]},{box[1]} to {box[2]},{box[3]}"));
        return new Bounds(box[0], box[1], box[2], box[3], line, column);
    }

    /// <summary>osmosis writes <c>&lt;bound box="minlat,minlon,maxlat,maxlon"/&gt;</c>.</summary>
    private static double[] BoundBox(XmlReader reader, string fileName, int line, int column)
    {
        string box = reader.GetAttribute("box") ?? "";
        string[] parts = box.Split(',');
        var values = new double[4];
        for (int i = 0; i < 4; i++)
            if (parts.Length != 4 || !double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new MapImportException(fileName, line, column, $"<bound box=\"{box}\"> is not four numbers", "box=\"minlat,minlon,maxlat,maxlon\"", box);
        return values;
    }

    private static long Id(XmlReader reader, string fileName, string what, string attribute, int line, int column)
    {
        string? text = reader.GetAttribute(attribute);
        if (text is null)
            throw new MapImportException(fileName, line, column, $"{what} has no {attribute} attribute", $"{attribute}=\"<number>\"", "none");
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long id))
        {
            (int attributeLine, int attributeColumn) = AttributeAt(reader, attribute, line, column);
            throw new MapImportException(fileName, attributeLine, attributeColumn, $"{what} has {attribute} '{text}', which is not a whole number", "a whole number", text);
        }
        return id;
    }

    private static double Coordinate(XmlReader reader, string fileName, string what, string attribute, double limit)
    {
        var info = (IXmlLineInfo)reader;
        int line = info.LineNumber, column = info.LinePosition - 1;
        string? text = reader.GetAttribute(attribute);
        string expected = $"{attribute} from -{limit} to {limit}";
        if (text is null)
            throw new MapImportException(fileName, line, column, $"{what} has no {attribute} attribute", expected, "none");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(Math.Abs(value) <= limit))
        {
            (int attributeLine, int attributeColumn) = AttributeAt(reader, attribute, line, column);
            throw new MapImportException(fileName, attributeLine, attributeColumn, $"{what} has {attribute} '{text}', which is not a valid {(limit == 90 ? "latitude" : "longitude")}", expected, text);
        }
        return value;
    }

    /// <summary>Where an attribute's name starts, to point at the bad value rather than the element.</summary>
    private static (int Line, int Column) AttributeAt(XmlReader reader, string attribute, int line, int column)
    {
        if (!reader.MoveToAttribute(attribute)) return (line, column);
        var info = (IXmlLineInfo)reader;
        (int Line, int Column) where = (info.LineNumber, info.LinePosition);
        reader.MoveToElement();
        return where;
    }

    /// <summary>XmlException messages end in " Line 3, position 7."; the location is given separately.</summary>
    private static string WithoutLocation(string message)
    {
        int at = message.LastIndexOf(" Line ", StringComparison.Ordinal);
        return at > 0 ? message[..at] : message;
    }
}
