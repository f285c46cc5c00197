using Berth.Core.Errors;

namespace Berth.Engine.Runtime.Oci;

/// <summary>Docker's capability handling (moby oci/caps): the default set, CapAdd/CapDrop, privileged.</summary>
public static class Capabilities
{
    /// <summary>Every capability by number (index = CAP_* value), as the kernel headers list them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>Docker's 14 default capabilities, in docker's order (CapEff 00000000a80425fb).</summary>
    public static readonly IReadOnlyList<string> Default =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private const string AllMagic = "ALL";

    /// <summary>The capabilities this kernel has (docker's GetAllCapabilities): privileged and --cap-add ALL get these.</summary>
    public static IReadOnlyList<string> Available(int lastCap) =>
        lastCap >= All.Count - 1 ? All : All.Take(lastCap + 1).ToArray();

    /// <summary>
    /// moby's TweakCapabilities: privileged → all; "ALL" in CapAdd → all minus CapDrop; "ALL" in
    /// CapDrop → only CapAdd; else defaults minus CapDrop plus CapAdd. Names are case-insensitive,
    /// with or without the CAP_ prefix. Unlike moby, duplicates are removed (runc does not care,
    /// and the seccomp filter only tests membership).
    /// </summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> capAdd, IReadOnlyList<string> capDrop, bool privileged, int lastCap)
    {
        if (privileged) return Available(lastCap);
        if (capAdd.Count == 0 && capDrop.Count == 0) return Default;

        var drop = Normalize(capDrop, lastCap);
        var add = Normalize(capAdd, lastCap);
        var result = new List<string>();
        if (add.Contains(AllMagic))
        {
            foreach (var c in Available(lastCap))
                if (!drop.Contains(c)) result.Add(c);
            return result;
        }
        if (!drop.Contains(AllMagic))
        {
            foreach (var c in Default)
                if (!drop.Contains(c)) result.Add(c);
        }
        foreach (var c in add)
            if (!result.Contains(c)) result.Add(c);
        return result;
    }

    /// <summary>Upper-cases, adds CAP_, and rejects unknown names with docker's messages.</summary>
    internal static List<string> Normalize(IReadOnlyList<string> caps, int lastCap)
    {
        var normalized = new List<string>(caps.Count);
        foreach (var raw in caps)
        {
            var c = raw.ToUpperInvariant();
            if (c == AllMagic)
            {
                normalized.Add(c);
                continue;
            }
            if (!c.StartsWith("CAP_", StringComparison.Ordinal)) c = "CAP_" + c;
            var index = IndexOf(c);
            if (index < 0)
                throw new InvalidParameterException($"unknown capability: \"{c}\"");
            if (index > lastCap)
                throw new InvalidParameterException($"capability not supported by your kernel or not available in the current environment: \"{c}\"");
            normalized.Add(c);
        }
        return normalized;
    }

    internal static int IndexOf(string name)
    {
        for (var i = 0; i < All.Count; i++)
            if (All[i] == name) return i;
        return -1;
    }

    /// <summary>The set as a bit mask (bit n = capability n), the form /proc/&lt;pid&gt;/status prints.</summary>
    public static ulong ToMask(IEnumerable<string> caps)
    {
        ulong mask = 0;
        foreach (var c in caps)
        {
            var i = IndexOf(c);
            if (i >= 0) mask |= 1UL << i;
        }
        return mask;
    }
}
