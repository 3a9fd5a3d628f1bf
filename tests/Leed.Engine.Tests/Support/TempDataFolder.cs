// A temporary data folder with a store open on it, for tests that need a real LiteDB file; deleted with everything in it when disposed.
using Leed.Engine.Storage;

namespace Leed.Engine.Tests.Support;

public sealed class TempDataFolder : IDisposable
{
    public TempDataFolder(string prefix)
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
        Store = LiteDbStore.Open(Path);
    }

    public string Path { get; }

    public LiteDbStore Store { get; private set; }

    /// <summary>Closes the store and opens the folder again, as a restarted process would.</summary>
    public LiteDbStore Reopen()
    {
        Store.Dispose();
        Store = LiteDbStore.Open(Path);
        return Store;
    }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Path, recursive: true);
    }
}
