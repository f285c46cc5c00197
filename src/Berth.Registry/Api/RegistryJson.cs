using System.Text.Json.Serialization;

namespace Berth.Registry.Api;

public sealed record ErrorEntry(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("detail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, string>? Detail);

public sealed record ErrorResponse([property: JsonPropertyName("errors")] List<ErrorEntry> Errors);

public sealed record TagList(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tags")] List<string> Tags);

public sealed record Catalog([property: JsonPropertyName("repositories")] List<string> Repositories);

/// <summary>A descriptor in a referrers response: the referrer manifest as the client would fetch it.</summary>
public sealed record ReferrerDescriptor(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("artifactType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ArtifactType,
    [property: JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, string>? Annotations);

/// <summary>The referrers API answers with an OCI image index.</summary>
public sealed record ReferrersIndex(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("manifests")] List<ReferrerDescriptor> Manifests);

/// <summary>Source-generated (NativeAOT-safe) serialization of every body the registry writes.</summary>
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(Catalog))]
[JsonSerializable(typeof(ReferrersIndex))]
public sealed partial class RegistryJsonContext : JsonSerializerContext;
