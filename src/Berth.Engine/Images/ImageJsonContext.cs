using System.Text.Json.Serialization;
using Berth.Core.Oci;
using Berth.Engine.Images.Archive;

namespace Berth.Engine.Images;

/// <summary>
/// Source-generated JSON for everything the image service reads and writes (NativeAOT: no
/// reflection). Case-insensitive reads follow Go's encoding/json, which produced most of these
/// documents; nulls are omitted unless a member says otherwise, like Go's omitempty.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ImageConfigFile))]
[JsonSerializable(typeof(List<DockerArchiveManifestEntry>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
[JsonSerializable(typeof(LegacyLayerJson))]
[JsonSerializable(typeof(OciIndex))]
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciLayoutFile))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class ImageJsonContext : JsonSerializerContext;
