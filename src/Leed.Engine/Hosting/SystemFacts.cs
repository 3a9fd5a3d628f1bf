// What the System page and the `system` verb report about this process.
using System.Reflection;
using System.Runtime.InteropServices;
using Leed.Engine.Learning;
using Leed.Engine.Storage;
using TorchSharp;

namespace Leed.Engine.Hosting;

/// <summary>The active demonstrator as users see it; never carries the API key.</summary>
public sealed record DemonstratorFacts(string Kind, string Label, string? Endpoint, string? Model, bool ApiKeySet)
{
    public const string PlannerLabel = "planner, no LLM";

    public static DemonstratorFacts From(LlmOptions llm) => llm.IsConfigured
        ? new("llm", $"LLM {llm.Model} at {SafeHost(llm.Endpoint!)}", SafeEndpoint(llm.Endpoint!), llm.Model, !string.IsNullOrEmpty(llm.ApiKey))
        : new("planner", PlannerLabel, null, null, false);

    /// <summary>Host and port only: a URL may carry user info or a key in its query, which must never be shown.</summary>
    private static string SafeHost(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) ? uri.Authority : "(invalid endpoint)";

    private static string SafeEndpoint(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(invalid endpoint)";
}

/// <summary>Versions, threads, storage and demonstrator of the running process.</summary>
public sealed record SystemFacts(
    string DotNet,
    string OperatingSystem,
    string TorchSharp,
    string LibTorch,
    int TorchThreads,
    string OpenMpWaitPolicy,
    int ProcessorCount,
    string DataDirectory,
    string DatabasePath,
    DemonstratorFacts Demonstrator,
    string TrainingDevice)
{
    /// <summary>
    /// Where training runs: the trainer puts every tensor on the CPU (the project ships TorchSharp's CPU
    /// build), so this says CPU, and says so plainly when libtorch can see a CUDA GPU it does not use.
    /// </summary>
    public static string DescribeTrainingDevice(bool cudaAvailable) => cudaAvailable
        ? "CPU (a CUDA GPU is visible to libtorch, but training runs on the CPU)"
        : "CPU (no GPU: this build of libtorch is CPU-only)";

    /// <summary>Reads the facts; loads libtorch (the first TorchSharp call does).</summary>
    public static SystemFacts Collect(ILeedStore store, LlmOptions llm)
    {
        Assembly torchAssembly = typeof(torch).Assembly;
        string torchSharp = torchAssembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? torchAssembly.GetName().Version?.ToString() ?? "unknown";
        int plus = torchSharp.IndexOf('+');
        if (plus >= 0) torchSharp = torchSharp[..plus];
        return new SystemFacts(
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription,
            torchSharp,
            TrimRevision(torch.__version__),
            torch.get_num_threads(),
            TorchRuntime.WaitPolicy ?? "unset (libgomp's default: threads spin at barriers)",
            Environment.ProcessorCount,
            store.DataDirectory,
            store.DatabasePath,
            DemonstratorFacts.From(llm),
            DescribeTrainingDevice(torch.cuda.is_available()));
    }

    /// <summary>TorchSharp reports libtorch as a four-part version ("2.10.0.0"); users know "2.10.0".</summary>
    private static string TrimRevision(string version)
    {
        string[] parts = version.Split('.');
        return parts.Length == 4 && parts[3] == "0" ? string.Join('.', parts[..3]) : version;
    }
}
