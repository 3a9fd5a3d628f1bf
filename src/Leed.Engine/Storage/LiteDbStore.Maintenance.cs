// Checking what a store can still read, and copying it consistently while its owner keeps writing.
using System.Security.Cryptography;
using LiteDB;

namespace Leed.Engine.Storage;

/// <summary>One collection as <see cref="ILeedStore.Check"/> found it.</summary>
/// <param name="Documents">What the collection's index counts; null when even that cannot be read.</param>
/// <param name="Readable">Documents read one by one before the first failure (all of them when <paramref name="Problem"/> is null).</param>
public sealed record CollectionCheck(string Name, long? Documents, long Readable, string? Problem);

/// <summary>One stored file (a checkpoint) as <see cref="ILeedStore.Check"/> found it.</summary>
/// <param name="ChecksumMatches">True or false when the file was stored with its SHA-256; null for files stored without one.</param>
public sealed record FileCheck(string Id, string FileName, long Length, long ReadableBytes, bool? ChecksumMatches, string? Problem);

/// <summary>What <see cref="ILeedStore.Check"/> read: every collection, every stored file, and whether all of it is sound.</summary>
public sealed record StoreCheckReport(string Database, long Bytes, bool Healthy, IReadOnlyList<CollectionCheck> Collections,
    IReadOnlyList<FileCheck> Files, string? Problem);

/// <summary>A verified copy made by <see cref="ILeedStore.Backup"/>: where, how large, and what it holds.</summary>
public sealed record StoreBackupResult(string Path, long Bytes, IReadOnlyDictionary<string, long> Documents, int Files);

public sealed partial class LiteDbStore
{
    /// <summary>LiteDB's default: checkpoint the log into the database once it holds this many pages.</summary>
    private const int DefaultCheckpointSize = 1000;
    private const string ChecksumKey = "sha256";
    private const int BackupAttempts = 3;
    private readonly object _backupGate = new();

    public StoreCheckReport Check() => Inspect(_database, DatabasePath);

