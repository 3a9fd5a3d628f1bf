// Where the import tests find their fixture files and the repository's samples.
namespace Leed.Engine.Tests.Maps.Import;

internal static class Fixtures
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Maps", "Import", "Fixtures", name);

    public static string Sample(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Samples", name);

    public static StreamReader Open(string name) => new(Path(name));
}
