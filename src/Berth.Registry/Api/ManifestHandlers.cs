using System.Text.Json;
using Berth.Core.Digests;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>Manifests (by tag or digest), tag listing and the catalog.</summary>
public sealed class ManifestHandlers(RegistryStore store)
{
    private const int MaxManifestBytes = 4 << 20;
    private const string DefaultMediaType = "application/vnd.oci.image.manifest.v1+json";

    public async Task GetAsync(HttpContext context, string name, string reference)
    {
        var (digest, mediaType, bytes) = await store.GetManifestAsync(name, reference, context.RequestAborted);
        var response = context.Response;
        response.ContentType = mediaType;
        response.ContentLength = bytes.Length;
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.Headers.ETag = $"\"{digest}\"";
        if (context.Request.Method != "HEAD") await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public async Task PutAsync(HttpContext context, string name, string reference)
    {
        var bytes = await ReadBodyAsync(context.Request);
        var digest = Digest.Compute(bytes);
        string? tag = null;
        if (reference.Contains(':'))
        {
            if (!Digest.TryParse(reference, out var expected)) throw RegistryError.DigestInvalid($"invalid digest \"{reference}\"");
            if (expected != digest) throw RegistryError.DigestInvalid($"manifest digest is {digest}, not {expected}");
        }
        else if (RepositoryName.IsValidTag(reference)) tag = reference;
        else throw RegistryError.ManifestInvalid($"invalid tag \"{reference}\"");

        var mediaType = context.Request.ContentType;
        foreach (var (kind, referenced) in References(bytes, ref mediaType))
        {
            var known = kind == "manifest" ? store.ManifestExists(name, referenced) : store.BlobSize(name, referenced) is not null;
            if (!known) throw RegistryError.ManifestBlobUnknown(referenced.ToString());
        }
        await store.PutManifestAsync(name, digest, bytes, mediaType ?? DefaultMediaType, tag, context.RequestAborted);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = $"/v2/{name}/manifests/{digest}";
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        response.ContentLength = 0;
    }

    public Task TagsAsync(HttpContext context, string name)
    {
        if (!store.RepositoryExists(name)) throw RegistryError.NameUnknown(name);
        var page = Paginate(context, store.Tags(name), $"/v2/{name}/tags/list");
        return RegistryRouter.WriteJsonAsync(context.Response, new TagList(name, page), RegistryJsonContext.Default.TagList);
    }

    public Task CatalogAsync(HttpContext context)
    {
        var page = Paginate(context, store.Repositories(), "/v2/_catalog");
        return RegistryRouter.WriteJsonAsync(context.Response, new Catalog(page), RegistryJsonContext.Default.Catalog);
    }

    /// <summary>Entries after <c>last</c>, at most <c>n</c>; a Link header points at the next page.</summary>
    private static List<string> Paginate(HttpContext context, List<string> sorted, string path)
    {
        var query = context.Request.Query;
        var last = query["last"].FirstOrDefault();
        IEnumerable<string> rest = sorted;
        if (!string.IsNullOrEmpty(last)) rest = sorted.Where(s => string.CompareOrdinal(s, last) > 0);
        var remaining = rest.ToList();
        if (query["n"].FirstOrDefault() is not { } nText) return remaining;
        if (!int.TryParse(nText, out var n) || n < 0)
            throw new RegistryError(System.Net.HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID", $"invalid n \"{nText}\"");
        if (remaining.Count <= n) return remaining;
        var page = remaining.GetRange(0, n);
        if (page.Count > 0)
            context.Response.Headers.Link = $"<{path}?n={n}&last={Uri.EscapeDataString(page[^1])}>; rel=\"next\"";
        return page;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxManifestBytes) throw TooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxManifestBytes) throw TooLarge();
        }
        return buffer.ToArray();

        static RegistryError TooLarge() =>
            new(System.Net.HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID", $"manifests are limited to {MaxManifestBytes} bytes");
    }

    /// <summary>
    /// The blobs (config, layers) and child manifests (index entries) a manifest needs in the
    /// repository; the subject of a referrer is deliberately not required. Fills in the media type
    /// from the JSON when the request had no Content-Type.
    /// </summary>
    private static List<(string Kind, Digest Digest)> References(byte[] bytes, ref string? mediaType)
    {
        var found = new List<(string, Digest)>();
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw RegistryError.ManifestInvalid("manifest is not a JSON object");
            if (string.IsNullOrEmpty(mediaType) && root.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String)
                mediaType = mt.GetString();
            if (root.TryGetProperty("config", out var config)) found.Add(("blob", DescriptorDigest(config)));
            if (root.TryGetProperty("layers", out var layers)) found.AddRange(Descriptors(layers).Select(d => ("blob", d)));
            if (root.TryGetProperty("blobs", out var blobs)) found.AddRange(Descriptors(blobs).Select(d => ("blob", d)));
            if (root.TryGetProperty("manifests", out var manifests)) found.AddRange(Descriptors(manifests).Select(d => ("manifest", d)));
        }
        catch (JsonException e)
        {
            throw RegistryError.ManifestInvalid($"manifest is not valid JSON: {e.Message}");
        }
        return found;
    }

    private static IEnumerable<Digest> Descriptors(JsonElement array)
    {
        if (array.ValueKind != JsonValueKind.Array) throw RegistryError.ManifestInvalid("descriptor list is not an array");
        return array.EnumerateArray().Select(DescriptorDigest).ToList();
    }

    private static Digest DescriptorDigest(JsonElement descriptor)
    {
        if (descriptor.ValueKind != JsonValueKind.Object || !descriptor.TryGetProperty("digest", out var d) || d.ValueKind != JsonValueKind.String)
            throw RegistryError.ManifestInvalid("descriptor without a digest");
        return Digest.TryParse(d.GetString(), out var digest) ? digest : throw RegistryError.ManifestInvalid($"invalid descriptor digest \"{d.GetString()}\"");
    }
}
