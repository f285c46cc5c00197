namespace Berth.Daemon.Hosting;

/// <summary>Facts about the host that /version and /info report; read once.</summary>
internal static class HostPlatform
{
    public static string Architecture { get; } = Berth.Engine.Images.ImagePlatform.HostArchitecture().Architecture;

    public static string KernelVersion { get; } = ReadTrimmed("/proc/sys/kernel/osrelease") ?? "";

    /// <summary>"2" on a pure cgroup v2 host (cgroup2 at /sys/fs/cgroup), "1" on v1 and hybrid hosts.</summary>
    public static string CgroupVersion { get; } = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1";

    public static string OperatingSystem { get; } = OsRelease("PRETTY_NAME") ?? "Linux";

    public static string OsVersion { get; } = OsRelease("VERSION_ID") ?? "";

    public static long MemTotal { get; } = ReadMemTotal();

    /// <summary>A stable daemon ID, kept in the data root (docker keeps engine-id).</summary>
    public static string DaemonId(string dataRoot)
    {
        var path = Path.Combine(dataRoot, "engine-id");
        var existing = ReadTrimmed(path);
        if (!string.IsNullOrEmpty(existing)) return existing;
        var id = Guid.NewGuid().ToString();
        Berth.Core.Interop.FileModes.WriteAllText(path, id + "\n");
        return id;
    }

    private static string? ReadTrimmed(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException) { return null; }
    }

    private static string? OsRelease(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
                if (line.StartsWith(key + "=", StringComparison.Ordinal))
                    return line[(key.Length + 1)..].Trim('"');
        }
        catch (IOException)
        {
        }
        return null;
    }

    private static long ReadMemTotal()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidOperationException)
        {
            return 0;
        }
    }
}
