// Who may reach the dashboard: loopback host names only when it listens on loopback, an access token otherwise.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Leed.Dashboard.Hosting;

/// <summary>Settings of section <c>Leed:Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Leed:Security";

    /// <summary>When listening on anything but loopback, ask for the access token (default true; false turns the check off).</summary>
    public bool RequireToken { get; set; } = true;

    /// <summary>The access token; unset generates a new one at every start and prints the link with it.</summary>
    public string? Token { get; set; }
}

/// <summary>
/// The dashboard's door. While it listens on loopback only, a request must name a loopback host
/// (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>, any port; HTTP 400 otherwise), so a page
/// on another site that rebinds its DNS name to 127.0.0.1 cannot drive it. Listening on any other
/// address, every request needs the access token (once as <c>?token=</c>, which sets a cookie, or
/// as a bearer token), unless <see cref="SecurityOptions.RequireToken"/> is off. In both cases a
/// request carrying an <c>Origin</c> (a browser's WebSocket to the Blazor hub, a fetch, a form)
/// must come from the dashboard's own origin.
/// </summary>
public sealed class DashboardAccess
{
    public const string CookieName = "leed-access";
    public const string QueryName = "token";
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    private readonly byte[] _token;
    private volatile Mode _mode = Mode.Starting;

    private enum Mode { Starting, Loopback, Open }

    public DashboardAccess(SecurityOptions options)
    {
        RequireToken = options.RequireToken;
        TokenWasGenerated = string.IsNullOrWhiteSpace(options.Token);
        Token = TokenWasGenerated ? NewToken() : options.Token!.Trim();
        _token = Encoding.UTF8.GetBytes(Token);
    }

    public string Token { get; }
    public bool TokenWasGenerated { get; }
    public bool RequireToken { get; }

    /// <summary>True once the server listens on loopback addresses only.</summary>
    public bool LoopbackOnly => _mode == Mode.Loopback;

    /// <summary>The addresses the server listens on, as it reported them at start.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>A random token for URLs and headers: 32 bytes, base64url.</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Takes the listening addresses once the server has started (an in-memory test server has none: loopback).</summary>
    public void OnStarted(IServer server)
    {
        Addresses = [.. server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
        _mode = Addresses.All(IsLoopbackAddress) ? Mode.Loopback : Mode.Open;
    }

    /// <summary>A listening address such as <c>http://127.0.0.1:5000</c> or <c>http://localhost:5000</c>; <c>0.0.0.0</c>, <c>*</c> and names are not.</summary>
    public static bool IsLoopbackAddress(string address)
    {
        if (!Uri.TryCreate(WithHost(address, "any-host"), UriKind.Absolute, out Uri? uri)) return false;
        if (uri.IsLoopback) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>A listening address with a wildcard host (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>) given <paramref name="host"/> instead, for a link a person or client can open.</summary>
    public static string WithHost(string address, string host) =>
        address.Replace("://0.0.0.0", "://" + host).Replace("://[::]", "://" + host).Replace("://*", "://" + host).Replace("://+", "://" + host);

    /// <summary>Host header names a loopback host: localhost, 127.0.0.1 or [::1].</summary>
    public static bool IsLoopbackName(string host) => LoopbackNames.Contains(host, StringComparer.OrdinalIgnoreCase);

    /// <summary>Compares in constant time, so the token cannot be guessed from response times.</summary>
    public bool IsToken(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _token);

    internal async Task GuardAsync(HttpContext context, RequestDelegate next, string localApiPrefix)
    {
        HttpRequest request = context.Request;
        bool loopbackNamesOnly = _mode != Mode.Open; // while starting, the strictest rules hold
        if (loopbackNamesOnly && !IsLoopbackName(request.Host.Host))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest,
                $"This LEED Studio dashboard listens on loopback only and answers to localhost, 127.0.0.1 and [::1], not to '{request.Host.Host}'.");
            return;
        }
        if (request.Headers.Origin.Count > 0 && !SameOrigin(request, request.Headers.Origin.ToString(), loopbackNamesOnly))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden,
                $"Requests from the page at '{request.Headers.Origin}' are refused: only the dashboard's own pages may use it.");
            return;
        }
        // The local API has its own, stricter check (its token, loopback connections only).
        if (request.Path.StartsWithSegments(localApiPrefix) || !(RequireToken && _mode != Mode.Loopback))
        {
            await next(context);
            return;
        }

        if (IsToken(request.Query[QueryName]))
        {
            context.Response.Cookies.Append(CookieName, Token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = request.IsHttps,
                IsEssential = true,
                Expires = DateTimeOffset.UtcNow.AddDays(30),
            });
            if (HttpMethods.IsGet(request.Method))
            {
                // The token leaves the address bar (and the history) at once.
                var rest = request.Query.Where(pair => pair.Key != QueryName).Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value.ToString())}");
                string query = string.Join('&', rest);
                context.Response.Redirect(request.PathBase + request.Path + (query.Length > 0 ? "?" + query : ""));
                return;
            }
            await next(context);
            return;
        }
        string? bearer = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
        if (IsToken(request.Cookies[CookieName]) || IsToken(bearer))
        {
            await next(context);
            return;
        }
        await RefuseAsync(context, StatusCodes.Status401Unauthorized,
            "This LEED Studio dashboard needs its access token: open the link it printed when it started (…/?token=…), " +
            "or set Leed:Security:Token and open /?token=YOUR-TOKEN once.");
    }

    /// <summary>The Origin names this very scheme, host and port (and a loopback host while only loopback names are allowed).</summary>
    private static bool SameOrigin(HttpRequest request, string origin, bool loopbackNamesOnly)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || uri.Scheme != request.Scheme) return false;
        if (loopbackNamesOnly && !IsLoopbackName(uri.Host)) return false;
        int hostPort = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        return string.Equals(uri.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == hostPort;
    }

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n");
    }
}

public static class DashboardAccessExtensions
{
    /// <summary>Puts <see cref="DashboardAccess"/> in front of everything else, and tells it where the server listens once it has started.</summary>
    public static WebApplication UseDashboardAccess(this WebApplication app, string localApiPrefix)
    {
        var access = app.Services.GetRequiredService<DashboardAccess>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            access.OnStarted(app.Services.GetRequiredService<IServer>());
            ReportAccess(access, app.Logger);
        });
        app.Use((context, next) => access.GuardAsync(context, next, localApiPrefix));
        return app;
    }

    private static void ReportAccess(DashboardAccess access, ILogger logger)
    {
        if (access.LoopbackOnly || access.Addresses.Count == 0) return;
        if (!access.RequireToken)
        {
            logger.LogWarning("Listening on {Addresses} with Leed:Security:RequireToken=false: anyone who can reach these addresses can use the dashboard.",
                string.Join(", ", access.Addresses));
            return;
        }
        foreach (string address in access.Addresses)
        {
            string shown = DashboardAccess.WithHost(address, Environment.MachineName);
            if (access.TokenWasGenerated)
                logger.LogWarning("The dashboard is reachable beyond this machine and needs its access token. Open {Url}", $"{shown.TrimEnd('/')}/?{DashboardAccess.QueryName}={access.Token}");
            else
                logger.LogWarning("The dashboard is reachable beyond this machine at {Url} and needs the access token set in Leed:Security:Token (open /?token=... once).", shown);
        }
    }
}
