// Stored maps: what is saved comes back cell for cell, names never clash, and the catalog sees both kinds.
using Leed.Engine.Env;
using Leed.Engine.Maps;
using Leed.Engine.Maps.Import;
using Leed.Engine.Storage;

namespace Leed.Engine.Tests.Maps.Import;

public sealed class MapRepositoryTests : IDisposable
{
    private readonly LiteDbStore _store = LiteDbStore.OpenInMemory();

    public void Dispose() => _store.Dispose();

    private static CityMap Town(string name = "town")
    {
        using StreamReader file = Fixtures.Open("town.map");
        return MovingAiMapReader.Read(file, "town.map", name);
    }

    private static Scenario TownScenario(CityMap map)
    {
        using StreamReader file = Fixtures.Open("town.scen");
        return MovingAiScenarioReader.Read(file, "town.scen", map);
    }

    [Fact]
    public void Save_ThenFind_GivesBackTheSameCellsSizeAndSource()
    {
        var repository = new MapRepository(_store);
        CityMap town = Town();
        repository.Save(town);

        CityMap found = repository.Find("town")!;
        Assert.Equal((town.Width, town.Height), (found.Width, found.Height));
        Assert.Equal(town.Cells.ToArray(), found.Cells.ToArray());
        Assert.Equal(town.Source.Kind, found.Source.Kind);
        Assert.Equal(town.Source.Description, found.Source.Description);
        Assert.Equal(town.Source.Settings.OrderBy(pair => pair.Key), found.Source.Settings.OrderBy(pair => pair.Key));
    }

    [Fact]
    public void Save_WithAScenario_StoresItsAgents_AndAMapWithoutOneHasNone()
    {
        var repository = new MapRepository(_store);
        CityMap town = Town();
        Scenario scenario = TownScenario(town);
        repository.Save(town, scenario);
        repository.Save(Town("bare"));

        Scenario stored = repository.FindScenario("town")!;
        Assert.Equal(scenario.Agents, stored.Agents);
        Assert.Equal(scenario.Description, stored.Description);
        Assert.Null(repository.FindScenario("bare"));
        Assert.Null(repository.FindScenario("missing"));
    }

    [Fact]
    public void Save_TheLargestMap_SurvivesReopeningTheDatabaseFile()
    {
        string folder = Directory.CreateTempSubdirectory("leed-maps-").FullName;
        try
        {
            int side = MovingAiMapReader.MaxSide;
            bool[] road = [.. Enumerable.Range(0, side * side).Select(cell => cell % 3 != 0 || cell % 7 == 0)];
            var big = new CityMap("big", side, side, road, new MapSource("movingai", "a large test map", new Dictionary<string, string>()));
            using (var store = LiteDbStore.Open(folder)) new MapRepository(store).Save(big);

            using (var store = LiteDbStore.Open(folder))
                Assert.Equal(road, new MapRepository(store).Find("big")!.Cells.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(PresetMaps.Medium)]
    [InlineData("Synthetic-Medium")]
    public void Save_APresetsName_IsRefused_EvenWithOverwrite(string name)
    {
        var repository = new MapRepository(_store);
        var error = Assert.Throws<MapNameTakenException>(() => repository.Save(Town(name), overwrite: true));
        Assert.Contains("built-in", error.Message);
        Assert.Empty(repository.List());
    }

    [Theory]
    [InlineData("town")]
    [InlineData("TOWN")]
    public void Save_AStoredName_IsRefusedIgnoringCase_UnlessOverwriting(string again)
    {
        var repository = new MapRepository(_store);
        repository.Save(Town("town"));

        var error = Assert.Throws<MapNameTakenException>(() => repository.Save(Town(again)));
        Assert.Contains("already stored", error.Message);

        CityMap replacement = CityMap.FromAscii(again, "...\n.#.\n...");
        repository.Save(replacement, overwrite: true);
        CityMap stored = Assert.Single(repository.List());
        Assert.Equal((again, 3), (stored.Name, stored.Width));
    }

    [Theory]
    [InlineData("")]
    [InlineData("with space")]
    [InlineData("../escape")]
    [InlineData("-leading-dash")]
    [InlineData("a-name-that-is-far-too-long-to-be-a-map-name-in-a-list-or-a-command")]
    public void NameProblem_RefusesNamesThatWouldNotWorkOnTheCommandLine(string name)
    {
        Assert.NotNull(MapRepository.NameProblem(name));
        Assert.Throws<ArgumentException>(() => new MapRepository(_store).Save(CityMap.FromAscii(name, "..")));
    }

    [Fact]
    public void List_IsByName_AndDeleteRemovesOnlyTheNamedMap()
    {
        var repository = new MapRepository(_store);
        repository.Save(Town("zeta"));
        repository.Save(Town("alpha"));

        Assert.Equal(["alpha", "zeta"], repository.List().Select(map => map.Name));
        Assert.True(repository.Delete("zeta"));
        Assert.False(repository.Delete("zeta"));
        Assert.Equal(["alpha"], repository.List().Select(map => map.Name));
    }

    [Fact]
    public void Catalog_ListsPresetsFirstThenStoredMaps_AndFindsBoth()
    {
        var catalog = MapCatalog.For(_store);
        CityMap town = Town();
        catalog.Stored.Save(town, TownScenario(town));

        Assert.Equal([.. PresetMaps.All.Select(preset => preset.Name), "town"], catalog.List().Select(map => map.Name));
        Assert.Equal(PresetMaps.Small, catalog.Find(PresetMaps.Small)!.Name);
        Assert.Equal("town", catalog.Find("town")!.Name);
        Assert.Null(catalog.Find("nowhere"));
        Assert.Equal(4, catalog.FindScenario("town")!.AgentCount);
        Assert.Null(catalog.FindScenario(PresetMaps.Small));
    }

    [Fact]
    public void Catalog_Require_ReturnsPresetsAndStoredMaps_AndRefusesAnyOtherNameWithOneMessageSayingWhatToDo()
    {
        var catalog = MapCatalog.For(_store);
        catalog.Stored.Save(Town(), null);

        Assert.Equal(PresetMaps.Small, catalog.Require(PresetMaps.Small).Name);
        Assert.Equal("town", catalog.Require("town").Name);
        MapNotFoundException missing = Assert.Throws<MapNotFoundException>(() => catalog.Require("nowhere"));
        Assert.Equal("nowhere", missing.Name);
        Assert.Equal("No map named 'nowhere'. `maps list` or the Maps page shows the map names; import one with `maps import FILE` or on the Maps page.", missing.Message);
    }
}
