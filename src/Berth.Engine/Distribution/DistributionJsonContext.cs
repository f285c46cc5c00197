using System.Text.Json.Serialization;
using Berth.Engine.Distribution.Auth;
using Berth.Engine.Distribution.Transport;
using Berth.Engine.Images.Archive;

namespace Berth.Engine.Distribution;

/// <summary>Source-generated JSON for registry documents: token replies, error bodies, manifests and indexes.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(RegistryErrorBody))]
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciIndex))]
[JsonSerializable(typeof(TagList))]
internal sealed partial class DistributionJsonContext : JsonSerializerContext;
