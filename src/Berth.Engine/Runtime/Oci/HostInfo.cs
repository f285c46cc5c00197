using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Berth.Engine.Tests")]

namespace Berth.Engine.Runtime.Oci;

/// <summary>
/// The facts about the host that change the generated spec. Read once per process and
/// cached: spec building is on the container start path. Tests pass their own instance to
/// see v1/v2 differences on one machine.
/// </summary>
/// <param name="CgroupV2">Pure cgroup v2 (unified) host: docker's default cgroupns mode is "private" there, "host" on v1/hybrid.</param>
/// <param name="KernelMajor">Kernel version, for the seccomp profile's minKernel conditions.</param>
/// <param name="KernelMinor">Second part of the kernel version.</param>
/// <param name="NofileHardLimit">This process's RLIMIT_NOFILE hard limit: runc fails when asked for more than it may grant.</param>
/// <param name="LastCap">/proc/sys/kernel/cap_last_cap: capabilities above it do not exist on this kernel.</param>
public sealed record OciHostInfo(bool CgroupV2, int KernelMajor, int KernelMinor, ulong NofileHardLimit, int LastCap)
{
    private static readonly Lazy<OciHostInfo> s_current = new(Read);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> s_sysctls = new();

    public static OciHostInfo Current => s_current.Value;

    /// <summary>Whether a sysctl exists on this kernel (docker only adds its default sysctls where they do: runc fails on unknown ones).</summary>
    public static bool SysctlExists(string name) =>
        s_sysctls.GetOrAdd(name, static n => Path.Exists("/proc/sys/" + n.Replace('.', '/')));

    public bool KernelAtLeast(int major, int minor) =>
        KernelMajor > major || (KernelMajor == major && KernelMinor >= minor);

    private static OciHostInfo Read()
    {
        var (major, minor) = ParseKernelRelease(ReadOr("/proc/sys/kernel/osrelease", "0.0"));
        var lastCap = int.TryParse(ReadOr("/proc/sys/kernel/cap_last_cap", "").Trim(), out var lc) ? lc : Capabilities.All.Count - 1;
        return new OciHostInfo(
            CgroupV2: File.Exists("/sys/fs/cgroup/cgroup.controllers"),
            KernelMajor: major,
            KernelMinor: minor,
            NofileHardLimit: ParseNofileHard(ReadOr("/proc/self/limits", "")),
            LastCap: lastCap);
    }

    private static string ReadOr(string path, string fallback)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return fallback; }
        catch (UnauthorizedAccessException) { return fallback; }
    }

    /// <summary>"6.18.44-fc-v669" → (6, 18); suffixes and the patch level are ignored, as in moby's kernel check.</summary>
    internal static (int Major, int Minor) ParseKernelRelease(string release)
    {
        var parts = release.Trim().Split('.', 3);
        static int Leading(string s)
        {
            var n = 0;
            foreach (var c in s)
            {
                if (c is < '0' or > '9') break;
                n = n * 10 + (c - '0');
            }
            return n;
        }
        return (Leading(parts[0]), parts.Length > 1 ? Leading(parts[1]) : 0);
    }

    /// <summary>Hard limit from the "Max open files" row of /proc/self/limits; "unlimited" or unreadable → no cap.</summary>
    internal static ulong ParseNofileHard(string limits)
    {
        foreach (var line in limits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && ulong.TryParse(fields[1], out var hard)) return hard;
        }
        return ulong.MaxValue;
    }
}
