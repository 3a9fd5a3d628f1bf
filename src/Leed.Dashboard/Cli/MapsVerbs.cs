// `maps list` and `maps show`: the maps a run can use.
using Leed.Engine.Maps;

namespace Leed.Dashboard.Cli;

internal static class MapsVerbs
{
    public static Task<int> ListAsync(VerbContext context)
    {
        var maps = MapCatalog.For(context.Store).List()
            .Select(map => new { map.Name, map.Width, map.Height, source = map.Source.Kind, synthetic = map.Source.IsSynthetic, map.Source.Description });
        context.WriteJson(maps);
        return Task.FromResult(0);
    }

    public static Task<int> ShowAsync(VerbContext context)
    {
        string name = context.Args.Positional(0, "map name (see `maps list`)");
        CityMap map = MapCatalog.For(context.Store).Find(name)
            ?? throw new InputException($"No map named '{name}'. Run `maps list` for the names.");
        RoadGraph graph = map.Graph;
        context.Error.WriteLine($"{map.Name}: {map.Width}x{map.Height}, {map.RoadCellCount} road cells, {graph.IntersectionCount} intersections " +
            $"('+'), {graph.Segments.Count} segments, {graph.ComponentCount} component(s). {map.Source.Description}");
        context.Out.Write(map.ToAscii());
        return Task.FromResult(0);
    }
}
