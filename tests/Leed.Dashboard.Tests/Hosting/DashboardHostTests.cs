using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Leed.Dashboard.Tests.Hosting;

public sealed class DashboardHostTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("leed-host-").FullName;
    private WebApplicationFactory<Program> _factory = default!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>()
            .WithWebHostBuilder(host => host.UseSetting("Leed:DataDirectory", _data));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task SystemPage_RendersVersionsStorageAndDemonstrator()
    {
        using HttpClient client = _factory.CreateClient();
        HttpResponseMessage response = await client.GetAsync("/system");
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("0.107.0", html);          // TorchSharp
        Assert.Contains("2.10.0", html);           // libtorch
        Assert.Contains("planner, no LLM", html);  // no LLM configured
        // libtorch's threads sleep at barriers in the dashboard too, not only in the command-line verbs:
        // spinning ones made a run 15-25x slower beside other busy processes (bench train --busy).
        Assert.Contains(">OpenMP wait policy</th><td>PASSIVE</td>", html);
        Assert.Contains(Path.Combine(_data, "leed.db"), html);
        Assert.True(File.Exists(Path.Combine(_data, "leed.db")), "the database is created on first start");
    }

    [Fact]
    public async Task HomePage_AndMudBlazorAssets_AreServed()
    {
        using HttpClient client = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/_content/MudBlazor/MudBlazor.min.css")).StatusCode);
    }
}
