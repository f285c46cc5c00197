using System.Globalization;
using Berth.Core.Errors;
using Berth.Engine.Runtime.Oci;

namespace Berth.Engine.Containers;

/// <summary>
/// docker's HostConfig.Resources, the part of the domain's host config that becomes the OCI
/// spec's linux.resources and rlimits. Each setting is declared, validated and turned into the
/// spec here, in one place: a new resource flag touches this file, the API model, the mapping
/// and the CLI flag, nothing else.
/// </summary>
public sealed partial record ContainerHostConfig
{
    public long Memory { get; init; }
    public long MemorySwap { get; init; }
    public long MemoryReservation { get; init; }
    public long NanoCpus { get; init; }
    public long CpuShares { get; init; }
    /// <summary>CPUs the container may run on, in the kernel's list format ("0-3", "0,2"); "" is all.</summary>
    public string CpusetCpus { get; init => field = value ?? ""; } = "";
    public long? PidsLimit { get; init; }
    public IReadOnlyList<Ulimit>? Ulimits { get; init; }
}

/// <summary>A resource limit (--ulimit NAME=SOFT[:HARD]): Name is docker's ("nofile", "nproc", …).</summary>
public sealed record Ulimit(string Name, long Soft, long Hard);

/// <summary>Validation (dockerd's words) and the OCI form of <see cref="ContainerHostConfig"/>'s resources.</summary>
public static class ContainerResources
{
    /// <summary>docker's names for --ulimit (go-units' ulimitNameMapping).</summary>
    private static readonly HashSet<string> UlimitNames =
        ["as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"];

    private const long MinimumMemory = 6 * 1024 * 1024;

    /// <summary>The checks dockerd makes before it creates a container.</summary>
    public static void Validate(ContainerHostConfig host)
    {
        if (host.MemoryReservation > 0 && host.MemoryReservation < MinimumMemory)
            throw new InvalidParameterException("Minimum memory reservation allowed is 6MB");
        if (host.Memory > 0 && host.MemoryReservation > 0 && host.Memory < host.MemoryReservation)
            throw new InvalidParameterException("Minimum memory limit can not be less than memory reservation limit, see usage");
        ValidateCpuset(host.CpusetCpus);
        foreach (var ulimit in host.Ulimits ?? [])
        {
            if (!UlimitNames.Contains(ulimit.Name))
                throw new InvalidParameterException($"invalid ulimit type: {ulimit.Name}");
            if (ulimit.Hard >= 0 && ulimit.Soft > ulimit.Hard || ulimit.Hard >= 0 && ulimit.Soft < 0)
                throw new InvalidParameterException($"ulimit soft limit must be less than or equal to hard limit: {ulimit.Soft} > {ulimit.Hard}");
        }
    }

    /// <summary>linux.resources: devices cgroup rules, memory, CPU and pids limits.</summary>
    public static RuntimeResources ToRuntime(ContainerHostConfig host)
    {
        RuntimeMemory? memory = null;
        if (host.Memory > 0 || host.MemorySwap > 0 || host.MemoryReservation > 0)
            memory = new RuntimeMemory
            {
                Limit = host.Memory > 0 ? host.Memory : null,
                Swap = host.MemorySwap > 0 ? host.MemorySwap : null,
                Reservation = host.MemoryReservation > 0 ? host.MemoryReservation : null,
            };

        RuntimeCpu? cpu = null;
        if (host.CpuShares > 0 || host.NanoCpus > 0 || host.CpusetCpus.Length > 0)
        {
            // docker: a period of 100ms, and the quota that gives NanoCpus/1e9 CPUs of it.
            const ulong period = 100_000;
            cpu = new RuntimeCpu
            {
                Shares = host.CpuShares > 0 ? (ulong)host.CpuShares : null,
                Period = host.NanoCpus > 0 ? period : null,
                Quota = host.NanoCpus > 0 ? host.NanoCpus * (long)period / 1_000_000_000 : null,
                Cpus = host.CpusetCpus.Length > 0 ? host.CpusetCpus : null,
            };
        }

        return new RuntimeResources
        {
            Devices = host.Privileged ? OciDefaults.PrivilegedDeviceRules : OciDefaults.DeviceRules,
            Memory = memory,
            Cpu = cpu,
            // null or 0 = unset; docker maps negative values to -1, "unlimited".
            Pids = host.PidsLimit switch { > 0 and var limit => new RuntimePids(limit), < 0 => new RuntimePids(-1), _ => null },
        };
    }

