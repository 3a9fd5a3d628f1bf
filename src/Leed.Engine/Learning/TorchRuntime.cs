// Process-wide settings for libtorch's CPU threads that must be made before the first tensor exists.
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Leed.Engine.Learning;

public static partial class TorchRuntime
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Runs before any code of this library, so before anything here can load libtorch: every way a
    /// run starts (the dashboard, the command-line verbs, the benchmarks, the tests' hosts) gets the
    /// passive wait policy without having to remember to ask for it. libtorch is reached only through
    /// this library in the product's code.
    /// </summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "OpenMP reads its wait policy once, when libtorch loads; only an initializer that runs before any of this library's code can set it in time for every host.")]
    internal static void BeforeTorchLoads() => PreferPassiveWaiting();

    /// <summary>
    /// Asks libtorch's OpenMP runtime to sleep, not spin, while a thread waits at a barrier
    /// (<c>OMP_WAIT_POLICY=PASSIVE</c>), unless the user set the variable. libtorch's OpenMP (GNU
    /// libgomp) otherwise spins for a while at every barrier; on a machine whose cores are shared with
    /// other busy processes a spinning thread burns the time slice its descheduled sibling needs to
    /// reach the barrier, and training fell by two orders of magnitude (see bench/RESULTS.md and
    /// bench/README.md, "Training beside busy processes"). OpenMP reads the variable once, when
    /// libtorch loads, so this must run before anything touches TorchSharp; <see cref="BeforeTorchLoads"/>
    /// sees to that. It changes the native environment (.NET's own SetEnvironmentVariable does not,
    /// on Unix). Returns whether it set it.
    /// </summary>
    internal static bool PreferPassiveWaiting()
    {
        if (Environment.GetEnvironmentVariable(WaitPolicyVariable) is not null) return false;
        if (OperatingSystem.IsWindows())
        {
            // The Win32 process environment, which native code reads there (not measured on Windows).
            Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
            return true;
        }
        try
        {
            if (SetEnvironment(WaitPolicyVariable, "PASSIVE", 0) != 0) return false;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        return true;
    }

    /// <summary>OMP_WAIT_POLICY as native code (libtorch's OpenMP) reads it; null when unset or empty.</summary>
    public static string? WaitPolicy
    {
        get
        {
            if (OperatingSystem.IsWindows()) return NullIfEmpty(Environment.GetEnvironmentVariable(WaitPolicyVariable));
            try
            {
                return NullIfEmpty(Marshal.PtrToStringUTF8(GetEnvironment(WaitPolicyVariable)));
            }
            catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
            {
                return NullIfEmpty(Environment.GetEnvironmentVariable(WaitPolicyVariable));
            }
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnvironment(string name);
}
