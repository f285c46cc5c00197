using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>One element of GET /containers/json (ps).</summary>
public sealed record ContainerSummary
{
    public string Id { get; init; } = "";
    /// <summary>Names with their leading slash ("/name"), links included.</summary>
    public IReadOnlyList<string>? Names { get; init; }
    public string Image { get; init; } = "";
    public string ImageID { get; init; } = "";
    /// <summary>Path and args joined the way docker shows them (args with spaces single-quoted).</summary>
    public string Command { get; init; } = "";
    /// <summary>Unix seconds.</summary>
    public long Created { get; init; }
    public IReadOnlyList<Port> Ports { get; init; } = [];
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long SizeRw { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long SizeRootFs { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public string State { get; init; } = "";
    /// <summary>Human text: "Up 3 seconds", "Exited (0) 2 minutes ago", "Created".</summary>
    public string Status { get; init; } = "";
    public ContainerSummaryHostConfig HostConfig { get; init; } = new();
    public ContainerSummaryNetworkSettings? NetworkSettings { get; init; }
    public IReadOnlyList<MountPoint>? Mounts { get; init; }
}

public sealed record ContainerSummaryHostConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NetworkMode { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

public sealed record ContainerSummaryNetworkSettings
{
    public IReadOnlyDictionary<string, EndpointSettings>? Networks { get; init; }
}

/// <summary>A published or exposed port in ps output.</summary>
public sealed record Port
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IP { get; init; }
    public int PrivatePort { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int PublicPort { get; init; }
    public string Type { get; init; } = "";
}
