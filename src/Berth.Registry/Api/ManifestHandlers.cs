using Berth.Core.Distribution;
using Berth.Core.Digests;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>Manifests by tag or digest: GET/HEAD, PUT (validated, stored byte for byte) and DELETE.</summary>
public sealed class ManifestHandlers(RegistryStore store, RegistryApiOptions options)
{
    public async Task GetAsync(HttpContext context, string name, string reference)
    {
        var manifest = await ResolveAsync(name, reference, context.RequestAborted);
        var response = context.Response;
        var etag = $"\"{manifest.Digest}\"";
        response.Headers["Docker-Content-Digest"] = manifest.Digest.ToString();
        response.Headers.ETag = etag;
        // Like distribution 2.8 (with schema1 gone), what was pushed is served whatever the Accept
        // header lists: converting would change the digest the client asked for.
        response.ContentType = manifest.MediaType;
        if (context.Request.Headers.IfNoneMatch.Any(v => v == etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.ContentLength = manifest.Bytes.Length;
        if (context.Request.Method != "HEAD") await response.Body.WriteAsync(manifest.Bytes, context.RequestAborted);
    }

    public async Task PutAsync(HttpContext context, string name, string reference)
    {
        var cancel = context.RequestAborted;
        var tags = new List<string>();
        Digest? expected = null;
        if (reference.Contains(':')) expected = BlobHandlers.ParseDigest(reference);
        else if (RepositoryName.IsValidTag(reference)) tags.Add(reference);
        else throw RegistryError.TagInvalid(reference);
        // Push by digest with ?tag=… (distribution-spec 1.1+dev): every tag given is applied.
        foreach (var extra in context.Request.Query["tag"])
        {
            if (extra is null || !RepositoryName.IsValidTag(extra)) throw RegistryError.TagInvalid(extra ?? "");
            if (!tags.Contains(extra)) tags.Add(extra);
        }

        var bytes = await ReadBodyAsync(context.Request, options.MaxManifestBytes);
        // Pushed by a sha512 digest, the manifest is stored under its sha512; by tag, under sha256.
        var digest = RegistryDigests.Compute(expected?.Algorithm ?? Digest.Sha256Algorithm, bytes);
        if (expected is { } e && e != digest) throw RegistryError.DigestInvalid($"manifest digest is {digest}, not {e}");
        ManifestDocument document;
        try
        {
            document = ManifestDocument.Parse(bytes);
        }
        catch (FormatException error)
        {
            throw RegistryError.ManifestInvalid(error.Message);
        }
        var mediaType = ManifestValidator.MediaType(document, context.Request.ContentType);
        await ManifestValidator.CheckReferencesAsync(store, name, document, mediaType, cancel);

        await store.PutManifestAsync(name, new StoredManifest(digest, mediaType, bytes), document.Subject?.Digest, tags, cancel);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = $"/v2/{name}/manifests/{digest}";
        response.Headers["Docker-Content-Digest"] = digest.ToString();
        // OCI-Subject tells the client this registry indexes referrers itself (no fallback tag needed).
        if (document.Subject is { } subject) response.Headers["OCI-Subject"] = subject.Digest.ToString();
        if (context.Request.Query.ContainsKey("tag")) response.Headers["OCI-Tag"] = tags.ToArray();
        response.ContentLength = 0;
    }

    /// <summary>By digest: the revision (and its tags) leave the repository. By tag: only the tag.</summary>
    public async Task DeleteAsync(HttpContext context, string name, string reference)
    {
        if (!options.DeleteEnabled) throw RegistryError.Unsupported("deletes are disabled on this registry");
        var cancel = context.RequestAborted;
        bool deleted;
        if (reference.Contains(':')) deleted = await store.DeleteManifestAsync(name, BlobHandlers.ParseDigest(reference), cancel);
        else deleted = RepositoryName.IsValidTag(reference) && await store.DeleteTagAsync(name, reference, cancel);
        if (!deleted) throw RegistryError.ManifestUnknown(reference);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
    }

    /// <summary>A tag or digest to the stored manifest; an invalid tag is simply unknown (404), as the suite expects.</summary>
    private async Task<StoredManifest> ResolveAsync(string name, string reference, CancellationToken cancellationToken)
    {
        Digest? digest = reference.Contains(':')
            ? BlobHandlers.ParseDigest(reference)
            : RepositoryName.IsValidTag(reference) ? await store.ResolveTagAsync(name, reference, cancellationToken) : null;
        return digest is { } d && await store.GetManifestAsync(name, d, cancellationToken) is { } manifest
            ? manifest
            : throw RegistryError.ManifestUnknown(reference);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit) throw TooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) throw TooLarge();
        }
        return buffer.ToArray();

        RegistryError TooLarge() =>
            new(DistributionErrorCodes.SizeInvalid, $"manifests are limited to {limit} bytes", status: System.Net.HttpStatusCode.RequestEntityTooLarge);
    }
}
