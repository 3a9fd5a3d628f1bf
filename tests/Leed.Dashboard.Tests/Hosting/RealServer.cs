// The real dashboard on a real socket inside the test process: Kestrel on a free port, a temporary data folder.
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Leed.Dashboard.Tests.Hosting;

/// <summary>
/// Starts the app with <see cref="WebApplicationFactory{TEntryPoint}"/> on Kestrel (a socket, so
/// browsers and HTTP clients reach it as users do), on 127.0.0.1 by default or on every address
/// (<paramref name="anyAddress"/>), with extra configuration.
/// </summary>
public sealed class RealServer : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly bool _ownsData;

    public RealServer(IReadOnlyDictionary<string, string?>? settings = null, bool anyAddress = false, string? dataDirectory = null)
    {
        _ownsData = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("leed-server-").FullName;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Leed:DataDirectory", DataDirectory);
            host.UseSetting("urls", anyAddress ? "http://0.0.0.0:0" : "http://127.0.0.1:0"); // a free port, never the app's default 5000
            host.UseSetting("DetailedErrors", "true"); // circuit errors reach the browser console, which tests keep as an artifact
            foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>()) host.UseSetting(key, value);
        });
        if (anyAddress) _factory.UseKestrel(options => options.Listen(IPAddress.Any, 0));
        else _factory.UseKestrel(0);
        _factory.StartServer();
        // Clients connect over loopback either way; a server on 0.0.0.0 still counts as reachable from outside.
        string listening = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(new Uri(listening.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")), "/");
    }

    public string DataDirectory { get; }
    public Uri BaseAddress { get; }
    public IServiceProvider Services => _factory.Services;

    /// <summary>An HTTP client of the server's address that follows no redirects (tests look at them).</summary>
    public HttpClient CreateClient(HttpMessageHandler? handler = null) =>
        new(handler ?? new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _factory.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
            // The host's stop outlasted its shutdown timeout (seen once on a loaded 2-core machine, a
            // coordinator whose worker had just exited); the test is over and its process goes away.
        }
        if (_ownsData)
        {
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
        }
    }
}
