// Builds the dashboard web host: engine services, MudBlazor, interactive server components.
using Leed.Dashboard.Compare;
using Leed.Dashboard.Components;
using Leed.Dashboard.LocalApi;
using Leed.Dashboard.Runs;
using Leed.Engine.Storage;
using MudBlazor.Services;

namespace Leed.Dashboard.Hosting;

public static class DashboardApp
{
    public const string DefaultUrl = "http://127.0.0.1:5000";

    public static WebApplication Build(string[] args)
    {
        (string[] hostArgs, string? dataDirectory) = ExtractDataOption(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = hostArgs,
            // The content root is the build output (appsettings.json, static assets), so that the
            // working directory is only where ./data lives. A test host may set its own.
            ContentRootPath = hostArgs.Any(arg => arg.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
                ? null : AppContext.BaseDirectory,
        });
        builder.Configuration.AddLeedSources(dataDirectory);
        // Package assets (_content/MudBlazor/...) from a build output, whatever the environment.
        builder.WebHost.UseStaticWebAssets();
        // Loopback only unless --urls (or ASPNETCORE_URLS, or a test host) says otherwise: the default is the
        // lowest-priority configuration source, so anything set later wins.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = [new KeyValuePair<string, string?>(WebHostDefaults.ServerUrlsKey, DefaultUrl)],
        });

        builder.Services.AddLeedEngine(builder.Configuration);
        builder.AddLeedCluster();
        builder.Services.AddSingleton(new DashboardAccess(builder.Configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions()));
        builder.Services.AddSingleton<LocalApiToken>();
        builder.Services.AddMudServices();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();

        var app = builder.Build();
        // The data folder is taken and checked now: a second owner or a damaged database stops the start
        // with its message (see Program), instead of every page answering HTTP 500 later.
        app.Services.GetRequiredService<ILeedStore>();
        app.UseDashboardAccess(LocalApiEndpoints.Prefix);
        if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/Error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapCompareEndpoints();
        app.MapRunExportEndpoints();
        Leed.Dashboard.Studies.StudyEndpoints.MapStudyEndpoints(app);
        app.MapLocalApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>Takes <c>--data DIR</c> out of the arguments; ASP.NET's own parser gets the rest.</summary>
    internal static (string[] HostArgs, string? DataDirectory) ExtractDataOption(string[] args)
    {
        var rest = new List<string>();
        string? data = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--data" && i + 1 < args.Length) data = args[++i];
            else if (args[i].StartsWith("--data=", StringComparison.Ordinal)) data = args[i]["--data=".Length..];
            else rest.Add(args[i]);
        }
        return (rest.ToArray(), data);
    }
}
