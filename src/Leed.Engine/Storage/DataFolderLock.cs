// One owner per data folder: an OS-level exclusive lock on a file in the folder, and a note saying who holds it.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Leed.Engine.Storage;

/// <summary>
/// Who owns a data folder: the process, what it is doing, since when, and for a dashboard the
/// loopback address and token of its local API (so that command-line verbs can go through it).
/// </summary>
public sealed record DataFolderOwner
{
    public int ProcessId { get; init; }

    /// <summary>"dashboard", or the command-line verb ("maps import", "train", ...).</summary>
    public string Verb { get; init; } = "";

    public DateTime Since { get; init; }

    public string MachineName { get; init; } = "";

    /// <summary>Base URL of the owner's local API (a dashboard), e.g. <c>http://127.0.0.1:5000</c>; null for a verb.</summary>
    public string? ApiAddress { get; init; }

    /// <summary>The bearer token the local API requires; readable only by the user, like the file that holds it.</summary>
    public string? ApiToken { get; init; }

    /// <summary>The current process doing <paramref name="verb"/> (default: the words of its command line before the first option), from now.</summary>
    public static DataFolderOwner ForThisProcess(string? verb = null) => new()
    {
        ProcessId = Environment.ProcessId,
        Verb = verb ?? CommandLineVerb(),
        Since = DateTime.UtcNow,
        MachineName = Environment.MachineName,
    };

    // "maps import city.map --name x" -> "maps import": the first two words that are not options.
    private static string CommandLineVerb()
    {
        string[] words = [.. Environment.GetCommandLineArgs().Skip(1).TakeWhile(arg => !arg.StartsWith('-')).Take(2)];
        return words.Length > 0 ? string.Join(' ', words) : Path.GetFileNameWithoutExtension(Environment.ProcessPath) ?? "a process";
    }

    /// <summary>"the dashboard (pid 4711 on host, since 2025-01-31 12:00:00 UTC)".</summary>
    public string Describe()
    {
        string what = Verb == "dashboard" ? "the dashboard" : $"`{Verb}`";
        return string.Create(CultureInfo.InvariantCulture, $"{what} (pid {ProcessId} on {MachineName}, since {Since.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC)");
    }
}

