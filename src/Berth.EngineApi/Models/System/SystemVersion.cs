using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>GET /version.</summary>
public sealed record SystemVersion
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PlatformName? Platform { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ComponentVersion>? Components { get; init; }
    public string Version { get; init; } = "";
    public string ApiVersion { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MinAPIVersion { get; init; }
    public string GitCommit { get; init; } = "";
    public string GoVersion { get; init; } = "";
    public string Os { get; init; } = "";
    public string Arch { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? KernelVersion { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Experimental { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BuildTime { get; init; }
}

public sealed record PlatformName
{
    public string Name { get; init; } = "";
}

public sealed record ComponentVersion
{
    public string Name { get; init; } = "";
    public string Version { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Details { get; init; }
}
