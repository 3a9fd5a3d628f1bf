// GET /api/compare.csv over HTTP against a real app with a temporary data folder: downloads, whole groups, and clear 400s.
using System.Net;
using Leed.Engine.Learning;
using Leed.Engine.Runs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Leed.Dashboard.Tests.Compare;

public sealed class CompareEndpointTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("leed-compare-").FullName;
    private WebApplicationFactory<Program> _factory = default!;
    private HttpClient _client = default!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host => host.UseSetting("Leed:DataDirectory", _data));
        RunStore store = _factory.Services.GetRequiredService<RunStore>();
        CompareRuns.Save(store, CompareRuns.Make("run-a", "leed, seed 1", [1, 2], group: "sweep", seed: 1));
        CompareRuns.Save(store, CompareRuns.Make("run-b", "leed seed 2", [3, null], group: "sweep", seed: 2));
        CompareRuns.Save(store, CompareRuns.Make("run-c", "ippo", [0.5], algorithm: "ippo", arrivals: [0.75]));
        CompareRuns.Save(store, CompareRuns.Make("run-f", "=HYPERLINK(\"http://example.invalid\",\"open\")", [-40.5], group: "@sweep"));
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task SelectedRuns_DownloadAsCsv_WithTheirRowsInTheOrderAsked()
    {
        HttpResponseMessage response = await _client.GetAsync("/api/compare.csv?runs=run-c,run-a&metric=charts/episodic_return");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("leed-compare-episodic_return.csv", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(
            "runId,runName,group,algorithm,seed,iteration,globalStep,wallSeconds,charts/episodic_return\n"
            + "run-c,ippo,,ippo,1,1,100,10,0.5\n"
            + "run-a,\"leed, seed 1\",sweep,leed,1,1,100,10,1\n"
            + "run-a,\"leed, seed 1\",sweep,leed,1,2,200,20,2\n",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AGroup_DownloadsEverySeed_AndTheMetricDefaultsToTheEpisodicReturn()
    {
        string csv = await _client.GetStringAsync("/api/compare.csv?groups=sweep");

        string[] lines = csv.TrimEnd('\n').Split('\n');
        Assert.EndsWith(",charts/episodic_return", lines[0]);
        Assert.Equal(["run-a", "run-a", "run-b", "run-b"], lines[1..].Select(line => line.Split(',')[0]));
        Assert.EndsWith(",20,", lines[4]); // run-b's second iteration finished no episode
    }

    [Fact]
    public async Task ARunNamedLikeASpreadsheetFormula_DownloadsAsText_AndItsNegativeReturnStaysANumber()
    {
        string csv = await _client.GetStringAsync("/api/compare.csv?runs=run-f");

        Assert.Equal(
            "runId,runName,group,algorithm,seed,iteration,globalStep,wallSeconds,charts/episodic_return\n"
            + "run-f,\"'=HYPERLINK(\"\"http://example.invalid\"\",\"\"open\"\")\",'@sweep,leed,1,1,100,10,-40.5\n",
            csv);
    }

    [Fact]
    public async Task TheWideFormat_HasEveryMetricAsAColumn()
    {
        string csv = await _client.GetStringAsync("/api/compare.csv?runs=run-c&format=wide");

        Assert.Equal(
            "runId,runName,group,algorithm,seed,iteration,globalStep,wallSeconds,"
            + $"{MetricNames.EpisodicReturn},{MetricNames.ArrivalRate}\n"
            + "run-c,ippo,,ippo,1,1,100,10,0.5,0.75\n",
            csv);
    }

    [Theory]
    [InlineData("/api/compare.csv?runs=run-a,nope", "No run with id nope.")]
    [InlineData("/api/compare.csv?groups=missing", "No run group named missing.")]
    [InlineData("/api/compare.csv", "Say which runs to export")]
    [InlineData("/api/compare.csv?runs=run-a&metric=charts/nothing", "Unknown metric 'charts/nothing': none of the selected runs has it. They have: charts/episodic_return.")]
    [InlineData("/api/compare.csv?runs=run-a&format=xlsx", "Unknown format 'xlsx'")]
    public async Task ABadRequest_Is400_AndSaysWhatWasWrong(string url, string message)
    {
        HttpResponseMessage response = await _client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
    }
}
