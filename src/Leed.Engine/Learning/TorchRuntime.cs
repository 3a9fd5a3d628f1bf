// Process-wide settings for libtorch's CPU threads that must be made before the first tensor exists.
using System.Runtime.InteropServices;

namespace Leed.Engine.Learning;

public static partial class TorchRuntime
{
    /// <summary>
    /// Asks libtorch's OpenMP runtime to sleep, not spin, while a thread waits at a barrier
    /// (<c>OMP_WAIT_POLICY=PASSIVE</c>), unless the user set the variable. Measured on the
    /// project's 2-core machine while other processes kept it busy: the ensemble kernels at 2
    /// threads ran at 7.2 GFLOP/s spinning and 20.6 sleeping (see bench/RESULTS.md); spinning
    /// threads burn the time slice the descheduled sibling needs. OpenMP reads the variable once,
    /// when libtorch loads, so call this before anything touches TorchSharp. It changes the native
    /// environment (.NET's own SetEnvironmentVariable does not, on Unix). Returns whether it set it.
    /// </summary>
    public static bool PreferPassiveWaiting()
    {
        if (OperatingSystem.IsWindows() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return false;
        try
        {
            if (SetEnvironment("OMP_WAIT_POLICY", "PASSIVE", 0) != 0) return false;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
        return true;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
