using System.Text.Json.Serialization;
using Berth.Core.Distribution;

namespace Berth.Core.Oci;

/// <summary>
/// Source-generated JSON (NativeAOT: no reflection) for the OCI documents and the distribution API's
/// bodies, shared by the engine's registry client and berth-registry. Reads are case-insensitive,
/// like Go's encoding/json that wrote most of them; nulls are not written.
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciIndex))]
[JsonSerializable(typeof(DistributionErrors))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(TokenResponse))]
public sealed partial class OciJsonContext : JsonSerializerContext;
