using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.EngineApi.Models;

namespace Berth.EngineApi.Serialization;

/// <summary>
/// Source-generated JSON metadata for every Engine API model (NativeAOT and trimming safe).
/// Property names are the C# names, which are docker's names; no naming policy.
/// Use <see cref="EngineJson.Context"/> rather than <see cref="Default"/>: it reads
/// case-insensitively like Go and does not escape non-ASCII text.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(JsonMessage))]
[JsonSerializable(typeof(SystemVersion))]
[JsonSerializable(typeof(SystemInfo))]
[JsonSerializable(typeof(AuthConfig))]
[JsonSerializable(typeof(AuthResponse))]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(ContainerCreateRequest))]
[JsonSerializable(typeof(ContainerCreateResponse))]
[JsonSerializable(typeof(ContainerWaitResponse))]
[JsonSerializable(typeof(ContainerInspectResponse))]
[JsonSerializable(typeof(ContainerSummary))]
[JsonSerializable(typeof(List<ContainerSummary>))]
[JsonSerializable(typeof(HostConfig))]
[JsonSerializable(typeof(NetworkingConfig))]
[JsonSerializable(typeof(ImageSummary))]
[JsonSerializable(typeof(List<ImageSummary>))]
[JsonSerializable(typeof(ImageInspectResponse))]
[JsonSerializable(typeof(HistoryResponseItem))]
[JsonSerializable(typeof(List<HistoryResponseItem>))]
[JsonSerializable(typeof(ImageDeleteResponseItem))]
[JsonSerializable(typeof(List<ImageDeleteResponseItem>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, bool>>))]
public sealed partial class EngineJsonContext : JsonSerializerContext
{
}

/// <summary>The shared options and context for Engine API JSON.</summary>
public static class EngineJson
{
    /// <summary>Go-like options: case-insensitive reads, relaxed escaping, compact output.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The context to pass to <see cref="JsonSerializer"/> (e.g. <c>EngineJson.Context.ContainerInspectResponse</c>).</summary>
    public static EngineJsonContext Context { get; } = new(Options);
}
