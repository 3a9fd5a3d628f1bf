// The built-in synthetic cities: deterministic, connected, the advertised sizes, and labelled as synthetic.
using Leed.Engine.Maps;

namespace Leed.Engine.Tests.Maps;

public sealed class PresetMapsTests
{
    [Theory]
    [InlineData(PresetMaps.Small, 16)]
    [InlineData(PresetMaps.Medium, 48)]
    [InlineData(PresetMaps.Large, 96)]
    public void Preset_HasTheAdvertisedSize_AndOneConnectedRoadNetwork(string name, int size)
    {
        CityMap map = PresetMaps.Get(name);

        Assert.Equal((size, size), (map.Width, map.Height));
        Assert.Equal(1, map.Graph.ComponentCount);
        Assert.InRange(map.RoadCellCount, map.CellCount / 5, map.CellCount * 4 / 5); // a city, not a car park or a desert
    }

    [Theory]
    [InlineData(PresetMaps.Small)]
    [InlineData(PresetMaps.Medium)]
    [InlineData(PresetMaps.Large)]
    public void Preset_GeneratedTwice_IsTheSameMap(string name)
    {
        PresetInfo info = PresetMaps.All.Single(preset => preset.Name == name);

        CityMap first = PresetMaps.Generate(info), second = PresetMaps.Generate(info);

        Assert.True(first.Cells.SequenceEqual(second.Cells), $"{name} changed between two generations.");
        Assert.Equal(first.ToAscii(), PresetMaps.Get(name).ToAscii());
        Assert.Equal(info.Seed.ToString(), first.Source.Settings["seed"]);
    }

    [Fact]
    public void Preset_FromAnotherSeed_IsADifferentMap()
    {
        PresetInfo info = PresetMaps.All.Single(preset => preset.Name == PresetMaps.Medium);

        CityMap reseeded = PresetMaps.Generate(info with { Seed = info.Seed + 1 });

        Assert.False(reseeded.Cells.SequenceEqual(PresetMaps.Get(PresetMaps.Medium).Cells));
    }

    [Theory]
    [InlineData(PresetMaps.Small)]
    [InlineData(PresetMaps.Medium)]
    [InlineData(PresetMaps.Large)]
    public void Preset_NameAndDescription_SayPlainlyThatTheCityIsSynthetic(string name)
    {
        CityMap map = PresetMaps.Get(name);

        Assert.Contains("synthetic", map.Name, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Synthetic", map.Source.Description);
        Assert.Contains("not a real city", map.Source.Description);
        Assert.True(map.Source.IsSynthetic);
        Assert.True(PresetMaps.IsPreset(name));
    }

    [Fact]
    public void Get_UnknownPreset_ThrowsListingThePresets()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => PresetMaps.Get("orlando"));

        Assert.Contains("orlando", error.Message);
        Assert.Contains(PresetMaps.Medium, error.Message);
    }

    [Theory]
    [InlineData(PresetMaps.Medium)]
    [InlineData(PresetMaps.Large)]
    public void Preset_CityHasDeadEndsJunctionsAndBlockedAreas(string name)
    {
        CityMap map = PresetMaps.Get(name);
        RoadGraph graph = map.Graph;
        int deadEnds = 0, junctions = 0;
        for (int id = 0; id < graph.IntersectionCount; id++)
        {
            if (graph.Links(id).Count == 1) deadEnds++;
            if (graph.Links(id).Count >= 3) junctions++;
        }

        Assert.True(deadEnds > 0, "Removing street pieces should leave dead ends.");
        Assert.True(junctions > graph.IntersectionCount / 3, "Most of a city's intersections should be junctions.");
        // The NW-SE expressway is a staircase of 3-cell steps from the corner: (0,0) (1,0) (2,0) (2,1) (2,2) (3,2) ...
        Assert.True(map.IsRoad(2, 1) && map.IsRoad(2, 2) && map.IsRoad(3, 2), "The diagonal expressway is missing at its start.");
    }
}
