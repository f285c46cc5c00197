using System.Text.Json.Serialization;

namespace Berth.Core.Distribution;

/// <summary>GET /v2/NAME/tags/list's body: <c>{"name":"…","tags":["…"]}</c> (some registries send <c>"tags":null</c>).</summary>
public sealed record TagList(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("tags")] List<string>? Tags);
