// The cluster's configuration (section Leed:Cluster, or LEED_CLUSTER__* variables): provider, ids, ports, addresses, TLS.
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Leed.Cluster;

/// <summary>How membership is kept: no cluster (runs train in the dashboard), one machine, or Redis for several.</summary>
public enum ClusterProvider { None, Localhost, Redis }

/// <summary>
/// Read from <c>Leed:Cluster</c>. Silo-to-silo traffic binds loopback unless <see cref="ListenAddress"/>
/// says otherwise; any other address should come with <see cref="TlsCertificate"/> (see docs/CLUSTER.md).
/// </summary>
public sealed class ClusterSettings
{
    public const string Section = "Leed:Cluster";

    /// <summary>none (default), localhost or redis.</summary>
    public ClusterProvider Provider { get; set; } = ClusterProvider.None;

    /// <summary>Silos with another cluster id never join this cluster.</summary>
    public string ClusterId { get; set; } = "studio";

    public string ServiceId { get; set; } = "leed-studio";

    /// <summary>The Redis membership store (StackExchange.Redis configuration string), for provider redis.</summary>
    public string Redis { get; set; } = "127.0.0.1:6379";

    /// <summary>Silo-to-silo port of this process; 0 picks a free one (workers), the coordinator's default is 11111.</summary>
    public int SiloPort { get; set; }

    /// <summary>The coordinator's silo port, which localhost clustering uses as the primary silo.</summary>
    public int CoordinatorPort { get; set; } = 11111;

    /// <summary>The address peers use to reach this process (default loopback).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>The address this process binds (default: the advertised address, so loopback stays loopback).</summary>
    public string? ListenAddress { get; set; }

    /// <summary>Runs this process executes at once: a worker's --slots; the coordinator's own (default 0: it only coordinates).</summary>
    public int Slots { get; set; }

    /// <summary>Torch threads per run on this process (a worker's --threads); 0 keeps the run's own setting.</summary>
    public int Threads { get; set; }

    /// <summary>Iterations between checkpoints a worker uploads.</summary>
    public int CheckpointEvery { get; set; } = 10;

    /// <summary>Path of a PKCS#12 (.pfx) certificate: with it silo-to-silo traffic is TLS (Microsoft.Orleans.Connections.Security).</summary>
    public string? TlsCertificate { get; set; }

    public string? TlsPassword { get; set; }

    /// <summary>
    /// In a Kubernetes pod: Microsoft.Orleans.Hosting.Kubernetes takes the pod's name and IP from the
    /// environment (POD_NAME, POD_NAMESPACE, POD_IP) and deletes the pods of silos declared dead.
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>How long a call may wait for its answer (a call to a killed worker ends only then).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Failure detection: a silo that misses <see cref="MissedProbesLimit"/> probes of this timeout
    /// is declared dead by one vote. Shorter notices a killed worker sooner, but a machine so loaded
    /// that a live worker cannot answer in time gets it declared dead (it then exits and is restarted
    /// by its supervisor); 3 s x 3 held on a 2-core machine at a load average of 40.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>A worker whose coordinator stops asking for this long stops its run (the coordinator requeues it).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>This build's version: peers of another version are refused.</summary>
    public string Version { get; set; } = BuildVersion;

    public static string BuildVersion { get; } =
        typeof(Leed.Engine.Runs.RunRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public bool Enabled => Provider != ClusterProvider.None;

    public IPAddress Advertised => ParseAddress(AdvertisedAddress, nameof(AdvertisedAddress));

    public IPAddress Listen => ParseAddress(ListenAddress ?? AdvertisedAddress, nameof(ListenAddress));

    /// <summary>Reads the section; throws naming the key when a value is not understood.</summary>
    public static ClusterSettings Read(IConfiguration configuration)
    {
        var settings = new ClusterSettings();
        IConfigurationSection section = configuration.GetSection(Section);
        try
        {
            section.Bind(settings);
        }
        catch (InvalidOperationException error)
        {
            throw new ArgumentException($"{Section}: {error.InnerException?.Message ?? error.Message} (Provider is none, localhost or redis).", error);
        }
        if (settings.Slots < 0 || settings.Slots > 64) throw new ArgumentException($"{Section}:Slots must be 0 to 64, got {settings.Slots}.");
        if (settings.Threads < 0 || settings.Threads > 256) throw new ArgumentException($"{Section}:Threads must be 0 to 256, got {settings.Threads}.");
        if (settings.CheckpointEvery < 1) throw new ArgumentException($"{Section}:CheckpointEvery must be at least 1, got {settings.CheckpointEvery}.");
        if (string.IsNullOrWhiteSpace(settings.ClusterId)) throw new ArgumentException($"{Section}:ClusterId must not be empty.");
        _ = settings.Advertised;
        _ = settings.Listen;
        return settings;
    }

    private static IPAddress ParseAddress(string text, string key) => IPAddress.TryParse(text, out IPAddress? address)
        ? address
        : throw new ArgumentException($"{Section}:{key} must be an IP address, got '{text}'.");
}
