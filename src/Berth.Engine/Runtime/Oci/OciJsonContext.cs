using System.Text.Json.Serialization;

namespace Berth.Engine.Runtime.Oci;

/// <summary>
/// Source-generated serialisation for config.json and for Docker's seccomp profile format
/// (NativeAOT: no reflection). Nulls are omitted, so optional spec members stay absent.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // Docker's profile files are hand-written: tolerate comments and trailing commas as Go's
    // decoder does not, but being lenient costs nothing and never changes meaning.
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(DockerSeccompProfile))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
