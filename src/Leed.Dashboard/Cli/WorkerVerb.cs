// `worker`: joins the cluster and executes runs for the coordinator (the dashboard); owns no store.
using System.CommandLine;
using Leed.Cluster;

namespace Leed.Dashboard.Cli;

internal static class WorkerVerb
{
    private static readonly Option<int> Slots = CliOptions.Int("--slots", "runs this worker trains at once", "K", 1, 1, 64);
    private static readonly Option<int> Threads = CliOptions.Int("--threads", "torch threads per run", "T", 1, 1, 256);
    private static readonly Option<string?> Provider = CliOptions.Choice("--cluster",
        "membership: localhost (the coordinator on this machine) or redis (default: Leed:Cluster:Provider, else localhost)", "localhost", "redis");
    private static readonly Option<string?> Redis = CliOptions.Text("--redis", "the Redis membership store, e.g. 10.0.0.5:6379 (default: Leed:Cluster:Redis)", "HOST:PORT");
    private static readonly Option<string?> ClusterId = CliOptions.Text("--cluster-id", "the coordinator's cluster id (default: Leed:Cluster:ClusterId, else studio)", "ID");
    private static readonly Option<int?> Port = CliOptions.OptionalInt("--port", "silo port (default: a free one)", "P", 1, 65535);
    private static readonly Option<string?> Address = CliOptions.Text("--address",
        "the address other machines reach this worker at (default: Leed:Cluster:AdvertisedAddress, else 127.0.0.1)", "IP");

    public static Command Command() => CommandLine.Verb("worker",
        "Joins the cluster and trains the coordinator's runs in K slots; owns no store. Prints a JSON line once joined, and one as each run starts, checkpoints and ends.",
        [Slots, Threads, Provider, Redis, ClusterId, Port, Address], RunAsync);

    private static async Task<int> RunAsync(VerbContext context)
    {
        ClusterSettings settings = ClusterCommand.Settings();
        if (context.Get(Provider) is { } provider) settings.Provider = Enum.Parse<ClusterProvider>(provider, ignoreCase: true);
        else if (settings.Provider == ClusterProvider.None) settings.Provider = ClusterProvider.Localhost;
        if (context.Get(Redis) is { } redis) settings.Redis = redis;
        if (context.Get(ClusterId) is { } clusterId) settings.ClusterId = clusterId;
        if (context.Get(Port) is int port) settings.SiloPort = port;
        if (context.Get(Address) is { } address)
        {
            settings.AdvertisedAddress = address;
            _ = settings.Advertised; // an address that is not one is refused here, naming the option's key
        }
        settings.Slots = context.Get(Slots);
        settings.Threads = context.Get(Threads);
        var printing = new object();
        return await WorkerHost.RunAsync(settings, context.Error, record => { lock (printing) context.WriteJson(record, indented: false); }, context.Cancellation);
    }
}
