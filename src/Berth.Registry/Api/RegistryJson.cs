using System.Text.Json.Serialization;

namespace Berth.Registry.Api;

public sealed record Catalog([property: JsonPropertyName("repositories")] List<string> Repositories);

/// <summary>
/// Source-generated (NativeAOT-safe) serialization of the one body only the registry writes, the
/// catalog; error bodies, tag lists and referrers indexes go through <see cref="Berth.Core.Oci.OciJsonContext"/>.
/// </summary>
[JsonSerializable(typeof(Catalog))]
public sealed partial class RegistryJsonContext : JsonSerializerContext;
