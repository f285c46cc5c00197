using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>GET /containers/{id}/json, fields in docker's order.</summary>
public sealed record ContainerInspectResponse
{
    public string Id { get; init; } = "";
    /// <summary>RFC 3339 with nanoseconds (see <see cref="Serialization.DockerTime"/>).</summary>
    public string Created { get; init; } = "";
    public string Path { get; init; } = "";
    public IReadOnlyList<string>? Args { get; init; }
    public ContainerState? State { get; init; }
    public string Image { get; init; } = "";
    public string ResolvConfPath { get; init; } = "";
    public string HostnamePath { get; init; } = "";
    public string HostsPath { get; init; } = "";
    public string LogPath { get; init; } = "";
    /// <summary>With the leading slash: "/name".</summary>
    public string Name { get; init; } = "";
    public int RestartCount { get; init; }
    public string Driver { get; init; } = "";
    public string Platform { get; init; } = "";
    public string MountLabel { get; init; } = "";
    public string ProcessLabel { get; init; } = "";
    public string AppArmorProfile { get; init; } = "";
    public IReadOnlyList<string>? ExecIDs { get; init; }
    public HostConfig? HostConfig { get; init; }
    public GraphDriverData GraphDriver { get; init; } = new();
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeRw { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeRootFs { get; init; }
    public IReadOnlyList<MountPoint>? Mounts { get; init; }
    public ContainerConfig? Config { get; init; }
    public NetworkSettings? NetworkSettings { get; init; }
}

public sealed record ContainerState
{
    /// <summary>"created", "running", "paused", "restarting", "removing", "exited" or "dead".</summary>
    public string Status { get; init; } = "";
    public bool Running { get; init; }
    public bool Paused { get; init; }
    public bool Restarting { get; init; }
    public bool OOMKilled { get; init; }
    public bool Dead { get; init; }
    public int Pid { get; init; }
    public int ExitCode { get; init; }
    public string Error { get; init; } = "";
    /// <summary>RFC 3339 nano; "0001-01-01T00:00:00Z" when never started.</summary>
    public string StartedAt { get; init; } = Serialization.DockerTime.Zero;
    public string FinishedAt { get; init; } = Serialization.DockerTime.Zero;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Health? Health { get; init; }
}

public sealed record Health
{
    public string Status { get; init; } = "";
    public int FailingStreak { get; init; }
    public IReadOnlyList<HealthcheckResult>? Log { get; init; }
}

public sealed record HealthcheckResult
{
    public string Start { get; init; } = "";
    public string End { get; init; } = "";
    public int ExitCode { get; init; }
    public string Output { get; init; } = "";
}

/// <summary>A mount as reported by inspect and ps.</summary>
public sealed record MountPoint
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }
    public string Source { get; init; } = "";
    public string Destination { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Driver { get; init; }
    public string Mode { get; init; } = "";
    public bool RW { get; init; }
    public string Propagation { get; init; } = "";
}

public sealed record NetworkSettings
{
    public string Bridge { get; init; } = "";
    public string SandboxID { get; init; } = "";
    public string SandboxKey { get; init; } = "";
    public IReadOnlyDictionary<string, IReadOnlyList<PortBinding>?>? Ports { get; init; }
    public bool HairpinMode { get; init; }
    public string LinkLocalIPv6Address { get; init; } = "";
    public int LinkLocalIPv6PrefixLen { get; init; }
    public IReadOnlyList<NetworkAddress>? SecondaryIPAddresses { get; init; }
    public IReadOnlyList<NetworkAddress>? SecondaryIPv6Addresses { get; init; }
    public string EndpointID { get; init; } = "";
    public string Gateway { get; init; } = "";
    public string GlobalIPv6Address { get; init; } = "";
    public int GlobalIPv6PrefixLen { get; init; }
    public string IPAddress { get; init; } = "";
    public int IPPrefixLen { get; init; }
    public string IPv6Gateway { get; init; } = "";
    public string MacAddress { get; init; } = "";
    public IReadOnlyDictionary<string, EndpointSettings>? Networks { get; init; }
}

public sealed record NetworkAddress
{
    public string Addr { get; init; } = "";
    public int PrefixLen { get; init; }
}

/// <summary>A container's endpoint on one network.</summary>
public sealed record EndpointSettings
{
    public EndpointIpamConfig? IPAMConfig { get; init; }
    public IReadOnlyList<string>? Links { get; init; }
    public IReadOnlyList<string>? Aliases { get; init; }
    public string MacAddress { get; init; } = "";
    public IReadOnlyDictionary<string, string>? DriverOpts { get; init; }
    public string NetworkID { get; init; } = "";
    public string EndpointID { get; init; } = "";
    public string Gateway { get; init; } = "";
    public string IPAddress { get; init; } = "";
    public int IPPrefixLen { get; init; }
    public string IPv6Gateway { get; init; } = "";
    public string GlobalIPv6Address { get; init; } = "";
    public int GlobalIPv6PrefixLen { get; init; }
    public IReadOnlyList<string>? DNSNames { get; init; }
}

public sealed record EndpointIpamConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IPv4Address { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IPv6Address { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? LinkLocalIPs { get; init; }
}
