// The command line's side of the local API: a verb whose data folder a running dashboard owns sends its work here.
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Leed.Engine.Maps.Import;
using Leed.Engine.Runs;
using Leed.Engine.Storage;

namespace Leed.Dashboard.LocalApi;

/// <summary>The local API refused or failed a call; <see cref="ExitCode"/> is what the verb should exit with.</summary>
public sealed class LocalApiException(string message, int exitCode, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
    public int? StatusCode { get; } = statusCode;
}

/// <summary>
/// Calls a running dashboard's local API with the token from the data folder's owner file. Every
/// call returns the same records the verbs print when they run without a dashboard, so a verb
/// prints the same JSON either way.
/// </summary>
public sealed class LocalApiClient : IDisposable
{
    private readonly HttpClient _http;

    public LocalApiClient(Uri address, string token, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = new Uri(address.ToString().TrimEnd('/') + LocalApiEndpoints.Prefix + "/");
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // Training streams for as long as the run lasts; generation waits for the LLM.
        _http.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>
    /// A client for the owner that holds a data folder, when it is a dashboard that published its
    /// API (<see cref="DataFolderBusyException.Owner"/>, or <see cref="DataFolderLock.ReadOwner"/>); null otherwise.
    /// </summary>
    public static LocalApiClient? ForOwner(DataFolderOwner? owner) =>
        owner is { ApiAddress: { } address, ApiToken: { } token } && Uri.TryCreate(address, UriKind.Absolute, out Uri? uri)
            ? new LocalApiClient(uri, token)
            : null;

    public Task<LocalApiInfo> InfoAsync(CancellationToken cancellation = default) => GetAsync<LocalApiInfo>("", cancellation);

    public Task<MapImportSummary> ImportMapAsync(MapImportCall call, CancellationToken cancellation = default) =>
        PostAsync<MapImportSummary>("maps/import", call, cancellation);

    public Task<DemosGenerated> GenerateDemonstrationsAsync(DemosGenerateCall call, CancellationToken cancellation = default) =>
        PostAsync<DemosGenerated>("demos/generate", call, cancellation);

    public Task<IReadOnlyList<RunSummary>> ListRunsAsync(CancellationToken cancellation = default) =>
        GetAsync<IReadOnlyList<RunSummary>>("runs", cancellation);

    public Task<RunDetails> ShowRunAsync(string id, CancellationToken cancellation = default) =>
        GetAsync<RunDetails>("runs/" + Uri.EscapeDataString(id), cancellation);

    public Task<RunEvaluation> EvaluateAsync(string id, EvaluateCall call, CancellationToken cancellation = default) =>
        PostAsync<RunEvaluation>("runs/" + Uri.EscapeDataString(id) + "/evaluate", call, cancellation);

    public Task<TensorBoardDownload> TensorBoardAsync(string id, CancellationToken cancellation = default) =>
        GetAsync<TensorBoardDownload>("runs/" + Uri.EscapeDataString(id) + "/tensorboard", cancellation);

    public Task<IReadOnlyList<string>> StudyRunsAsync(string id, CancellationToken cancellation = default) =>
        GetAsync<IReadOnlyList<string>>("studies/" + Uri.EscapeDataString(id) + "/runs", cancellation);

    public Task<StoreCheckReport> CheckStoreAsync(CancellationToken cancellation = default) => GetAsync<StoreCheckReport>("store/check", cancellation);

    /// <summary>Asks the dashboard to write a verified copy of its database to <paramref name="destination"/> (made absolute here).</summary>
    public Task<StoreBackupResult> BackupAsync(string destination, bool overwrite = false, CancellationToken cancellation = default) =>
        PostAsync<StoreBackupResult>("store/backup", new BackupCall(Path.GetFullPath(destination), overwrite), cancellation);

    /// <summary>
    /// Queues a run in the dashboard and yields its events as they come: the queued run, one
    /// <see cref="TrainEvent.Iteration"/> per iteration (print <c>Row</c>'s raw text: it is the
    /// verb's JSON line), and the end with the final status. Cancelling stops the run.
    /// </summary>
    public async IAsyncEnumerable<TrainEvent> TrainAsync(TrainCall call, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "train") { Content = JsonContent.Create(call, options: LocalApiJson.Options) };
        using HttpResponseMessage response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellation);
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (line.Length == 0) continue;
            yield return JsonSerializer.Deserialize<TrainEvent>(line, LocalApiJson.Options)
                ?? throw new LocalApiException($"The dashboard sent an empty line in the training stream.", 1);
        }
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await ReadAsync<T>(await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellation), cancellation);
    }

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: LocalApiJson.Options) };
        return await ReadAsync<T>(await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellation), cancellation);
    }

    /// <summary>Sends; a refusal becomes a <see cref="LocalApiException"/> with the dashboard's message and exit code.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellation)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellation);
        }
        catch (HttpRequestException error)
        {
            throw new LocalApiException($"The dashboard that owns the data folder does not answer at {_http.BaseAddress}: {error.Message}", 1, inner: error);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            LocalApiError? refusal = null;
            try
            {
                refusal = await response.Content.ReadFromJsonAsync<LocalApiError>(LocalApiJson.Options, cancellation);
            }
            catch (JsonException)
            {
            }
            throw new LocalApiException(refusal?.Error ?? $"The dashboard answered {(int)response.StatusCode} {response.ReasonPhrase}.",
                refusal?.ExitCode ?? 1, (int)response.StatusCode);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellation)
    {
        using (response)
            return await response.Content.ReadFromJsonAsync<T>(LocalApiJson.Options, cancellation)
                ?? throw new LocalApiException("The dashboard sent an empty answer.", 1);
    }

    public void Dispose() => _http.Dispose();
}
