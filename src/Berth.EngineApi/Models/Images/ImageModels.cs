using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>One element of GET /images/json.</summary>
public sealed record ImageSummary
{
    public long Containers { get; init; } = -1;
    /// <summary>Unix seconds.</summary>
    public long Created { get; init; }
    public string Id { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public string ParentId { get; init; } = "";
    public IReadOnlyList<string>? RepoDigests { get; init; }
    public IReadOnlyList<string>? RepoTags { get; init; }
    public long SharedSize { get; init; } = -1;
    public long Size { get; init; }
    /// <summary>Deprecated (removed in API 1.44); sent only to older clients.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? VirtualSize { get; init; }
}

/// <summary>GET /images/{name}/json.</summary>
public sealed record ImageInspectResponse
{
    public string Id { get; init; } = "";
    public IReadOnlyList<string>? RepoTags { get; init; }
    public IReadOnlyList<string>? RepoDigests { get; init; }
    public string Parent { get; init; } = "";
    public string Comment { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Created { get; init; }
    public string DockerVersion { get; init; } = "";
    public string Author { get; init; } = "";
    public ContainerConfig? Config { get; init; }
    public string Architecture { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; init; }
    public string Os { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OsVersion { get; init; }
    public long Size { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? VirtualSize { get; init; }
    public GraphDriverData GraphDriver { get; init; } = new();
    public RootFS RootFS { get; init; } = new();
    public ImageMetadata Metadata { get; init; } = new();
}

public sealed record RootFS
{
    public string Type { get; init; } = "layers";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Layers { get; init; }
}

public sealed record ImageMetadata
{
    /// <summary>RFC 3339 nano; omitted when the image was never tagged.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LastTagTime { get; init; }
}

/// <summary>One element of GET /images/{name}/history, newest first.</summary>
public sealed record HistoryResponseItem
{
    /// <summary>Image ID, or "&lt;missing&gt;" for layers without an image of their own.</summary>
    public string Id { get; init; } = "";
    public long Created { get; init; }
    public string CreatedBy { get; init; } = "";
    public IReadOnlyList<string>? Tags { get; init; }
    public long Size { get; init; }
    public string Comment { get; init; } = "";
}

/// <summary>One element of DELETE /images/{name}: exactly one of the two is set.</summary>
public sealed record ImageDeleteResponseItem
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Untagged { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Deleted { get; init; }
}
