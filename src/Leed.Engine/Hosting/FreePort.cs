// A TCP port nothing listens on yet, for servers, silos and test services started on an address of our choosing.
using System.Net;
using System.Net.Sockets;

namespace Leed.Engine.Hosting;

public static class FreePort
{
    /// <summary>
    /// A port free on <paramref name="address"/> (loopback unless given) at the time of the call: the system
    /// picks it for a listener that closes at once, so the caller should bind it soon.
    /// </summary>
    public static int On(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
