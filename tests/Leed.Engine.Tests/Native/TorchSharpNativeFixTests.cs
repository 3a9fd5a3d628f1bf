using System.Reflection;
using Leed.Build;

namespace Leed.Engine.Tests.Native;

public sealed class TorchSharpNativeFixTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("leed-elf-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string PristinePackageLibrary()
    {
        string root = typeof(TorchSharpNativeFixTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "NuGetPackageRoot").Value!;
        string path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's package library is expected at {path}");
        return path;
    }

    [Fact]
    public void MarkWeak_PackageLibrary_PatchesOnceThenLeavesItUnchanged()
    {
        string library = Path.Combine(_folder, "libLibTorchSharp.so");
        File.Copy(PristinePackageLibrary(), library);
        byte[] original = File.ReadAllBytes(library);
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.Inspect(original, ElfVersionNeedPatcher.TorchSharpVersion, out _));

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.MarkWeak(library, ElfVersionNeedPatcher.TorchSharpVersion));
        byte[] patched = File.ReadAllBytes(library);
        int differing = original.Zip(patched).Count(pair => pair.First != pair.Second);
        Assert.Equal(original.Length, patched.Length);
        Assert.Equal(1, differing); // one flag bit in one Vernaux entry

        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionNeedPatcher.MarkWeak(library, ElfVersionNeedPatcher.TorchSharpVersion));
        Assert.Equal(patched, File.ReadAllBytes(library));
    }

    [Fact]
    public void MarkWeak_LibraryWithoutTheNeed_IsLeftUnchanged()
    {
        // libtorch's own libraries need at most GLIBCXX_3.4.26.
        string source = Directory.EnumerateFiles(AppContext.BaseDirectory, "libc10.so", SearchOption.AllDirectories).First();
        string library = Path.Combine(_folder, "libc10.so");
        File.Copy(source, library);
        byte[] before = File.ReadAllBytes(library);

        Assert.Equal(ElfPatchOutcome.NoSuchNeed, ElfVersionNeedPatcher.MarkWeak(library, ElfVersionNeedPatcher.TorchSharpVersion));
        Assert.Equal(ElfPatchOutcome.NoSuchNeed, ElfVersionNeedPatcher.MarkWeak(library, ElfVersionNeedPatcher.TorchSharpVersion));
        Assert.Equal(before, File.ReadAllBytes(library));
    }

    [Fact]
    public void MarkWeak_NotAnElfFile_IsLeftUnchanged()
    {
        string path = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(path, "not a shared library");
        Assert.Equal(ElfPatchOutcome.NotElf64, ElfVersionNeedPatcher.MarkWeak(path, ElfVersionNeedPatcher.TorchSharpVersion));
        Assert.Equal("not a shared library", File.ReadAllText(path));
    }

    [Fact]
    public void BuildOutput_LibraryLoadsOnThisHost()
    {
        // The build step ran on this output: where the host lacks the version, the copy is weak.
        string output = Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).First();
        ElfPatchOutcome state = ElfVersionNeedPatcher.Inspect(File.ReadAllBytes(output), ElfVersionNeedPatcher.TorchSharpVersion, out _);
        if (ElfVersionNeedPatcher.HostLibStdCxxHas(ElfVersionNeedPatcher.TorchSharpVersion))
            Assert.Equal(ElfPatchOutcome.Patched, state); // untouched: still a strong need, which this host satisfies
        else
            Assert.Equal(ElfPatchOutcome.AlreadyWeak, state);
    }
}