/// <summary>
/// An exclusive lock on <c>leed.lock</c> in a data folder, held from before the database opens
/// until it closes. The lock is the operating system's (a file opened with
/// <see cref="FileShare.None"/>: a sharing violation on Windows, <c>flock</c> on Linux and macOS),
/// so it ends with the process however the process ends; a leftover owner file never blocks. The
/// owner is described in <c>leed-owner.json</c> beside it, written atomically and readable only by
/// the user, because a dashboard's API token is in it.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    public const string LockFileName = "leed.lock";
    public const string OwnerFileName = "leed-owner.json";
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    private readonly FileStream _lock;
    private bool _disposed;

    private DataFolderLock(FileStream lockFile, string directory, DataFolderOwner owner)
    {
        _lock = lockFile;
        Directory = directory;
        Owner = owner;
    }

    /// <summary>The folder this lock owns.</summary>
    public string Directory { get; }

    /// <summary>What the owner file says now.</summary>
    public DataFolderOwner Owner { get; private set; }

    /// <summary>
    /// Takes the folder's lock, waiting up to <paramref name="wait"/> (default 5 s) while another
    /// process holds it, and records <paramref name="owner"/> in the owner file.
    /// </summary>
    /// <exception cref="DataFolderBusyException">Another process still holds the lock after the wait.</exception>
    public static DataFolderLock Acquire(string directory, DataFolderOwner owner, TimeSpan? wait = null)
    {
        directory = Path.GetFullPath(directory);
        if (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out bool disabled) && disabled
            || Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING") is "1" or "true")
            throw new StoreException("File locking is turned off for .NET in this process (DOTNET_SYSTEM_IO_DISABLEFILELOCKING or " +
                "System.IO.DisableFileLocking), so LEED Studio cannot make sure it is the only process using " +
                $"'{directory}'. Unset it and start again.");

        string path = Path.Combine(directory, LockFileName);
        var clock = Stopwatch.StartNew();
        TimeSpan limit = wait ?? DefaultWait;
        while (true)
        {
            FileStream? stream = TryOpen(path);
            if (stream is not null)
            {
                var held = new DataFolderLock(stream, directory, owner);
                try
                {
                    held.WriteOwner(owner);
                }
                catch
                {
                    stream.Dispose();
                    throw;
                }
                return held;
            }
            if (clock.Elapsed >= limit) throw new DataFolderBusyException(directory, ReadOwner(directory), clock.Elapsed);
            Thread.Sleep(RetryInterval);
        }
    }

    /// <summary>The owner file's record, or null when there is none or it cannot be read (the lock alone decides who owns the folder).</summary>
    public static DataFolderOwner? ReadOwner(string directory)
    {
        try
        {
            return JsonSerializer.Deserialize<DataFolderOwner>(File.ReadAllText(Path.Combine(directory, OwnerFileName)), Json);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Adds the local API's address and token to the owner file (a dashboard, once it listens).</summary>
    public void Publish(string apiAddress, string apiToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WriteOwner(Owner with { ApiAddress = apiAddress, ApiToken = apiToken });
    }

    private static FileStream? TryOpen(string path)
    {
        try
        {
            return new FileStream(path, UserOnly(new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None }));
        }
        catch (IOException) when (File.Exists(path))
        {
            // A sharing violation (Windows) or a failed flock (Unix): someone holds it.
            return null;
        }
        catch (UnauthorizedAccessException error)
        {
            throw new StoreException($"Cannot open the lock file '{path}': {error.Message}", error);
        }
    }

    /// <summary>Writes the owner file through a temporary file and a rename, so a reader never sees half of it.</summary>
    private void WriteOwner(DataFolderOwner owner)
    {
        string path = Path.Combine(Directory, OwnerFileName);
        string temporary = path + $".{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temporary, UserOnly(new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write })))
        {
            JsonSerializer.Serialize(stream, owner, Json);
        }
        // A file left by an older process may have wider permissions; the rename replaces it with ours.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                File.Move(temporary, path, overwrite: true);
                break;
            }
            catch (IOException) when (attempt < 5)
            {
                // On Windows a reader that has the old file open blocks the replace for a moment.
                Thread.Sleep(20);
            }
        }
        Owner = owner;
    }

    /// <summary>Files created readable and writable by the user only (0600); Windows keeps the folder's permissions.</summary>
    private static FileStreamOptions UserOnly(FileStreamOptions options)
    {
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return options;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // The owner file goes first, while the lock still stands, so nobody reads it as ours afterwards.
        // The lock file itself stays: deleting a lock file that another process has just opened would
        // let two processes lock two different files of the same name.
        try
        {
            File.Delete(Path.Combine(Directory, OwnerFileName));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A leftover owner file is harmless: the next owner overwrites it.
        }
        _lock.Dispose();
    }
}

/// <summary>Another process owns the data folder; the message names it (pid, verb, since when) and says what to do.</summary>
public sealed class DataFolderBusyException(string directory, DataFolderOwner? owner, TimeSpan waited)
    : StoreException(Describe(directory, owner, waited))
{
    public string Directory { get; } = directory;

    /// <summary>The owner as its owner file describes it; null when the file is missing or unreadable.</summary>
    public DataFolderOwner? Owner { get; } = owner;

    private static string Describe(string directory, DataFolderOwner? owner, TimeSpan waited) =>
            $"The data folder '{directory}' is in use by {owner?.Describe() ?? "another process (it has not said who it is yet)"}; " +
            $"waited {waited.TotalSeconds:0.#} s. Only one process may use a data folder at a time: wait for it to finish or stop it, " +
            "or choose another folder with --data DIR.";
}
