// Nobody let in: a foreign Host or Origin is refused on loopback; beyond loopback the access token is required.
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Leed.Dashboard.Hosting;

namespace Leed.Dashboard.Tests.Hosting;

public sealed class DashboardAccessTests
{
    private const string Negotiate = "/_blazor/negotiate?negotiateVersion=1";

    private static HttpRequestMessage Get(string path, string? host = null, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null) request.Headers.Host = host;
        if (origin is not null) request.Headers.Add("Origin", origin);
        return request;
    }

    private static HttpRequestMessage PostNegotiate(string origin) =>
        new(HttpMethod.Post, Negotiate) { Headers = { { "Origin", origin } }, Content = new StringContent("") };

    [Fact]
    public async Task OnLoopback_ForeignHostHeader_IsRefusedWith400_AndLoopbackNamesWithAnyPortAreServed()
    {
        await using var server = new RealServer();
        using HttpClient client = server.CreateClient();
        int port = server.BaseAddress.Port;

        HttpResponseMessage rebound = await client.SendAsync(Get("/", host: $"attacker.example:{port}"));
        Assert.Equal(HttpStatusCode.BadRequest, rebound.StatusCode);
        Assert.Contains("answers to localhost, 127.0.0.1 and [::1], not to 'attacker.example'", await rebound.Content.ReadAsStringAsync());

        foreach (string host in new[] { $"localhost:{port}", $"127.0.0.1:{port}", $"[::1]:{port}", "LOCALHOST:8080", "127.0.0.1" })
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Get("/", host: host))).StatusCode);
    }

    [Fact]
    public async Task OnLoopback_TheBlazorHub_RefusesAForeignOrigin_AndAcceptsItsOwn()
    {
        await using var server = new RealServer();
        using HttpClient client = server.CreateClient();
        string own = server.BaseAddress.GetLeftPart(UriPartial.Authority);

        HttpResponseMessage foreign = await client.SendAsync(PostNegotiate("http://attacker.example"));
        HttpResponseMessage rebound = await client.SendAsync(PostNegotiate($"http://attacker.example:{server.BaseAddress.Port}"));
        HttpResponseMessage otherPort = await client.SendAsync(PostNegotiate("http://127.0.0.1:1"));
        HttpResponseMessage mine = await client.SendAsync(PostNegotiate(own));

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, rebound.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherPort.StatusCode);
        Assert.Contains("only the dashboard's own pages may use it", await foreign.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Contains("connectionToken", await mine.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BeyondLoopback_EveryPageNeedsTheToken_TheLinkSetsACookie_AndTheCookieOrBearerLetsIn()
    {
        await using var server = new RealServer(new Dictionary<string, string?> { ["Leed:Security:Token"] = "test-token-123" }, anyAddress: true);
        using HttpClient client = server.CreateClient();

        HttpResponseMessage anonymous = await client.SendAsync(Get("/runs"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("needs its access token", await anonymous.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Get("/runs?token=wrong"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(PostNegotiate(server.BaseAddress.GetLeftPart(UriPartial.Authority)))).StatusCode);

        HttpResponseMessage link = await client.SendAsync(Get("/runs?token=test-token-123&tab=2"));
        Assert.Equal(HttpStatusCode.Redirect, link.StatusCode);
        Assert.Equal("/runs?tab=2", link.Headers.Location!.OriginalString);
        string cookie = Assert.Single(link.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"{DashboardAccess.CookieName}=test-token-123", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        HttpRequestMessage withCookie = Get("/runs");
        withCookie.Headers.Add("Cookie", $"{DashboardAccess.CookieName}=test-token-123");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(withCookie)).StatusCode);
        HttpRequestMessage withBearer = Get("/api/compare.csv?runs=none");
        withBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "test-token-123");
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await client.SendAsync(withBearer)).StatusCode);
    }

    [Fact]
    public async Task BeyondLoopback_WithoutAConfiguredToken_OneIsGenerated_AndTurningItOffOpensTheDoor()
    {
        await using (var server = new RealServer(anyAddress: true))
        {
            var access = server.Services.GetRequiredService<DashboardAccess>();
            Assert.True(access.TokenWasGenerated);
            Assert.True(access.Token.Length >= 40);
            using HttpClient client = server.CreateClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Get("/"))).StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, (await client.SendAsync(Get($"/?token={access.Token}"))).StatusCode);
        }

        await using var open = new RealServer(new Dictionary<string, string?> { ["Leed:Security:RequireToken"] = "false" }, anyAddress: true);
        using HttpClient anyone = open.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anyone.SendAsync(Get("/"))).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://192.168.1.20:8080", false)]
    [InlineData("http://myhost:8080", false)]
    public void IsLoopbackAddress_OnlyLoopbackBindingsCount(string address, bool loopback) =>
        Assert.Equal(loopback, DashboardAccess.IsLoopbackAddress(address));
}
