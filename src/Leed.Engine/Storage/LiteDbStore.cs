// LiteDB behind ILeedStore: one LiteDatabase per process, in a file under the data folder.
using System.Security.Cryptography;
using LiteDB;

namespace Leed.Engine.Storage;

/// <summary>
/// The <see cref="ILeedStore"/> on one LiteDB file (or <c>:memory:</c> for tests). Opening takes
/// the data folder's lock first (<see cref="DataFolderLock"/>) and checks the files before LiteDB
/// sees them (<see cref="LiteDbFiles"/>), so no path opens the database beside another process
/// and no damaged file is silently replaced.
/// </summary>
public sealed partial class LiteDbStore : ILeedStore
{
    public const string DatabaseFileName = "leed.db";
    public const string InMemory = ":memory:";

    private readonly LiteDatabase _database;
    private readonly DataFolderLock? _lock;
    // Held by every write and by an explicit transaction for its whole length (see GatedCollection).
    private readonly object _writeGate = new();
    private int _transactionDepth;

    private LiteDbStore(LiteDatabase database, string dataDirectory, string databasePath, DataFolderLock? folderLock)
    {
        _database = database;
        _lock = folderLock;
        DataDirectory = dataDirectory;
        DatabasePath = databasePath;
    }

    public string DataDirectory { get; }
    public string DatabasePath { get; }

    /// <summary>The data folder's lock, held while the store is open (null in memory).</summary>
    public DataFolderLock? FolderLock => _lock;

    /// <summary>
    /// Opens (creating on first use) <c>leed.db</c> in <paramref name="dataDirectory"/>, as
    /// <paramref name="owner"/> (default: this process and its command line), waiting up to
    /// <paramref name="lockWait"/> (default 5 s) for another owner to finish.
    /// </summary>
    /// <exception cref="DataFolderBusyException">Another process owns the folder.</exception>
    /// <exception cref="DamagedStoreException">The database or its log is damaged or not a database; nothing was changed.</exception>
    /// <exception cref="StoreException">The folder or file cannot be created or read.</exception>
    public static LiteDbStore Open(string dataDirectory, DataFolderOwner? owner = null, TimeSpan? lockWait = null)
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

        DataFolderLock folderLock = DataFolderLock.Acquire(directory, owner ?? DataFolderOwner.ForThisProcess(), lockWait);
        try
        {
            string path = Path.Combine(directory, DatabaseFileName);
            return new LiteDbStore(OpenChecked(path), directory, path, folderLock);
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    /// <summary>A store that lives in memory only (tests).</summary>
    public static LiteDbStore OpenInMemory() =>
        new(new LiteDatabase(new MemoryStream()), Path.GetTempPath(), InMemory, null);

    /// <summary>Checks the files, opens them, and reads every collection's primary index once, so damage shows now and not as a failed page later.</summary>
    private static LiteDatabase OpenChecked(string path)
    {
        try
        {
            LiteDbFiles.EnsureOpenable(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"Cannot read the database '{path}': {error.Message}", error);
        }

        LiteDatabase? database = null;
        string? reading = null;
        try
        {
            // Shared mode would reopen the file per call; one process owns it (the folder lock), so Direct is right.
            database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
            // A backup interrupted by a crash leaves automatic checkpoints off; they belong on.
            if (database.CheckpointSize != DefaultCheckpointSize) database.CheckpointSize = DefaultCheckpointSize;
            foreach (string name in database.GetCollectionNames())
            {
                reading = name;
                database.GetCollection(name).Count();
            }
            return database;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            database?.Dispose();
            throw new StoreException($"Cannot open the database '{path}': {error.Message}", error);
        }
        catch (Exception error) when (error is LiteException or InvalidCastException or IndexOutOfRangeException or ArgumentException)
        {
            DisposeQuietly(database);
            string where = reading is null ? "while opening it" : $"while reading its collection '{reading}'";
            throw new DamagedStoreException(path,
                $"'{path}' is damaged: LiteDB reported \"{error.Message}\" {where}. " + LiteDbFiles.WhatToDo, error);
        }
    }

    private static void DisposeQuietly(LiteDatabase? database)
    {
        try
        {
            database?.Dispose();
        }
        catch (Exception error) when (error is LiteException or IOException)
        {
            // Closing a damaged file can fail again; the first error is the one to report.
        }
    }

    public ILiteCollection<T> Collection<T>(string name) => new GatedCollection<T>(_database.GetCollection<T>(name), _writeGate);

    /// <summary>Stores the file with its SHA-256 in the metadata, so <see cref="Check"/> can tell a damaged chunk from a good one.</summary>
    /// <remarks>
    /// One transaction: a file that replaces another (a run's checkpoint) replaces it whole or not
    /// at all. Without it, a process killed while a checkpoint was being written left the file cut
    /// short, and resuming the run failed on it where the last whole checkpoint had been.
    /// </remarks>
    public void UploadFile(string id, string fileName, Stream content) => InTransaction(() =>
    {
        using var sha = SHA256.Create();
        using (var hashing = new CryptoStream(content, sha, CryptoStreamMode.Read, leaveOpen: true))
            _database.FileStorage.Upload(id, fileName, hashing);
        _database.FileStorage.SetMetadata(id, new BsonDocument { [ChecksumKey] = Convert.ToHexString(sha.Hash!) });
        return true;
    });

    public bool DownloadFile(string id, Stream destination)
    {
        if (_database.FileStorage.FindById(id) is null) return false;
        _database.FileStorage.Download(id, destination);
        return true;
    }

    public bool DeleteFile(string id)
    {
        lock (_writeGate) return _database.FileStorage.Delete(id);
    }

    public IReadOnlyList<string> FileIds(string prefix) =>
        _database.FileStorage.Find(Query.StartsWith("_id", prefix)).Select(file => file.Id).ToList();

    /// <remarks>
    /// Transactions nest: work that runs inside another's transaction (on the same thread) joins it,
    /// so a repository's own all-or-nothing save can be part of a larger one, such as a
    /// demonstration set saved together with its transcript.
    /// </remarks>
    public T InTransaction<T>(Func<T> work)
    {
        // LiteDB transactions are per thread; the write gate keeps every other writer out until this
        // one commits (and is held by the thread of the outer transaction, so the depth is that thread's).
        lock (_writeGate)
        {
            if (_transactionDepth > 0)
            {
                _transactionDepth++;
                try
                {
                    return work();
                }
                finally
                {
                    _transactionDepth--;
                }
            }
            _database.BeginTrans();
            _transactionDepth = 1;
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
            finally
            {
                _transactionDepth = 0;
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _database.Dispose();
        }
        finally
        {
            _lock?.Dispose();
        }
    }
}

/// <summary>The store could not be opened or written; the message says where and why, and what to do.</summary>
public class StoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A database file (or its log) is damaged or is not a database; <see cref="FilePath"/> names it, the message says what to do.</summary>
public sealed class DamagedStoreException(string filePath, string message, Exception? inner = null) : StoreException(message, inner)
{
    public string FilePath { get; } = filePath;
}
