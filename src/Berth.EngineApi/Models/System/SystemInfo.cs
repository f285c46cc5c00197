using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>GET /info: the subset of docker's fields Berth fills (and the CLI prints).</summary>
public sealed record SystemInfo
{
    public string ID { get; init; } = "";
    public int Containers { get; init; }
    public int ContainersRunning { get; init; }
    public int ContainersPaused { get; init; }
    public int ContainersStopped { get; init; }
    public int Images { get; init; }
    public string Driver { get; init; } = "";
    /// <summary>Pairs of [name, value], e.g. [["Backing Filesystem","extfs"]].</summary>
    public IReadOnlyList<IReadOnlyList<string>>? DriverStatus { get; init; }
    public string DockerRootDir { get; init; } = "";
    public PluginsInfo Plugins { get; init; } = new();
    public bool MemoryLimit { get; init; }
    public bool SwapLimit { get; init; }
    public bool KernelMemoryTCP { get; init; }
    public bool CpuCfsPeriod { get; init; }
    public bool CpuCfsQuota { get; init; }
    public bool CPUShares { get; init; }
    public bool CPUSet { get; init; }
    public bool PidsLimit { get; init; }
    public bool OomKillDisable { get; init; }
    public bool IPv4Forwarding { get; init; }
    public bool BridgeNfIptables { get; init; }
    public bool BridgeNfIp6tables { get; init; }
    public bool Debug { get; init; }
    public int NFd { get; init; }
    public int NGoroutines { get; init; }
    public string SystemTime { get; init; } = "";
    public string LoggingDriver { get; init; } = "";
    public string CgroupDriver { get; init; } = "";
    public string CgroupVersion { get; init; } = "";
    public int NEventsListener { get; init; }
    public string KernelVersion { get; init; } = "";
    public string OperatingSystem { get; init; } = "";
    public string OSVersion { get; init; } = "";
    public string OSType { get; init; } = "";
    public string Architecture { get; init; } = "";
    public int NCPU { get; init; }
    public long MemTotal { get; init; }
    public string IndexServerAddress { get; init; } = "";
    public RegistryServiceConfig? RegistryConfig { get; init; }
    public string HttpProxy { get; init; } = "";
    public string HttpsProxy { get; init; } = "";
    public string NoProxy { get; init; } = "";
    public string Name { get; init; } = "";
    public IReadOnlyList<string>? Labels { get; init; }
    public bool ExperimentalBuild { get; init; }
    public string ServerVersion { get; init; } = "";
    public IReadOnlyDictionary<string, RuntimeInfo>? Runtimes { get; init; }
    public string DefaultRuntime { get; init; } = "";
    public SwarmInfo Swarm { get; init; } = new();
    public bool LiveRestoreEnabled { get; init; }
    public string Isolation { get; init; } = "";
    public string InitBinary { get; init; } = "";
    public CommitInfo ContainerdCommit { get; init; } = new();
    public CommitInfo RuncCommit { get; init; } = new();
    public CommitInfo InitCommit { get; init; } = new();
    public IReadOnlyList<string>? SecurityOptions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProductLicense { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? CDISpecDirs { get; init; }
    public IReadOnlyList<string>? Warnings { get; init; }
}

public sealed record PluginsInfo
{
    public IReadOnlyList<string>? Volume { get; init; }
    public IReadOnlyList<string>? Network { get; init; }
    public IReadOnlyList<string>? Authorization { get; init; }
    public IReadOnlyList<string>? Log { get; init; }
}

public sealed record RegistryServiceConfig
{
    public IReadOnlyList<string>? InsecureRegistryCIDRs { get; init; }
    public IReadOnlyDictionary<string, IndexInfo>? IndexConfigs { get; init; }
    public IReadOnlyList<string>? Mirrors { get; init; }
}

public sealed record IndexInfo
{
    public string Name { get; init; } = "";
    public IReadOnlyList<string>? Mirrors { get; init; }
    public bool Secure { get; init; }
    public bool Official { get; init; }
}

public sealed record RuntimeInfo
{
    [JsonPropertyName("path")] public string Path { get; init; } = "";
    [JsonPropertyName("runtimeArgs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? RuntimeArgs { get; init; }
}

public sealed record SwarmInfo
{
    public string NodeID { get; init; } = "";
    public string NodeAddr { get; init; } = "";
    /// <summary>"inactive" unless swarm mode (which Berth does not do).</summary>
    public string LocalNodeState { get; init; } = "inactive";
    public bool ControlAvailable { get; init; }
    public string Error { get; init; } = "";
    public IReadOnlyList<PeerNode>? RemoteManagers { get; init; }
}

public sealed record PeerNode
{
    public string NodeID { get; init; } = "";
    public string Addr { get; init; } = "";
}

public sealed record CommitInfo
{
    public string ID { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Expected { get; init; }
}
