// How a LEED Studio process joins the cluster as a silo: membership, endpoints, tuned failure detection, TLS, placement.
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Leed.Engine.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Leed.Cluster;

public static class ClusterSilo
{
    /// <summary>
    /// Everything but membership and endpoints: ids, failure detection, timeouts, the placement by
    /// named silo, TLS, and this process's <see cref="LocalWorker"/> with its slots. Test clusters
    /// (which bring their own membership) call only this.
    /// </summary>
    public static ISiloBuilder AddLeedCluster(this ISiloBuilder silo, ClusterSettings settings, bool isCoordinator)
    {
        silo.Configure<ClusterMembershipOptions>(options =>
        {
            // Orleans' defaults take ~11 s to declare a killed silo dead; a run waits for that, so notice it in a few seconds.
            options.ProbeTimeout = settings.ProbeTimeout;
            options.NumMissedProbesLimit = settings.MissedProbesLimit;
            options.NumVotesForDeathDeclaration = 1;
            options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        });
        silo.Configure<SiloMessagingOptions>(options => options.ResponseTimeout = settings.ResponseTimeout);
        silo.Services.AddPlacementDirector<NamedSiloPlacement, NamedSiloPlacementDirector>();
        silo.Services.AddSingleton(settings);
        silo.Services.AddSingleton(provider =>
        {
            Orleans.Runtime.SiloAddress address = provider.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>().SiloAddress;
            return new LocalWorker(settings, isCoordinator, $"{Environment.MachineName}:{address.Endpoint.Port}", provider.GetService<IHostApplicationLifetime>());
        });
        if (settings.TlsCertificate is { } path)
        {
            X509Certificate2 certificate = LoadCertificate(path, settings.TlsPassword);
            silo.UseTls(certificate, options =>
            {
                // Peers prove themselves with the cluster's own certificate: the same one on every silo, or one issued by the same authority.
                options.RemoteCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
                options.RemoteCertificateValidation = (remote, _, errors) => remote is not null &&
                    (errors == System.Net.Security.SslPolicyErrors.None || remote.GetCertHashString() == certificate.GetCertHashString());
            });
        }
        return silo;
    }

    /// <summary>Joins the configured cluster: localhost (the coordinator is the primary silo) or Redis membership.</summary>
    public static ISiloBuilder UseLeedCluster(this ISiloBuilder silo, ClusterSettings settings, bool isCoordinator)
    {
        int port = settings.SiloPort != 0 ? settings.SiloPort : isCoordinator ? settings.CoordinatorPort : FreePort.On(settings.Listen);
        silo.Configure<Orleans.Configuration.ClusterOptions>(options => (options.ClusterId, options.ServiceId) = (settings.ClusterId, settings.ServiceId));
        switch (settings.Provider)
        {
            case ClusterProvider.Localhost:
                silo.UseLocalhostClustering(siloPort: port, gatewayPort: 0, primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, settings.CoordinatorPort),
                    serviceId: settings.ServiceId, clusterId: settings.ClusterId);
                break;
            case ClusterProvider.Redis:
                silo.UseRedisClustering(options => options.ConfigurationOptions = RedisOptions(settings));
                break;
            default:
                throw new InvalidOperationException("No cluster is configured (Leed:Cluster:Provider is none).");
        }
        silo.Configure<EndpointOptions>(options =>
        {
            options.AdvertisedIPAddress = settings.Advertised;
            options.SiloPort = port;
            options.SiloListeningEndpoint = new IPEndPoint(settings.Listen, port);
            // No external clients: the dashboard is a silo itself, so no gateway port is opened.
            options.GatewayPort = 0;
            options.GatewayListeningEndpoint = null;
        });
        if (settings.Kubernetes) silo.UseKubernetesHosting();
        return silo.AddLeedCluster(settings, isCoordinator);
    }

    public static ConfigurationOptions RedisOptions(ClusterSettings settings)
    {
        ConfigurationOptions options = ConfigurationOptions.Parse(settings.Redis);
        options.AbortOnConnectFail = false;
        return options;
    }

    /// <summary>
    /// Checks that the membership store answers, before a silo tries to join through it; throws
    /// naming the address tried. Localhost clustering has no store to check (the coordinator is it).
    /// </summary>
    public static async Task EnsureMembershipReachableAsync(ClusterSettings settings, TimeSpan timeout)
    {
        if (settings.Provider != ClusterProvider.Redis) return;
        ConfigurationOptions options = ConfigurationOptions.Parse(settings.Redis);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = (int)timeout.TotalMilliseconds;
        options.ConnectRetry = 1;
        try
        {
            await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options);
            await redis.GetDatabase().PingAsync();
        }
        catch (Exception error) when (error is RedisConnectionException or RedisTimeoutException or SocketException or TimeoutException)
        {
            throw new MembershipUnreachableException(
                $"Cannot reach the membership store (redis) at {settings.Redis}: {FirstLine(error.Message)} Start Redis there, or set Leed:Cluster:Redis.", error);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static X509Certificate2 LoadCertificate(string path, string? password)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{ClusterSettings.Section}:TlsCertificate: no certificate file at {path}.");
        return X509CertificateLoader.LoadPkcs12FromFile(path, password);
    }
}

/// <summary>The membership store did not answer (the worker exits 2 with the address it tried).</summary>
public sealed class MembershipUnreachableException(string message, Exception inner) : Exception(message, inner);
