namespace Berth.Engine.Runtime.Oci;

/// <summary>
/// Docker's default Linux spec (moby oci/defaults.go DefaultLinuxSpec, plus what
/// daemon/oci_linux.go adds for every container). Public so that the container service can
/// report the same values in inspect (HostConfig.MaskedPaths, ReadonlyPaths).
/// </summary>
public static class OciDefaults
{
    public const string OciVersion = "1.0.2";
    public const string PathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /// <summary>Docker's --ulimit nofile default as dockerd's systemd unit gives it.</summary>
    public const ulong NofileLimit = 1048576;

    /// <summary>Docker 20.10–27's HostConfig.MaskedPaths default.</summary>
    public static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    public static readonly IReadOnlyList<string> ReadonlyPaths =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    /// <summary>
    /// Devices-cgroup rules: deny all, then moby's allow list (null, zero, urandom, random, tty,
    /// console; fuse denied). runc 1.1 appends its own defaults after these (full, ptmx, pts,
    /// tun, mknod of anything); they are written out here too so that any OCI runtime, and
    /// runc versions that dropped some (1.2 dropped tun), give the container what docker
    /// 20.10 with runc 1.1 gives it.
    /// </summary>
    public static readonly IReadOnlyList<RuntimeDeviceRule> DeviceRules =
    [
        new(false, Access: "rwm"),
        new(true, "c", 1, 5, "rwm"),
        new(true, "c", 1, 3, "rwm"),
        new(true, "c", 1, 9, "rwm"),
        new(true, "c", 1, 8, "rwm"),
        new(true, "c", 5, 0, "rwm"),
        new(true, "c", 5, 1, "rwm"),
        new(false, "c", 10, 229, "rwm"),
        // runc's AllowedDevices (libcontainer/specconv), in its order.
        new(true, "c", null, null, "m"),
        new(true, "b", null, null, "m"),
        new(true, "c", 1, 7, "rwm"),
        new(true, "c", 5, 2, "rwm"),
        new(true, "c", 136, null, "rwm"),
        new(true, "c", 10, 200, "rwm"),
    ];

    public static readonly IReadOnlyList<RuntimeDeviceRule> PrivilegedDeviceRules = [new(true, Access: "rwm")];

    /// <summary>The default mounts, in docker's order, /dev/shm sized from ShmSize.</summary>
    internal static List<RuntimeMount> Mounts(long shmSize) =>
    [
        new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
        new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
        new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
        new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
        new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["ro", "nosuid", "noexec", "nodev"] },
        new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
        new()
        {
            Destination = "/dev/shm", Type = "tmpfs", Source = "shm",
            Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=" + shmSize.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        },
    ];

    /// <summary>
    /// Docker's container environment (container.CreateDaemonEnvironment): PATH, HOSTNAME and,
    /// with a TTY, TERM first; the container's Env then replaces matching keys in place or is
    /// appended ("KEY" without "=" removes KEY). HOME comes last when still unset, the way runc
    /// adds it from the user's passwd entry.
    /// </summary>
    public static List<string> Environment(IReadOnlyList<string> env, string hostname, bool tty, string home)
    {
        var result = new List<string>(env.Count + 4) { PathEnv, "HOSTNAME=" + hostname };
        if (tty) result.Add("TERM=xterm");

        // moby's ReplaceOrAppendEnvValues: only the defaults are looked up; two user entries
        // with the same key are both kept, as docker does.
        var removed = false;
        foreach (var value in env)
        {
            var eq = value.IndexOf('=');
            var key = eq < 0 ? value : value[..eq];
            var i = key switch { "PATH" => 0, "HOSTNAME" => 1, "TERM" when tty => 2, _ => -1 };
            if (eq < 0)
            {
                if (i >= 0) { result[i] = ""; removed = true; }
                continue;
            }
            if (i >= 0) result[i] = value;
            else result.Add(value);
        }
        if (removed) result.RemoveAll(static e => e.Length == 0);

        if (!result.Exists(static e => e.StartsWith("HOME=", StringComparison.Ordinal)))
            result.Add("HOME=" + home);
        return result;
    }
}