    /// <summary>
    /// Checks the database of <paramref name="dataDirectory"/> without opening it as a store, so a
    /// file too damaged to open still gets a report of what is readable. The folder's lock is held
    /// meanwhile and LiteDB reads the file read-only: nothing is written. Files LiteDB would
    /// rewrite on opening (see <see cref="LiteDbFiles"/>) are refused as <see cref="Open"/> refuses them.
    /// </summary>
    public static StoreCheckReport CheckFolder(string dataDirectory, DataFolderOwner? owner = null, TimeSpan? lockWait = null)
    {
        string directory = Path.GetFullPath(dataDirectory);
        string path = Path.Combine(directory, DatabaseFileName);
        if (!File.Exists(path)) throw new StoreException($"There is no database to check: '{path}' does not exist.");
        using DataFolderLock folderLock = DataFolderLock.Acquire(directory, owner ?? DataFolderOwner.ForThisProcess(), lockWait);
        LiteDbFiles.EnsureOpenable(path);
        LiteDatabase database;
        try
        {
            database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, ReadOnly = true });
        }
        catch (Exception error) // a diagnostic reports whatever the damage throws
        {
            return new StoreCheckReport(path, new FileInfo(path).Length, false, [], [], $"LiteDB cannot open it: {error.Message}");
        }
        try
        {
            return Inspect(database, path);
        }
        finally
        {
            DisposeQuietly(database);
        }
    }

    public StoreBackupResult Backup(string destination, bool overwrite = false)
    {
        if (DatabasePath == InMemory) throw new InvalidOperationException("An in-memory store has no file to back up.");
        string target = Path.GetFullPath(destination);
        if (string.Equals(target, DatabasePath, StringComparison.OrdinalIgnoreCase)
            || string.Equals(target, LiteDbFiles.LogPathOf(DatabasePath), StringComparison.OrdinalIgnoreCase))
            throw new StoreException($"'{target}' is the live database itself; give the backup another name, e.g. leed-backup.db.");
        if (Directory.Exists(target)) throw new StoreException($"'{target}' is a folder; give the backup a file name, e.g. {Path.Combine(target, "leed-backup.db")}.");
        if (File.Exists(target) && !overwrite) throw new StoreException($"'{target}' exists already; choose another name or allow overwriting it.");
        string? folder = Path.GetDirectoryName(target);
        if (folder is null || !Directory.Exists(folder)) throw new StoreException($"The folder of '{target}' does not exist; create it first.");

        string partial = target + ".partial";
        try
        {
            CopyConsistently(partial);
            // The copy must open and read like the original before it takes the name.
            StoreCheckReport check;
            using (LiteDatabase copy = new(new ConnectionString { Filename = partial, Connection = ConnectionType.Direct }))
            {
                copy.CheckpointSize = DefaultCheckpointSize;
                check = Inspect(copy, partial);
            }
            if (!check.Healthy)
                throw new StoreException($"The backup of '{DatabasePath}' could not be verified ({FirstProblem(check)}); nothing was written to '{target}'. " +
                    "Check the database for damage.");
            File.Move(partial, target, overwrite);
            return new StoreBackupResult(target, new FileInfo(target).Length,
                check.Collections.ToDictionary(collection => collection.Name, collection => collection.Readable), check.Files.Count);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"Cannot write the backup '{target}': {error.Message}", error);
        }
        finally
        {
            TryDelete(partial);
            TryDelete(LiteDbFiles.LogPathOf(partial));
        }
    }

    /// <summary>
    /// LiteDB writes the database file only when it checkpoints its log (every other write goes to
    /// the log). With automatic checkpoints off, one explicit checkpoint leaves a file that holds
    /// every committed change and stays still while it is copied; writers carry on in the log.
    /// </summary>
    private void CopyConsistently(string destination)
    {
        lock (_backupGate)
        {
            int checkpointSize = _database.CheckpointSize;
            _database.CheckpointSize = 0;
            try
            {
                for (int attempt = 1; ; attempt++)
                {
                    _database.Checkpoint();
                    var before = new FileInfo(DatabasePath);
                    using (var source = new FileStream(DatabasePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                    using (var copy = new FileStream(destination, FileMode.Create, FileAccess.Write))
                    {
                        source.CopyTo(copy);
                        copy.Flush(flushToDisk: true);
                    }
                    var after = new FileInfo(DatabasePath);
                    // A checkpoint that a writer had already begun could still land during the copy: then copy again.
                    if (after.Length == before.Length && after.LastWriteTimeUtc == before.LastWriteTimeUtc) return;
                    if (attempt == BackupAttempts)
                        throw new StoreException($"'{DatabasePath}' kept changing while it was copied ({BackupAttempts} attempts); try the backup again.");
                }
            }
            finally
            {
                _database.CheckpointSize = checkpointSize == 0 ? DefaultCheckpointSize : checkpointSize;
            }
        }
    }

    /// <summary>Reads every document of every collection and every stored file to its end, checking files against their SHA-256.</summary>
    private static StoreCheckReport Inspect(LiteDatabase database, string path)
    {
        long bytes = path == InMemory || !File.Exists(path) ? 0 : new FileInfo(path).Length;
        List<string> names;
        try
        {
            names = [.. database.GetCollectionNames().Order(StringComparer.Ordinal)];
        }
        catch (Exception error) // a diagnostic reports whatever the damage throws, it never rethrows it
        {
            return new StoreCheckReport(path, bytes, false, [], [], $"the list of collections cannot be read: {error.Message}");
        }

        var collections = new List<CollectionCheck>(names.Count);
        foreach (string name in names)
        {
            ILiteCollection<BsonDocument> collection = database.GetCollection(name);
            long? count = null;
            long readable = 0;
            string? problem = null;
            try
            {
                count = collection.LongCount();
            }
            catch (Exception error)
            {
                problem = $"its index cannot be counted: {error.Message}";
            }
            try
            {
                foreach (BsonDocument _ in collection.FindAll()) readable++;
                if (problem is null && count is long expected && readable != expected)
                    problem = $"its index counts {expected} documents but {readable} were read";
            }
            catch (Exception error)
            {
                problem ??= $"document {readable + 1} cannot be read: {error.Message}";
            }
            collections.Add(new CollectionCheck(name, count, readable, problem));
        }

        var files = new List<FileCheck>();
        string? filesProblem = null;
        try
        {
            foreach (LiteFileInfo<string> file in database.FileStorage.FindAll().ToList()) files.Add(InspectFile(file));
        }
        catch (Exception error)
        {
            filesProblem = $"the list of stored files cannot be read: {error.Message}";
        }
        bool healthy = filesProblem is null && collections.All(c => c.Problem is null) && files.All(f => f.Problem is null);
        return new StoreCheckReport(path, bytes, healthy, collections, files, filesProblem);
    }

    private static FileCheck InspectFile(LiteFileInfo<string> file)
    {
        using var sha = SHA256.Create();
        var counter = new CountingStream();
        try
        {
            using (var hashing = new CryptoStream(counter, sha, CryptoStreamMode.Write, leaveOpen: true))
            {
                file.CopyTo(hashing);
                hashing.FlushFinalBlock();
            }
        }
        catch (Exception error)
        {
            return new FileCheck(file.Id, file.Filename, file.Length, counter.Length, null, $"byte {counter.Length} cannot be read: {error.Message}");
        }
        if (counter.Length != file.Length)
            return new FileCheck(file.Id, file.Filename, file.Length, counter.Length, null, $"{counter.Length} bytes were read, but the file is {file.Length} bytes long");
        if (file.Metadata?[ChecksumKey] is not { IsString: true } stored)
            return new FileCheck(file.Id, file.Filename, file.Length, counter.Length, null, null);
        bool matches = string.Equals(stored.AsString, Convert.ToHexString(sha.Hash!), StringComparison.OrdinalIgnoreCase);
        return new FileCheck(file.Id, file.Filename, file.Length, counter.Length, matches,
            matches ? null : "its content differs from what was stored (SHA-256 mismatch): a chunk is damaged");
    }

    private static string FirstProblem(StoreCheckReport report) =>
        report.Problem
        ?? report.Collections.Where(c => c.Problem is not null).Select(c => $"collection '{c.Name}': {c.Problem}").FirstOrDefault()
        ?? report.Files.Where(f => f.Problem is not null).Select(f => $"file '{f.Id}': {f.Problem}").First();

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A leftover .partial file is named as such; it never replaces anything.
        }
    }
}
