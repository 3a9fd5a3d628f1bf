// LiteDB behind ILeedStore: one LiteDatabase per process, in a file under the data folder.
using LiteDB;

namespace Leed.Engine.Storage;

/// <summary>The <see cref="ILeedStore"/> on one LiteDB file (or <c>:memory:</c> for tests).</summary>
public sealed class LiteDbStore : ILeedStore
{
    public const string DatabaseFileName = "leed.db";
    public const string InMemory = ":memory:";

    private readonly LiteDatabase _database;
    private readonly object _transactionGate = new();

    private LiteDbStore(LiteDatabase database, string dataDirectory, string databasePath)
    {
        _database = database;
        DataDirectory = dataDirectory;
        DatabasePath = databasePath;
    }

    public string DataDirectory { get; }
    public string DatabasePath { get; }

    /// <summary>Opens (creating on first use) <c>leed.db</c> in <paramref name="dataDirectory"/>.</summary>
    public static LiteDbStore Open(string dataDirectory)
    {
        string directory = Path.GetFullPath(dataDirectory);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"Cannot create the data folder '{directory}': {error.Message}", error);
        }

        string path = Path.Combine(directory, DatabaseFileName);
        try
        {
            // Shared mode would reopen the file per call; one process owns it, so Direct is right.
            var database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
            return new LiteDbStore(database, directory, path);
        }
        catch (Exception error) when (error is IOException or LiteException or UnauthorizedAccessException)
        {
            throw new StoreException($"Cannot open the database '{path}': {error.Message}. " +
                "Is another LEED Studio process using this data folder? Use --data DIR to choose another.", error);
        }
    }

    /// <summary>A store that lives in memory only (tests).</summary>
    public static LiteDbStore OpenInMemory() =>
        new(new LiteDatabase(new MemoryStream()), Path.GetTempPath(), InMemory);

    public ILiteCollection<T> Collection<T>(string name) => _database.GetCollection<T>(name);

    public void UploadFile(string id, string fileName, Stream content) =>
        _database.FileStorage.Upload(id, fileName, content);

    public bool DownloadFile(string id, Stream destination)
    {
        if (_database.FileStorage.FindById(id) is null) return false;
        _database.FileStorage.Download(id, destination);
        return true;
    }

    public bool DeleteFile(string id) => _database.FileStorage.Delete(id);

    public IReadOnlyList<string> FileIds(string prefix) =>
        _database.FileStorage.Find(Query.StartsWith("_id", prefix)).Select(file => file.Id).ToList();

    public T InTransaction<T>(Func<T> work)
    {
        // LiteDB transactions are per thread; the gate keeps two writers from interleaving.
        lock (_transactionGate)
        {
            _database.BeginTrans();
            try
            {
                T result = work();
                _database.Commit();
                return result;
            }
            catch
            {
                _database.Rollback();
                throw;
            }
        }
    }

    public void Dispose() => _database.Dispose();
}

/// <summary>The store could not be opened or written; the message says where and why.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);
