using Berth.Core.Oci;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>What a pushed manifest must satisfy before it is stored (distribution's checks).</summary>
public static class ManifestValidator
{
    // Content-Types that say nothing about which manifest this is.
    private static readonly string[] GenericTypes = ["application/json", "application/octet-stream", "text/plain"];

    /// <summary>
    /// The media type the manifest is served with: its own mediaType field, else the PUT's
    /// Content-Type, else inferred (an index has "manifests"). A body that names a known manifest
    /// type other than the one in Content-Type is refused, as distribution does.
    /// </summary>
    public static string MediaType(ManifestDocument document, string? contentType)
    {
        if (document.SchemaVersion != 2)
            throw RegistryError.ManifestInvalid("only schemaVersion 2 manifests are supported (Docker schema 1 is not)");
        var declared = contentType?.Split(';')[0].Trim();
        if (string.IsNullOrEmpty(declared) || GenericTypes.Contains(declared, StringComparer.OrdinalIgnoreCase)) declared = null;
        if (document.MediaType is { } own)
        {
            if (declared is not null && declared != own && (IsKnown(declared) || IsKnown(own)))
                throw RegistryError.ManifestInvalid($"manifest mediaType \"{own}\" does not match Content-Type \"{declared}\"");
            return own;
        }
        return declared ?? (document.IsIndex ? MediaTypes.OciIndex : MediaTypes.OciManifest);
    }

    /// <summary>
    /// Config and layers must be blobs of this repository, an index's children manifests of it.
    /// Layers with urls (non-distributable) may live elsewhere, and a subject need not exist yet
    /// (referrers may be pushed before what they refer to).
    /// </summary>
    public static async Task CheckReferencesAsync(RegistryStore store, string name, ManifestDocument document, string mediaType, CancellationToken cancellationToken)
    {
        var isIndex = document.IsIndex || MediaTypes.IsIndex(mediaType);
        if (isIndex && (document.Config is not null || document.Blobs.Count > 0) && MediaTypes.IsIndex(mediaType))
            throw RegistryError.ManifestInvalid("an index has no config or layers");
        if (!isIndex && MediaTypes.IsImageManifest(mediaType) && document.Config is null)
            throw RegistryError.ManifestInvalid("an image manifest needs a config descriptor");
        if (document.Config is { } config && await store.BlobSizeAsync(name, config.Digest, cancellationToken) is null)
            throw RegistryError.ManifestBlobUnknown(config.Digest.ToString());
        foreach (var blob in document.Blobs)
        {
            if (!blob.Foreign && await store.BlobSizeAsync(name, blob.Digest, cancellationToken) is null)
                throw RegistryError.ManifestBlobUnknown(blob.Digest.ToString());
        }
        foreach (var child in document.Manifests)
        {
            if (!await store.ManifestExistsAsync(name, child.Digest, cancellationToken))
                throw RegistryError.ManifestBlobUnknown(child.Digest.ToString());
        }
    }

    private static bool IsKnown(string mediaType) =>
        MediaTypes.IsImageManifest(mediaType) || MediaTypes.IsIndex(mediaType);
}
