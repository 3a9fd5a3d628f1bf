// Checks leed.db and leed-log.db byte by byte before LiteDB opens them, because LiteDB "repairs" what it does not recognise.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Leed.Engine.Storage;

/// <summary>
/// LiteDB 5 re-initialises a data file that is shorter than a page or lacks its header (a text
/// file named leed.db becomes an empty database), trims a file cut short mid-page, and replays a
/// log file by writing each of its pages at the offset the page claims (a garbage
/// <c>leed-log.db</c> turned a good database into a terabyte-sized sparse file). So the files are
/// read here first, and anything LiteDB would "repair" is refused with a message instead; nothing
/// is written.
/// </summary>
/// <remarks>
/// LiteDB 5's layout (8 KiB pages): every page starts with a 32-byte header holding its page id
/// (uint32 at 0) and page type (byte at 4: 0 empty, 1 header, 2 collection, 3 index, 4 data). Page
/// 0 of the data file is the header page: "** This is a LiteDB file **" at 32, the file version
/// (8) at 59 and the last page id (uint32) at 64.
/// </remarks>
public static class LiteDbFiles
{
    public const int PageSize = 8192;
    public const string LogSuffix = "-log";

    private const int HeaderInfoOffset = 32;
    private const int FileVersionOffset = 59;
    private const int LastPageIdOffset = 64;
    private const byte FileVersion = 8;
    private const byte HighestPageType = 4;
    private static readonly byte[] HeaderInfo = Encoding.ASCII.GetBytes("** This is a LiteDB file **");

    /// <summary>What to do about a database LiteDB reports damaged: see what is left, restore, or start again.</summary>
    public const string WhatToDo = "`store check --data DIR` reports what is still readable. Restore it from a backup (one made by `store backup --out FILE`), " +
        "or move it aside to start with an empty database.";

    /// <summary>What to do about a file cut short or not a database, which nothing can open as it is.</summary>
    private const string Restore = "Restore it from a backup (one made by `store backup --out FILE`), or move it aside to start with an empty database.";

    /// <summary>The log file LiteDB keeps beside <paramref name="databasePath"/> (<c>leed.db</c> -> <c>leed-log.db</c>).</summary>
    public static string LogPathOf(string databasePath) =>
        Path.Combine(Path.GetDirectoryName(databasePath) ?? "", Path.GetFileNameWithoutExtension(databasePath) + LogSuffix + Path.GetExtension(databasePath));

    /// <summary>
    /// Throws <see cref="DamagedStoreException"/> when the database or its log is not something
    /// LiteDB can open without rewriting it. A missing or empty database is fine (LiteDB creates it).
    /// </summary>
    public static void EnsureOpenable(string databasePath)
    {
        string logPath = LogPathOf(databasePath);
        long logLength = File.Exists(logPath) ? new FileInfo(logPath).Length : 0;
        uint? lastPageId = CheckDatabase(databasePath, pendingLog: logLength > 0);
        if (logLength > 0) CheckLog(logPath, databasePath, logLength, lastPageId ?? 0);
    }

    /// <summary>Checks the data file; returns its header's last page id, or null for a missing or empty file.</summary>
    private static uint? CheckDatabase(string path, bool pendingLog)
    {
        if (!File.Exists(path)) return null;
        long length = new FileInfo(path).Length;
        if (length == 0) return null;

        var header = new byte[Math.Min(length, PageSize)];
        using (FileStream stream = OpenForReading(path)) stream.ReadExactly(header);
        bool hasHeader = header.Length >= LastPageIdOffset + 4
            && header.AsSpan(HeaderInfoOffset, HeaderInfo.Length).SequenceEqual(HeaderInfo);
        if (!hasHeader)
            throw new DamagedStoreException(path,
                $"'{path}' is not a LiteDB database: it does not start with LiteDB's file header ({Describe(header)}, {Bytes(length)}). " +
                "Nothing was changed. If this file is yours, move it elsewhere; LEED Studio keeps its database in leed.db in the data folder, " +
                "so choose another folder with --data DIR, or restore the database from a backup (one made by `store backup --out FILE`).");
        if (header[FileVersionOffset] != FileVersion)
            throw new DamagedStoreException(path,
                $"'{path}' is a LiteDB file of format version {header[FileVersionOffset]}, not {FileVersion} (LiteDB 5), which LEED Studio uses. " +
                "Nothing was changed. Restore a LEED Studio database from a backup, or choose another folder with --data DIR.");
        if (length % PageSize != 0)
            throw new DamagedStoreException(path,
                $"'{path}' is damaged: it is {Bytes(length)}, not a whole number of {PageSize / 1024} KiB pages, so it was cut short " +
                "(a full disk, an interrupted copy). Nothing was changed. " + Restore);
        uint lastPageId = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(LastPageIdOffset));
        long pages = length / PageSize;
        // With a log pending, a checkpoint may have stopped half-way; replaying the log completes it.
        if (!pendingLog && lastPageId >= pages)
            throw new DamagedStoreException(path,
                $"'{path}' is damaged: its header counts {lastPageId + 1L} pages but the file holds {pages} ({Bytes(length)}), so it was cut short. " +
                "Nothing was changed. " + Restore);
        return lastPageId;
    }

    /// <summary>Every page of a log must be a LiteDB page whose id could exist: replaying a page writes it at id x 8 KiB.</summary>
    private static void CheckLog(string logPath, string databasePath, long length, uint lastPageId)
    {
        string refuse = $"Opening it would write its contents into '{databasePath}', so neither file was opened or changed. " +
            "If no other copy of its recent changes exists, move it aside: the database then opens as of its last checkpoint " +
            "(changes made since then are lost).";
        if (length % PageSize != 0)
            throw new DamagedStoreException(logPath,
                $"'{logPath}', the log beside the database, is damaged: it is {Bytes(length)}, not a whole number of {PageSize / 1024} KiB pages. " + refuse);
        long pages = length / PageSize;
        // Pages in the log replace pages of the database or add new ones after its last page.
        long highestPossible = lastPageId + pages;
        var page = new byte[32];
        using FileStream stream = OpenForReading(logPath);
        for (long index = 0; index < pages; index++)
        {
            stream.Position = index * PageSize;
            stream.ReadExactly(page);
            uint pageId = BinaryPrimitives.ReadUInt32LittleEndian(page);
            byte type = page[4];
            if (type > HighestPageType || pageId > highestPossible)
                throw new DamagedStoreException(logPath,
                    $"'{logPath}', the log beside the database, is not a LiteDB log: its page {index} claims " +
                    $"{(type > HighestPageType ? $"page type {type}" : $"page id {pageId}")}, which cannot be " +
                    $"(types go up to {HighestPageType}; ids up to {highestPossible}). " + refuse);
        }
    }

    private static FileStream OpenForReading(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

    /// <summary>The first bytes, as text when they are text ("it begins with \"hello\"") or as hex.</summary>
    private static string Describe(byte[] header)
    {
        int shown = Math.Min(header.Length, 24);
        ReadOnlySpan<byte> start = header.AsSpan(0, shown);
        bool text = shown > 0 && start.ToArray().All(b => b is (>= 0x20 and < 0x7f) or (byte)'\n' or (byte)'\r' or (byte)'\t');
        return text
            ? $"it begins with \"{Encoding.ASCII.GetString(start).ReplaceLineEndings(" ").Trim()}\""
            : $"it begins with bytes {Convert.ToHexString(start[..Math.Min(shown, 8)])}";
    }

    private static string Bytes(long length) => length.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
