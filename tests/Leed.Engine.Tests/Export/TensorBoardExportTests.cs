// TensorBoard export: CRC32C against RFC 3720's vectors, and event files read back frame by frame with every tag and value.
using System.Text;
using Leed.Engine.Export;
using Leed.Engine.Runs;
using Leed.Engine.Storage;
using Leed.Engine.Tests.Support;

namespace Leed.Engine.Tests.Export;

public sealed class TensorBoardExportTests
{
    public static TheoryData<string, uint> Rfc3720Vectors() => new()
    {
        { "313233343536373839", 0xE3069283u },                                                           // "123456789"
        { new string('0', 64), 0x8A9136AAu },                                                             // 32 bytes of zeros
        { new string('F', 64), 0x62A8AB43u },                                                             // 32 bytes of ones
        { string.Concat(Enumerable.Range(0, 32).Select(i => i.ToString("X2"))), 0x46DD794Eu },            // 0, 1, ..., 31
        { string.Concat(Enumerable.Range(0, 32).Select(i => (31 - i).ToString("X2"))), 0x113FDB5Cu },     // 31, 30, ..., 0
    };

    [Theory]
    [MemberData(nameof(Rfc3720Vectors))]
    public void Crc32C_MatchesRfc3720_AndTheTestsOwnImplementation(string hex, uint expected)
    {
        byte[] data = Convert.FromHexString(hex);

        Assert.Equal(expected, Crc32C.Compute(data));
        Assert.Equal(expected, TensorBoardReader.Crc32C(data));
    }

    private static RunRecord Run() => new()
    {
        Id = "20260101-000000-abcdef", StartedAt = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc), CreatedAt = new DateTime(2026, 1, 1, 11, 59, 0, DateTimeKind.Utc),
    };

    private static readonly MetricRecord[] Metrics =
    [
        new(1, 256, 1.5, new Dictionary<string, double> { ["charts/episodic_return"] = -120.25, ["losses/policy_loss"] = 0.125, ["agents/weight/Agent_0"] = 1 }),
        new(2, 512, 3.0, new Dictionary<string, double> { ["charts/episodic_return"] = -80.5, ["losses/policy_loss"] = 0.0625, ["agents/weight/Agent_0"] = 0.75 }),
        new(3, 768, 4.25, new Dictionary<string, double> { ["losses/policy_loss"] = 0.03125, ["agents/weight/Agent_0"] = 0.5 }),
    ];

    [Fact]
    public void Write_StartsWithTheFileVersion_ThenOneEventPerIteration_WithEveryMetricAsAScalarAtTheGlobalStep()
    {
        using var stream = new MemoryStream();

        TensorBoardFile file = TensorBoardExport.Write(Run(), Metrics, stream, "events.out.tfevents.1.host");

        IReadOnlyList<ReadEvent> events = TensorBoardReader.Read(stream.ToArray());
        Assert.Equal(4, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Empty(events[0].Values);
        double started = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal(started, events[0].WallTime);
        Assert.Equal([256L, 512, 768], events.Skip(1).Select(e => e.Step));
        Assert.Equal([started + 1.5, started + 3.0, started + 4.25], events.Skip(1).Select(e => e.WallTime));
        Assert.Equal([("agents/weight/Agent_0", 1f), ("charts/episodic_return", -120.25f), ("losses/policy_loss", 0.125f)], events[1].Values);
        Assert.Equal([("agents/weight/Agent_0", 0.5f), ("losses/policy_loss", 0.03125f)], events[3].Values); // no episode ended: no return, not a zero
        Assert.Equal((3, 8, stream.Length), (file.Events, file.Scalars, file.Bytes));
        Assert.Equal(["agents/weight/Agent_0", "charts/episodic_return", "losses/policy_loss"], file.Tags);
    }

    [Fact]
    public void Read_ACorruptedByte_IsCaughtByTheDataCrc()
    {
        using var stream = new MemoryStream();
        TensorBoardExport.Write(Run(), Metrics, stream, "x");
        byte[] bytes = stream.ToArray();
        int tag = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("charts/episodic_return"));
        bytes[tag] ^= 0x01;

        Assert.Contains("data CRC", Assert.Throws<InvalidDataException>(() => TensorBoardReader.Read(bytes)).Message);
    }

    [Fact]
    public void ToFolder_WritesOneFileNamedAsTensorBoardExpects_InAFolderNamedAfterTheRun()
    {
        string folder = Directory.CreateTempSubdirectory("leed-tensorboard-").FullName;
        try
        {
            using LiteDbStore store = LiteDbStore.Open(Path.Combine(folder, "data"));
            var runs = new RunStore(store);
            RunRecord run = Run();
            runs.Save(run);
            foreach (MetricRecord metric in Metrics) runs.AppendMetric(run.Id, metric);
            string output = Path.Combine(folder, "tb");

            TensorBoardFile file = TensorBoardExport.ToFolder(runs, run.Id, output);

            string written = Assert.Single(Directory.GetFiles(Path.Combine(output, run.Id)));
            Assert.Equal(written, file.Path);
            Assert.Matches(@"^events\.out\.tfevents\.\d{10}\.[^.].*$", Path.GetFileName(written));
            Assert.Equal(4, TensorBoardReader.Read(File.ReadAllBytes(written)).Count);
            Assert.Throws<KeyNotFoundException>(() => TensorBoardExport.ToFolder(runs, "missing", output));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
