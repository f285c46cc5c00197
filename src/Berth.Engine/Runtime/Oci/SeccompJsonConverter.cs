using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Engine.Runtime.Oci;

/// <summary>
/// Writes linux.seccomp from a per-instance cache of its JSON. The default profile is ~400
/// syscall names and most of config.json; its RuntimeSeccomp instances are cached per
/// capability set (<see cref="SeccompProfiles"/>), so each is encoded once per process instead
/// of on every container start.
/// </summary>
internal sealed class SeccompJsonConverter : JsonConverter<RuntimeSeccomp>
{
    private static readonly ConditionalWeakTable<RuntimeSeccomp, byte[]> s_encoded = new();

    public override RuntimeSeccomp? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize(ref reader, SeccompJsonContext.Default.RuntimeSeccomp);

    public override void Write(Utf8JsonWriter writer, RuntimeSeccomp value, JsonSerializerOptions options)
    {
        var json = s_encoded.GetValue(value, static v => JsonSerializer.SerializeToUtf8Bytes(v, SeccompJsonContext.Default.RuntimeSeccomp));
        writer.WriteRawValue(json, skipInputValidation: true);
    }
}

/// <summary>Same settings as <see cref="OciJsonContext"/>, for the seccomp section on its own.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuntimeSeccomp))]
internal sealed partial class SeccompJsonContext : JsonSerializerContext;
