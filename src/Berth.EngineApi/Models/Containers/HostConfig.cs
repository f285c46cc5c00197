using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>
/// docker's <c>container.HostConfig</c> with its embedded <c>Resources</c> flattened in,
/// in docker's field order.
/// </summary>
public sealed record HostConfig
{
    public IReadOnlyList<string>? Binds { get; init; }
    public string ContainerIDFile { get; init; } = "";
    public LogConfig LogConfig { get; init; } = new();
    public string NetworkMode { get; init; } = "";
    public IReadOnlyDictionary<string, IReadOnlyList<PortBinding>?>? PortBindings { get; init; }
    public RestartPolicy RestartPolicy { get; init; } = new();
    public bool AutoRemove { get; init; }
    public string VolumeDriver { get; init; } = "";
    public IReadOnlyList<string>? VolumesFrom { get; init; }
    /// <summary>[height, width]; docker always sends two numbers.</summary>
    public IReadOnlyList<long>? ConsoleSize { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
    public IReadOnlyList<string>? CapAdd { get; init; }
    public IReadOnlyList<string>? CapDrop { get; init; }
    public string CgroupnsMode { get; init; } = "";
    public IReadOnlyList<string>? Dns { get; init; }
    public IReadOnlyList<string>? DnsOptions { get; init; }
    public IReadOnlyList<string>? DnsSearch { get; init; }
    public IReadOnlyList<string>? ExtraHosts { get; init; }
    public IReadOnlyList<string>? GroupAdd { get; init; }
    public string IpcMode { get; init; } = "";
    public string Cgroup { get; init; } = "";
    public IReadOnlyList<string>? Links { get; init; }
    public int OomScoreAdj { get; init; }
    public string PidMode { get; init; } = "";
    public bool Privileged { get; init; }
    public bool PublishAllPorts { get; init; }
    public bool ReadonlyRootfs { get; init; }
    public IReadOnlyList<string>? SecurityOpt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? StorageOpt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Tmpfs { get; init; }
    public string UTSMode { get; init; } = "";
    public string UsernsMode { get; init; } = "";
    public long ShmSize { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Sysctls { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Runtime { get; init; }
    public string Isolation { get; init; } = "";

    // Resources (embedded in docker's struct).
    public long CpuShares { get; init; }
    public long Memory { get; init; }
    public long NanoCpus { get; init; }
    public string CgroupParent { get; init; } = "";
    public int BlkioWeight { get; init; }
    public IReadOnlyList<WeightDevice>? BlkioWeightDevice { get; init; }
    public IReadOnlyList<ThrottleDevice>? BlkioDeviceReadBps { get; init; }
    public IReadOnlyList<ThrottleDevice>? BlkioDeviceWriteBps { get; init; }
    public IReadOnlyList<ThrottleDevice>? BlkioDeviceReadIOps { get; init; }
    public IReadOnlyList<ThrottleDevice>? BlkioDeviceWriteIOps { get; init; }
    public long CpuPeriod { get; init; }
    public long CpuQuota { get; init; }
    public long CpuRealtimePeriod { get; init; }
    public long CpuRealtimeRuntime { get; init; }
    public string CpusetCpus { get; init; } = "";
    public string CpusetMems { get; init; } = "";
    public IReadOnlyList<DeviceMapping>? Devices { get; init; }
    public IReadOnlyList<string>? DeviceCgroupRules { get; init; }
    public IReadOnlyList<DeviceRequest>? DeviceRequests { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long KernelMemoryTCP { get; init; }
    public long MemoryReservation { get; init; }
    public long MemorySwap { get; init; }
    public long? MemorySwappiness { get; init; }
    public bool? OomKillDisable { get; init; }
    public long? PidsLimit { get; init; }
    public IReadOnlyList<Ulimit>? Ulimits { get; init; }
    public long CpuCount { get; init; }
    public long CpuPercent { get; init; }
    public ulong IOMaximumIOps { get; init; }
    public ulong IOMaximumBandwidth { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Mount>? Mounts { get; init; }
    public IReadOnlyList<string>? MaskedPaths { get; init; }
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Init { get; init; }
}

public sealed record LogConfig
{
    public string Type { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Config { get; init; }
}

public sealed record RestartPolicy
{
    /// <summary>"", "no", "always", "unless-stopped", "on-failure".</summary>
    public string Name { get; init; } = "";
    public int MaximumRetryCount { get; init; }
}

public sealed record PortBinding
{
    public string HostIp { get; init; } = "";
    public string HostPort { get; init; } = "";
}

public sealed record WeightDevice
{
    public string Path { get; init; } = "";
    public int Weight { get; init; }
}

public sealed record ThrottleDevice
{
    public string Path { get; init; } = "";
    public ulong Rate { get; init; }
}

public sealed record DeviceMapping
{
    public string PathOnHost { get; init; } = "";
    public string PathInContainer { get; init; } = "";
    public string CgroupPermissions { get; init; } = "";
}

public sealed record DeviceRequest
{
    public string Driver { get; init; } = "";
    public int Count { get; init; }
    public IReadOnlyList<string>? DeviceIDs { get; init; }
    public IReadOnlyList<IReadOnlyList<string>>? Capabilities { get; init; }
    public IReadOnlyDictionary<string, string>? Options { get; init; }
}

public sealed record Ulimit
{
    public string Name { get; init; } = "";
    public long Hard { get; init; }
    public long Soft { get; init; }
}

/// <summary>A mount requested in HostConfig.Mounts (the --mount flag).</summary>
public sealed record Mount
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ReadOnly { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Consistency { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BindOptions? BindOptions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VolumeOptions? VolumeOptions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImageOptions? ImageOptions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TmpfsOptions? TmpfsOptions { get; init; }
}

public sealed record BindOptions
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Propagation { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NonRecursive { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool CreateMountpoint { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ReadOnlyNonRecursive { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ReadOnlyForceRecursive { get; init; }
}

public sealed record VolumeOptions
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NoCopy { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Subpath { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MountDriver? DriverConfig { get; init; }
}

/// <summary>docker's <c>mount.Driver</c>: the volume driver and its options.</summary>
public sealed record MountDriver
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Options { get; init; }
}

/// <summary>Options of a <c>type=image</c> mount (API 1.48).</summary>
public sealed record ImageOptions
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Subpath { get; init; }
}

public sealed record TmpfsOptions
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long SizeBytes { get; init; }
    /// <summary>Go's <c>os.FileMode</c>, a uint32.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public uint Mode { get; init; }
}
