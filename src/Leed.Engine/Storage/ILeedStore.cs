// The one database of a process: maps, runs, metrics, demonstrations, checkpoints and transcripts.
using LiteDB;

namespace Leed.Engine.Storage;

/// <summary>
/// The process-wide document store. One <see cref="LiteDatabase"/> sits behind it; typed
/// repositories (maps, runs, demonstrations) are built on <see cref="Collection{T}"/> and the file
/// storage, so that nothing else opens the database file.
/// </summary>
public interface ILeedStore : IDisposable
{
    /// <summary>The folder that holds the database file and other run artefacts.</summary>
    string DataDirectory { get; }

    /// <summary>The database file in use, or <c>:memory:</c>.</summary>
    string DatabasePath { get; }

    /// <summary>A named collection of documents of type <typeparamref name="T"/>.</summary>
    ILiteCollection<T> Collection<T>(string name);

    /// <summary>Stores (or replaces) a binary file such as a checkpoint under <paramref name="id"/>.</summary>
    void UploadFile(string id, string fileName, Stream content);

    /// <summary>Copies a stored file into <paramref name="destination"/>; false when it does not exist.</summary>
    bool DownloadFile(string id, Stream destination);

    /// <summary>Deletes a stored file; false when it did not exist.</summary>
    bool DeleteFile(string id);

    /// <summary>Ids of stored files whose id starts with <paramref name="prefix"/>.</summary>
    IReadOnlyList<string> FileIds(string prefix);

    /// <summary>Runs <paramref name="work"/> in one transaction: all of it is saved, or none.</summary>
    T InTransaction<T>(Func<T> work);

    /// <summary>The data folder's lock, held while the store is open; null for a store in memory.</summary>
    DataFolderLock? FolderLock { get; }

    /// <summary>Reads every document of every collection and every stored file, and reports what is readable.</summary>
    StoreCheckReport Check();

    /// <summary>
    /// Writes a consistent, verified copy of the database to <paramref name="destination"/> while
    /// the store stays in use; an existing file is replaced only when <paramref name="overwrite"/>.
    /// </summary>
    /// <exception cref="StoreException">The destination is not usable, or the copy could not be verified.</exception>
    StoreBackupResult Backup(string destination, bool overwrite = false);
}
