using System.Text.Json.Serialization;

namespace Berth.Engine.Images.Archive;

/// <summary>One entry of a docker-archive manifest.json (docker image spec v1.2, "Combined Image JSON + Filesystem Changeset Format").</summary>
public sealed class DockerArchiveManifestEntry
{
    public string Config { get; set; } = "";
    public List<string>? RepoTags { get; set; }
    public List<string> Layers { get; set; } = [];
}

/// <summary>The legacy per-layer "json" file of docker-archive, kept for pre-1.10 loaders.</summary>
public sealed class LegacyLayerJson
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("parent")] public string? Parent { get; set; }
    [JsonPropertyName("created"), JsonConverter(typeof(Rfc3339NanoConverter))] public DateTimeOffset? Created { get; set; }
    [JsonPropertyName("architecture")] public string? Architecture { get; set; }
    [JsonPropertyName("os")] public string? Os { get; set; }
    [JsonPropertyName("config")] public ContainerConfig? Config { get; set; }
}

/// <summary>The oci-layout file of an OCI image layout (image-spec image-layout.md).</summary>
public sealed class OciLayoutFile
{
    [JsonPropertyName("imageLayoutVersion")] public string ImageLayoutVersion { get; set; } = "1.0.0";
}
