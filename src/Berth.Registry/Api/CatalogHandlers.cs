using Berth.Core.Distribution;
using Berth.Core.Oci;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>Listings: tags of a repository, the catalog, and the referrers of a manifest.</summary>
public sealed class CatalogHandlers(RegistryStore store)
{
    public async Task TagsAsync(HttpContext context, string name)
    {
        if (!await store.RepositoryExistsAsync(name, context.RequestAborted)) throw RegistryError.NameUnknown(name);
        var page = Paginate(context, await store.TagsAsync(name, context.RequestAborted), $"/v2/{name}/tags/list");
        await RegistryRouter.WriteJsonAsync(context.Response, new TagList(name, page), OciJsonContext.Default.TagList);
    }

    public async Task CatalogAsync(HttpContext context)
    {
        var page = Paginate(context, await store.RepositoriesAsync(context.RequestAborted), "/v2/_catalog");
        await RegistryRouter.WriteJsonAsync(context.Response, new Catalog(page), RegistryJsonContext.Default.Catalog);
    }

    /// <summary>
    /// GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;: always an OCI index (empty when nothing refers to
    /// the subject, which need not exist). Descriptors carry the referrer's artifact type and annotations.
    /// </summary>
    public async Task ReferrersAsync(HttpContext context, string name, string reference)
    {
        var subject = BlobHandlers.ParseDigest(reference);
        var filter = context.Request.Query["artifactType"].FirstOrDefault();
        var descriptors = new List<OciDescriptor>();
        foreach (var manifest in await store.ReferrersAsync(name, subject, context.RequestAborted))
        {
            if (RegistryStore.TryParse(manifest.Bytes) is not { } document) continue;
            var artifactType = document.EffectiveArtifactType;
            if (!string.IsNullOrEmpty(filter) && artifactType != filter) continue;
            descriptors.Add(new OciDescriptor
            {
                MediaType = manifest.MediaType,
                Digest = manifest.Digest.ToString(),
                Size = manifest.Bytes.Length,
                ArtifactType = artifactType,
                Annotations = document.Annotations is { Count: > 0 } annotations ? new Dictionary<string, string>(annotations) : null,
            });
        }
        if (!string.IsNullOrEmpty(filter)) context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        var index = new OciIndex { SchemaVersion = 2, MediaType = MediaTypes.OciIndex, Manifests = descriptors };
        await RegistryRouter.WriteJsonAsync(context.Response, index, OciJsonContext.Default.OciIndex, MediaTypes.OciIndex);
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
            throw new RegistryError(DistributionErrorCodes.PaginationNumberInvalid, $"invalid n \"{nText}\"");
        if (remaining.Count <= n) return remaining;
        var page = remaining.GetRange(0, n);
        if (page.Count > 0)
            context.Response.Headers.Link = $"<{path}?n={n}&last={Uri.EscapeDataString(page[^1])}>; rel=\"next\"";
        return page;
    }
}
