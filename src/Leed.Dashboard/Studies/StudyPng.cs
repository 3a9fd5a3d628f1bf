// Writes a study's figures as PNG files without a dashboard: the page's plotly.js draws each figure in headless Chromium and exports it, offline.
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Leed.Components.Figures;
using Leed.Components.Views;
using Leed.Dashboard.Cli;
using Microsoft.AspNetCore.Hosting.StaticWebAssets;

namespace Leed.Dashboard.Studies;

/// <summary>
/// Each figure becomes a small HTML file holding plotly.js (the copy the dashboard serves, from
/// Plotly.Blazor's static assets) and the figure's JSON (<see cref="PlotlyFigure.Json"/>, the same
/// traces the page draws). Chromium runs it headless with no network; <c>Plotly.toImage</c> makes the
/// PNG, which the page writes into its DOM for <c>--dump-dom</c> to hand back.
/// </summary>
public static partial class StudyPng
{
    private static readonly string[] BrowserNames = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

    public static async Task<IReadOnlyList<string>> WriteAsync(IReadOnlyList<FigureView> figures, string folder, string? browser, CancellationToken cancellation)
    {
        string executable = FindBrowser(browser) ?? throw new InputException(
            "--png needs Chromium or Chrome to draw the figures: install it (Debian/Ubuntu: apt-get install chromium), or name it with --browser PATH or LEED_CHROMIUM.");
        string plotly = PlotlyScript() ?? throw new InputException("--png: plotly.js was not found among the dashboard's static assets; build or publish the dashboard first.");
        Directory.CreateDirectory(folder);
        string work = Directory.CreateTempSubdirectory("leed-png-").FullName;
        var written = new List<string>();
        try
        {
            foreach (FigureView figure in figures)
            {
                string page = Path.Combine(work, figure.Id + ".html");
                await File.WriteAllTextAsync(page, Html(plotly, PlotlyFigure.Json(figure), PlotlyFigure.Size(figure)), cancellation);
                byte[] png = await RenderAsync(executable, page, work, cancellation);
                string file = Path.Combine(folder, figure.Id + ".png");
                await File.WriteAllBytesAsync(file, png, cancellation);
                written.Add(file);
            }
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
        return written;
    }

    private static string Html(string plotly, string figureJson, (int Width, int Height) size) => $$"""
        <!doctype html><html><head><meta charset="utf-8"><script>{{plotly}}</script></head>
        <body><div id="figure"></div><script>
        const figure = {{figureJson}};
        Plotly.toImage({ data: figure.data, layout: figure.layout }, { format: 'png', width: {{size.Width}}, height: {{size.Height}}, scale: 2 })
          .then(url => { document.body.setAttribute('data-png', url); })
          .catch(error => { document.body.setAttribute('data-error', String(error)); });
        </script></body></html>
        """;

    private static async Task<byte[]> RenderAsync(string executable, string page, string work, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND", $"--user-data-dir={Path.Combine(work, "profile")}",
            "--virtual-time-budget=30000", "--dump-dom", new Uri(page).AbsoluteUri,
        }) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellation);
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{executable} did not finish drawing {Path.GetFileName(page)} within 90 s.");
        }
        string dom = await output;
        Match png = PngData().Match(dom);
        if (!png.Success)
        {
            string why = ErrorData().Match(dom) is { Success: true } error ? error.Groups[1].Value : (await errors).Split('\n').LastOrDefault(line => line.Length > 0) ?? "";
            throw new InvalidOperationException($"{executable} did not draw {Path.GetFileName(page)}: {why}");
        }
        return Convert.FromBase64String(png.Groups[1].Value);
    }

    /// <summary>--browser, then LEED_CHROMIUM, then the usual names on the PATH.</summary>
    public static string? FindBrowser(string? given)
    {
        if (!string.IsNullOrWhiteSpace(given)) return File.Exists(given) ? given : throw new InputException($"--browser: no file at '{given}'.");
        if (Environment.GetEnvironmentVariable("LEED_CHROMIUM") is { Length: > 0 } configured && File.Exists(configured)) return configured;
        IEnumerable<string> folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return folders.SelectMany(folder => BrowserNames.Select(name => Path.Combine(folder, OperatingSystem.IsWindows() ? name + ".exe" : name))).FirstOrDefault(File.Exists);
    }

    /// <summary>The plotly.js the dashboard serves (Plotly.Blazor's full bundle), read through the app's static web assets.</summary>
    private static string? PlotlyScript()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(StudyPng).Assembly.GetName().Name,
            ContentRootPath = Path.GetDirectoryName(typeof(StudyPng).Assembly.Location) ?? AppContext.BaseDirectory,
        });
        StaticWebAssetsLoader.UseStaticWebAssets(builder.Environment, builder.Configuration);
        var bundle = builder.Environment.WebRootFileProvider.GetDirectoryContents("_content/Plotly.Blazor")
            .FirstOrDefault(file => file.Name.StartsWith("plotly-", StringComparison.Ordinal) && file.Name.EndsWith(".min.js", StringComparison.Ordinal)
                && !file.Name.Contains("basic", StringComparison.Ordinal));
        if (bundle is null) return null;
        using var reader = new StreamReader(bundle.CreateReadStream(), Encoding.UTF8);
        // A literal "</script>" inside the bundle would end the inline script early.
        return reader.ReadToEnd().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("data-png=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex PngData();

    [GeneratedRegex("data-error=\"([^\"]*)\"")]
    private static partial Regex ErrorData();
}
