using System.Text.Json;
using Berth.Core.Digests;

namespace Berth.Registry.Storage;

/// <summary>A descriptor inside a manifest. <c>Foreign</c>: it has <c>urls</c>, so its blob may live elsewhere.</summary>
public sealed record ManifestDescriptor(string? MediaType, Digest Digest, long Size, bool Foreign);

/// <summary>
/// The parts of a manifest the registry acts on: what it references (validation, garbage
/// collection) and what describes it (referrers). Every other field is kept only in the stored
/// bytes, which are served exactly as they were pushed.
/// </summary>
public sealed record ManifestDocument(
    int SchemaVersion,
    string? MediaType,
    string? ArtifactType,
    bool IsIndex,
    ManifestDescriptor? Config,
    IReadOnlyList<ManifestDescriptor> Blobs,
    IReadOnlyList<ManifestDescriptor> Manifests,
    ManifestDescriptor? Subject,
    IReadOnlyDictionary<string, string>? Annotations)
{
    /// <summary>Parses and checks the shape; <see cref="FormatException"/> says what is wrong.</summary>
    public static ManifestDocument Parse(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("manifest is not a JSON object");
            var schemaVersion = root.TryGetProperty("schemaVersion", out var sv) && sv.ValueKind == JsonValueKind.Number && sv.TryGetInt32(out var v) ? v : 0;
            var mediaType = OptionalString(root, "mediaType");
            var isIndex = root.TryGetProperty("manifests", out _);
            return new ManifestDocument(
                schemaVersion,
                mediaType,
                OptionalString(root, "artifactType"),
                isIndex,
                root.TryGetProperty("config", out var config) ? Descriptor(config) : null,
                [.. DescriptorList(root, "layers"), .. DescriptorList(root, "blobs")],
                DescriptorList(root, "manifests"),
                root.TryGetProperty("subject", out var subject) ? Descriptor(subject) : null,
                ParseAnnotations(root));
        }
        catch (JsonException e)
        {
            throw new FormatException($"manifest is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // JsonDocument accepts a string with invalid UTF-8 and only fails when it is read.
            throw new FormatException($"manifest is not valid UTF-8 JSON: {e.Message}");
        }
    }

    /// <summary>The referrers API's artifact type: artifactType, else an image manifest's config media type.</summary>
    public string? EffectiveArtifactType => ArtifactType ?? (IsIndex ? null : Config?.MediaType);

    /// <summary>Every digest this manifest points at: blobs, child manifests and the subject.</summary>
    public IEnumerable<Digest> References()
    {
        if (Config is not null) yield return Config.Digest;
        foreach (var blob in Blobs) yield return blob.Digest;
        foreach (var child in Manifests) yield return child.Digest;
        if (Subject is not null) yield return Subject.Digest;
    }

    private static string? OptionalString(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"\"{property}\" is not a string");
    }

    private static List<ManifestDescriptor> DescriptorList(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out var array) || array.ValueKind == JsonValueKind.Null) return [];
        if (array.ValueKind != JsonValueKind.Array) throw new FormatException($"\"{property}\" is not an array");
        return array.EnumerateArray().Select(Descriptor).ToList();
    }

    private static ManifestDescriptor Descriptor(JsonElement descriptor)
    {
        if (descriptor.ValueKind != JsonValueKind.Object) throw new FormatException("descriptor is not an object");
        var digestText = OptionalString(descriptor, "digest");
        if (!RegistryDigests.TryParse(digestText, out var digest)) throw new FormatException($"invalid or unsupported descriptor digest \"{digestText}\"");
        long size = 0;
        if (descriptor.TryGetProperty("size", out var s) && (s.ValueKind != JsonValueKind.Number || !s.TryGetInt64(out size) || size < 0))
            throw new FormatException($"invalid size for descriptor {digest}");
        var foreign = descriptor.TryGetProperty("urls", out var urls) && urls.ValueKind == JsonValueKind.Array && urls.GetArrayLength() > 0;
        return new ManifestDescriptor(OptionalString(descriptor, "mediaType"), digest, size, foreign);
    }

    private static Dictionary<string, string>? ParseAnnotations(JsonElement root)
    {
        if (!root.TryGetProperty("annotations", out var annotations) || annotations.ValueKind == JsonValueKind.Null) return null;
        if (annotations.ValueKind != JsonValueKind.Object) throw new FormatException("\"annotations\" is not an object");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in annotations.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String) throw new FormatException($"annotation \"{entry.Name}\" is not a string");
            result[entry.Name] = entry.Value.GetString()!;
        }
        return result;
    }
}