    /// <summary>dockerd 20.10's check of --cpuset-cpus: the list's syntax, then the CPUs this host's cpuset offers.</summary>
    private static void ValidateCpuset(string cpus)
    {
        if (cpus.Length == 0) return;
        var available = AvailableCpus();
        // Like dockerd, accept CPU numbers up to Linux's usual 8192, or the host's highest.
        var maximum = Math.Max(8192, available is null ? 0 : available.DefaultIfEmpty().Max());
        var requested = ParseCpuList(cpus, maximum) ?? throw new InvalidParameterException($"Invalid value {cpus} for cpuset cpus");
        if (available is not null && !requested.IsSubsetOf(available))
            throw new InvalidParameterException($"Requested CPUs are not available - requested {cpus}, available: {AvailableCpusText()}");
    }

    /// <summary>Go's parsers.ParseUintListMaximum: "N" or "N-M" (N ≤ M) items joined by commas; null when malformed.</summary>
    internal static HashSet<int>? ParseCpuList(string list, int maximum)
    {
        var cpus = new HashSet<int>();
        if (list.Length == 0) return cpus;
        foreach (var item in list.Split(','))
        {
            var dash = item.IndexOf('-');
            if (dash < 0)
            {
                if (!TryParseGoInt(item, out var cpu) || cpu > maximum) return null;
                cpus.Add(cpu);
                continue;
            }
            if (!TryParseGoInt(item[..dash], out var first) || !TryParseGoInt(item[(dash + 1)..], out var last) || last < first || last > maximum)
                return null;
            for (var cpu = first; cpu <= last; cpu++) cpus.Add(cpu);
        }
        return cpus;
    }

    /// <summary>Go's strconv.Atoi: optional sign, ASCII digits, nothing else.</summary>
    private static bool TryParseGoInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>The root cpuset's CPUs (what dockerd's sysinfo reads); null when no cpuset controller is found.</summary>
    private static HashSet<int>? AvailableCpus() => AvailableCpusText() is { } text ? ParseCpuList(text, int.MaxValue) : null;

    private static string? AvailableCpusText()
    {
        foreach (var path in new[] { "/sys/fs/cgroup/cpuset/cpuset.cpus", "/sys/fs/cgroup/cpuset.cpus.effective" })
            if (File.Exists(path)) return File.ReadAllText(path).Trim();
        return null;
    }

    /// <summary>docker's default RLIMIT_NOFILE (capped by the host's hard limit), then each --ulimit, replacing a default of the same name.</summary>
    public static List<RuntimeRlimit> Rlimits(ContainerHostConfig host, OciHostInfo hostInfo)
    {
        var nofile = Math.Min(OciDefaults.NofileLimit, hostInfo.NofileHardLimit);
        var limits = new List<RuntimeRlimit> { new("RLIMIT_NOFILE", nofile, nofile) };
        foreach (var ulimit in host.Ulimits ?? [])
        {
            var type = "RLIMIT_" + ulimit.Name.ToUpperInvariant();
            limits.RemoveAll(l => l.Type == type);
            // -1 is unlimited (RLIM_INFINITY), as docker's ulimit parser reads it.
            limits.Add(new RuntimeRlimit(type, unchecked((ulong)ulimit.Hard), unchecked((ulong)ulimit.Soft)));
        }
        return limits;
    }
}
