// The dashboard (or a verb) as a real child process, for tests that need two processes on one data folder.
using System.Diagnostics;
using System.Text;
using Leed.Engine.Storage;

namespace Leed.Dashboard.Tests.Hosting;

/// <summary>
/// Runs this build's <c>Leed.Dashboard.dll</c> with <c>dotnet</c>, collecting its output. A
/// dashboard is ready once it has published its local API in the data folder's owner file.
/// </summary>
public sealed class DashboardProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new(), _error = new();

    private DashboardProcess(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Leed.Dashboard.dll"));
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, line) => { lock (_output) _output.AppendLine(line.Data); };
        _process.ErrorDataReceived += (_, line) => { lock (_error) _error.AppendLine(line.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Output { get { lock (_output) return _output.ToString(); } }
    public string Error { get { lock (_error) return _error.ToString(); } }

    /// <summary>Starts a dashboard on <paramref name="dataDirectory"/> (a free loopback port) and waits until it serves its local API.</summary>
    public static async Task<DashboardProcess> StartDashboardAsync(string dataDirectory, TimeSpan? timeout = null)
    {
        var dashboard = new DashboardProcess(["--data", dataDirectory, "--urls", "http://127.0.0.1:0"]);
        var clock = Stopwatch.StartNew();
        while (DataFolderLock.ReadOwner(dataDirectory) is not { ProcessId: var pid, ApiAddress: not null } || pid != dashboard.Id)
        {
            if (dashboard.HasExited) throw new InvalidOperationException($"The dashboard exited with {dashboard._process.ExitCode}: {dashboard.Error}");
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(90))) throw new TimeoutException($"The dashboard did not start: {dashboard.Error}");
            await Task.Delay(100);
        }
        return dashboard;
    }

    /// <summary>Starts a command-line verb without waiting for it, to stop or kill it mid-way.</summary>
    public static DashboardProcess StartVerb(params string[] arguments) => new(arguments);

    /// <summary>The complete lines it has printed on stdout so far.</summary>
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Waits until <paramref name="condition"/> holds (or the process exits: then it throws with its stderr).</summary>
    public async Task WaitUntilAsync(Func<DashboardProcess, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (HasExited) throw new InvalidOperationException($"The process exited with {_process.ExitCode} first: {Error}");
            if (clock.Elapsed > timeout) throw new TimeoutException($"Not there after {timeout.TotalSeconds:F0} s. stderr: {Error}");
            await Task.Delay(20);
        }
    }

    /// <summary>The exit code, once it has exited (after <see cref="KillAsync"/> or <see cref="StopAsync"/>).</summary>
    public int ExitCode
    {
        get
        {
            _process.WaitForExit(); // flushes the redirected streams
            return _process.ExitCode;
        }
    }

    /// <summary>Runs a command-line verb to its end; returns its exit code and output.</summary>
    public static async Task<(int Exit, string Output, string Error)> RunVerbAsync(params string[] arguments)
    {
        using var verb = new DashboardProcess(arguments);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await verb._process.WaitForExitAsync(timeout.Token);
        verb._process.WaitForExit(); // flushes the redirected streams
        return (verb._process.ExitCode, verb.Output, verb.Error);
    }

    /// <summary>Ends the process as a crash would (SIGKILL): nothing of it gets to clean up.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Asks the process to stop (SIGTERM, as a service manager or Ctrl+C would) and waits for it.</summary>
    public async Task StopAsync()
    {
        using (Process signal = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await signal.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
