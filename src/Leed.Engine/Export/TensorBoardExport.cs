// A stored run's metric series as one TensorBoard event file: tags are the metric names, steps the global step.
using System.Net;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Leed.Engine.Studies;

namespace Leed.Engine.Export;

/// <summary>What one exported event file holds.</summary>
/// <param name="Path">Where it was written (for a download: its file name).</param>
/// <param name="Events">Records after the file-version record: one per stored iteration.</param>
/// <param name="Scalars">Scalar values over all events.</param>
public sealed record TensorBoardFile(string RunId, string Path, int Events, int Scalars, IReadOnlyList<string> Tags, long Bytes);

/// <summary>
/// Exports runs for TensorBoard: one event file per run, in a folder named after the run so that
/// <c>tensorboard --logdir DIR</c> lists each run by its id. Every stored iteration becomes one
/// event at the run's global step (CleanRL's x axis) with every metric it has, tagged by its
/// <see cref="MetricNames"/> name; the wall time is when the run started plus its training seconds.
/// </summary>
public static class TensorBoardExport
{
    /// <summary>TensorBoard's naming: <c>events.out.tfevents.&lt;unix seconds&gt;.&lt;host&gt;</c>.</summary>
    public static string FileName(DateTime written, string? host = null) =>
        $"events.out.tfevents.{new DateTimeOffset(written.ToUniversalTime()).ToUnixTimeSeconds()}.{host ?? HostName()}";

    /// <summary>Writes the run's events into <paramref name="destination"/>.</summary>
    public static TensorBoardFile Write(RunRecord run, IReadOnlyList<MetricRecord> metrics, Stream destination, string fileName)
    {
        var counting = new CountingStream(destination);
        var writer = new TensorBoardEventWriter(counting);
        DateTime started = (run.StartedAt ?? run.CreatedAt).ToUniversalTime();
        double epoch = (started - DateTime.UnixEpoch).TotalSeconds;
        writer.WriteFileVersion(epoch);
        var tags = new SortedSet<string>(StringComparer.Ordinal);
        int scalars = 0;
        foreach (MetricRecord metric in metrics)
        {
            KeyValuePair<string, float>[] values = [.. metric.Values.Where(pair => double.IsFinite(pair.Value))
                .OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => KeyValuePair.Create(pair.Key, (float)pair.Value))];
            writer.WriteScalars(epoch + metric.WallSeconds, metric.GlobalStep, values);
            foreach (KeyValuePair<string, float> value in values) tags.Add(value.Key);
            scalars += values.Length;
        }
        destination.Flush();
        return new TensorBoardFile(run.Id, fileName, writer.Records - 1, scalars, [.. tags], counting.Written);
    }

    /// <summary>Writes <c>DIR/&lt;run id&gt;/events.out.tfevents.*</c> for the run and returns what it holds.</summary>
    /// <exception cref="KeyNotFoundException">No run has that id.</exception>
    public static TensorBoardFile ToFolder(RunStore store, string runId, string directory)
    {
        RunRecord run = store.Find(runId) ?? throw new KeyNotFoundException(RunRecord.NotFound(runId));
        string folder = System.IO.Path.Combine(directory, runId);
        Directory.CreateDirectory(folder);
        string path = System.IO.Path.Combine(folder, FileName(DateTime.UtcNow));
        string temporary = path + ".tmp";
        TensorBoardFile file;
        // Written beside and moved into place, so a reader never sees half a file.
        using (FileStream stream = File.Create(temporary)) file = Write(run, store.MetricsOf(runId), stream, path);
        File.Move(temporary, path, overwrite: true);
        return file;
    }

    /// <summary>The runs of a study's cells that have started, in the plan's cell order: what `export tensorboard --study` writes.</summary>
    /// <exception cref="KeyNotFoundException">No study has that id.</exception>
    public static IReadOnlyList<string> StudyRuns(ILeedStore store, string studyId)
    {
        StudyRecord study = new StudyStore(store).Find(studyId)
            ?? throw new KeyNotFoundException($"No study with id '{studyId}'. `study list` (or the Studies page) shows the stored studies.");
        return [.. study.Cells.Select(cell => cell.RunId).OfType<string>()];
    }

    private static string HostName()
    {
        try { return Dns.GetHostName(); }
        catch (System.Net.Sockets.SocketException) { return "localhost"; }
    }

    /// <summary>Counts the bytes written through it (a download's stream cannot say its length).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }
    }
}
