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

/// <summary>Source-generated (NativeAOT-safe) serialization of every body the registry writes.</summary>
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(Catalog))]
public sealed partial class RegistryJsonContext : JsonSerializerContext;
