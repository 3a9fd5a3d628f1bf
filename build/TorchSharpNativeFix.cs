// Makes TorchSharp's native bridge load on hosts whose libstdc++ predates GCC 13 (Debian 12,
// Ubuntu 22.04). libLibTorchSharp.so declares a need for GLIBCXX_3.4.32 only because GCC 13's
// <iostream> references std::ios_base_library_init() without calling it (no relocation uses it).
// Marking that one version need as weak (VER_FLG_WEAK in .gnu.version_r) lets the dynamic loader
// accept the library; nothing else in the file changes.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory as the build task
// (build/TorchSharpNativeFix.targets), and into the engine tests (LEED_NO_MSBUILD_TASK) so the
// patcher's logic is tested directly.
#nullable enable
using System;
using System.IO;
using System.Text;

namespace Leed.Build
{
    /// <summary>What <see cref="ElfVersionNeedPatcher.MarkWeak"/> did to a file.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The file is not a 64-bit little-endian ELF object; left untouched.</summary>
        NotElf64,
        /// <summary>The file declares no need for the version; left untouched.</summary>
        NoSuchNeed,
        /// <summary>The need was already weak (an earlier run patched it); left untouched.</summary>
        AlreadyWeak,
        /// <summary>The need was strong and is now weak.</summary>
        Patched,
    }

    /// <summary>Edits the version-need flags of an ELF64 shared library in place.</summary>
    public static class ElfVersionNeedPatcher
    {
        public const string TorchSharpVersion = "GLIBCXX_3.4.32";
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlagWeak = 0x2;

        /// <summary>Marks the need for <paramref name="versionName"/> weak. Idempotent.</summary>
        public static ElfPatchOutcome MarkWeak(string path, string versionName)
        {
            byte[] elf = File.ReadAllBytes(path);
            int flagsOffset;
            ElfPatchOutcome outcome = Inspect(elf, versionName, out flagsOffset);
            if (outcome != ElfPatchOutcome.Patched) return outcome;

            ushort flags = BitConverter.ToUInt16(elf, flagsOffset);
            flags |= VerFlagWeak;
            elf[flagsOffset] = (byte)(flags & 0xff);
            elf[flagsOffset + 1] = (byte)(flags >> 8);
            // Write a new file and move it over the old one, so a hard link into a package cache
            // (if the build made one) is replaced rather than edited.
            string temporary = path + ".leedfix";
            File.WriteAllBytes(temporary, elf);
            File.Delete(path);
            File.Move(temporary, path);
            return ElfPatchOutcome.Patched;
        }

        /// <summary>
        /// Reports what <see cref="MarkWeak"/> would do (Patched means "would patch") and where the
        /// flags of the matching Vernaux entry live.
        /// </summary>
        public static ElfPatchOutcome Inspect(byte[] elf, string versionName, out int flagsOffset)
        {
            flagsOffset = -1;
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
                || elf[4] != 2 /* ELFCLASS64 */ || elf[5] != 1 /* little endian */)
                return ElfPatchOutcome.NotElf64;
            if (!BitConverter.IsLittleEndian) return ElfPatchOutcome.NotElf64;

            long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
            int shentsize = BitConverter.ToUInt16(elf, 0x3A);
            int shnum = BitConverter.ToUInt16(elf, 0x3C);
            if (shoff <= 0 || shentsize < 64 || shoff + (long)shnum * shentsize > elf.Length)
                return ElfPatchOutcome.NotElf64;

            for (int s = 0; s < shnum; s++)
            {
                long header = shoff + (long)s * shentsize;
                if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed) continue;
                long sectionOffset = (long)BitConverter.ToUInt64(elf, (int)header + 24);
                uint link = BitConverter.ToUInt32(elf, (int)header + 40);
                uint entries = BitConverter.ToUInt32(elf, (int)header + 44);
                long strtabHeader = shoff + (long)link * shentsize;
                long strtab = (long)BitConverter.ToUInt64(elf, (int)strtabHeader + 24);

                long need = sectionOffset;
                for (uint n = 0; n < entries; n++)
                {
                    ushort count = BitConverter.ToUInt16(elf, (int)need + 2);
                    long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                    for (int a = 0; a < count; a++)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        uint name = BitConverter.ToUInt32(elf, (int)aux + 8);
                        if (ReadCString(elf, strtab + name) == versionName)
                        {
                            flagsOffset = (int)aux + 4;
                            return (flags & VerFlagWeak) != 0 ? ElfPatchOutcome.AlreadyWeak : ElfPatchOutcome.Patched;
                        }
                        uint nextAux = BitConverter.ToUInt32(elf, (int)aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                    if (next == 0) break;
                    need += next;
                }
            }
            return ElfPatchOutcome.NoSuchNeed;
        }

        /// <summary>
        /// True when the host's libstdc++ defines <paramref name="versionName"/>. Looks for the version
        /// string in the library's bytes (its version-definition strings), as `strings | grep` would.
        /// </summary>
        public static bool HostLibStdCxxHas(string versionName, string? libraryPath = null)
        {
            string? path = libraryPath ?? FindHostLibStdCxx();
            if (path == null) return true; // no GNU libstdc++ (musl, macOS, Windows): nothing to fix
            byte[] bytes = File.ReadAllBytes(path);
            byte[] needle = Encoding.ASCII.GetBytes(versionName + "\0");
            return IndexOf(bytes, needle) >= 0;
        }

        public static string? FindHostLibStdCxx()
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            };
            foreach (string candidate in candidates)
                if (File.Exists(candidate)) return candidate;
            return null;
        }

        private static string ReadCString(byte[] data, long offset)
        {
            if (offset < 0 || offset >= data.Length) return string.Empty;
            int end = (int)offset;
            while (end < data.Length && data[end] != 0) end++;
            return Encoding.ASCII.GetString(data, (int)offset, end - (int)offset);
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i <= haystack.Length - needle.Length; i++)
            {
                if (haystack[i] != needle[0]) continue;
                int j = 1;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }
    }

#if !LEED_NO_MSBUILD_TASK
    /// <summary>
    /// MSBuild task: after a build or publish, marks GLIBCXX_3.4.32 weak in every copy of
    /// libLibTorchSharp.so under the output folder, but only when the host's libstdc++ lacks it.
    /// </summary>
    public sealed class TorchSharpNativeFix : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public string OutputDirectory { get; set; } = string.Empty;

        public override bool Execute()
        {
            if (!Directory.Exists(OutputDirectory)) return true;
            if (ElfVersionNeedPatcher.HostLibStdCxxHas(ElfVersionNeedPatcher.TorchSharpVersion)) return true;
            foreach (string library in Directory.EnumerateFiles(OutputDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                ElfPatchOutcome outcome = ElfVersionNeedPatcher.MarkWeak(library, ElfVersionNeedPatcher.TorchSharpVersion);
                if (outcome == ElfPatchOutcome.Patched)
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                        "TorchSharp native fix: marked " + ElfVersionNeedPatcher.TorchSharpVersion + " weak in " + library);
            }
            return true;
        }
    }
#endif
}
