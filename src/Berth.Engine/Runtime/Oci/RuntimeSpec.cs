using System.Text.Json.Serialization;

namespace Berth.Engine.Runtime.Oci;

// The OCI runtime-spec config.json (config.md, config-linux.md), limited to what Berth writes.
// Property names are camelCased by OciJsonContext; the few the spec spells differently carry
// an explicit [JsonPropertyName]. Optional members are nullable so that they are omitted.
// Collections are IReadOnlyList so that cached, immutable parts (the seccomp syscall rules,
// the default mount list) can be shared between specs without copying.

/// <summary>The root of config.json.</summary>
public sealed record RuntimeSpec
{
    public required string OciVersion { get; init; }
    public required RuntimeRoot Root { get; init; }
    public required RuntimeProcess Process { get; init; }
    public string? Hostname { get; init; }
    public string? Domainname { get; init; }
    public required IReadOnlyList<RuntimeMount> Mounts { get; init; }
    public required RuntimeLinux Linux { get; init; }
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

public sealed record RuntimeRoot(string Path, bool Readonly);

public sealed record RuntimeProcess
{
    public bool Terminal { get; init; }
    public required RuntimeUser User { get; init; }
    public required IReadOnlyList<string> Args { get; init; }
    public required IReadOnlyList<string> Env { get; init; }
    public required string Cwd { get; init; }
    public RuntimeCapabilities? Capabilities { get; init; }
    public IReadOnlyList<RuntimeRlimit>? Rlimits { get; init; }
    public bool NoNewPrivileges { get; init; }
    public string? ApparmorProfile { get; init; }
    public int? OomScoreAdj { get; init; }
    public string? SelinuxLabel { get; init; }
}

public sealed record RuntimeUser
{
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public uint? Umask { get; init; }
    public IReadOnlyList<uint>? AdditionalGids { get; init; }
}

/// <summary>Capability sets, names with the CAP_ prefix.</summary>
public sealed record RuntimeCapabilities
{
    public IReadOnlyList<string>? Bounding { get; init; }
    public IReadOnlyList<string>? Effective { get; init; }
    public IReadOnlyList<string>? Inheritable { get; init; }
    public IReadOnlyList<string>? Permitted { get; init; }
    public IReadOnlyList<string>? Ambient { get; init; }
}

public sealed record RuntimeRlimit(string Type, ulong Hard, ulong Soft);

public sealed record RuntimeMount
{
    public required string Destination { get; init; }
    public string? Type { get; init; }
    public string? Source { get; init; }
    public IReadOnlyList<string>? Options { get; init; }
}

public sealed record RuntimeLinux
{
    public IReadOnlyList<RuntimeDevice>? Devices { get; init; }
    public IReadOnlyDictionary<string, string>? Sysctl { get; init; }
    public RuntimeResources? Resources { get; init; }
    public string? CgroupsPath { get; init; }
    public required IReadOnlyList<RuntimeNamespace> Namespaces { get; init; }
    [JsonConverter(typeof(SeccompJsonConverter))]
    public RuntimeSeccomp? Seccomp { get; init; }
    public string? RootfsPropagation { get; init; }
    public IReadOnlyList<string>? MaskedPaths { get; init; }
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }
    public string? MountLabel { get; init; }
}

/// <summary>A device node the runtime creates in the container's /dev.</summary>
public sealed record RuntimeDevice
{
    public required string Type { get; init; }
    public required string Path { get; init; }
    public long Major { get; init; }
    public long Minor { get; init; }
    public uint? FileMode { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
}

/// <summary>A devices-cgroup rule; null major/minor mean "*".</summary>
public sealed record RuntimeDeviceRule(bool Allow, string? Type = null, long? Major = null, long? Minor = null, string? Access = null);

public sealed record RuntimeNamespace(string Type, string? Path = null);

public sealed record RuntimeResources
{
    public IReadOnlyList<RuntimeDeviceRule>? Devices { get; init; }
    public RuntimeMemory? Memory { get; init; }
    public RuntimeCpu? Cpu { get; init; }
    public RuntimePids? Pids { get; init; }
}

public sealed record RuntimeMemory
{
    public long? Limit { get; init; }
    public long? Reservation { get; init; }
    public long? Swap { get; init; }
    public ulong? Swappiness { get; init; }
    [JsonPropertyName("disableOOMKiller")]
    public bool? DisableOomKiller { get; init; }
}

public sealed record RuntimeCpu
{
    public ulong? Shares { get; init; }
    public long? Quota { get; init; }
    public ulong? Period { get; init; }
    public string? Cpus { get; init; }
    public string? Mems { get; init; }
}

public sealed record RuntimePids(long Limit);

public sealed record RuntimeSeccomp
{
    public required string DefaultAction { get; init; }
    public uint? DefaultErrnoRet { get; init; }
    public IReadOnlyList<string>? Architectures { get; init; }
    public IReadOnlyList<string>? Flags { get; init; }
    public string? ListenerPath { get; init; }
    public string? ListenerMetadata { get; init; }
    public IReadOnlyList<RuntimeSyscall>? Syscalls { get; init; }
}

public sealed record RuntimeSyscall
{
    public required IReadOnlyList<string> Names { get; init; }
    public required string Action { get; init; }
    public uint? ErrnoRet { get; init; }
    public IReadOnlyList<RuntimeSyscallArg>? Args { get; init; }
}

public sealed record RuntimeSyscallArg
{
    public uint Index { get; init; }
    public ulong Value { get; init; }
    public ulong? ValueTwo { get; init; }
    public required string Op { get; init; }
}
