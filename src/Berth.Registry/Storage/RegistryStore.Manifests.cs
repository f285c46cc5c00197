using System.Text;
using Berth.Core.Digests;

namespace Berth.Registry.Storage;

/// <summary>A manifest as stored: its digest, the media type it is served with, and its exact bytes.</summary>
public sealed record StoredManifest(Digest Digest, string MediaType, byte[] Bytes);

public sealed partial class RegistryStore
{
    /// <summary>
    /// Stores a manifest whose bytes the caller already hashed to <paramref name="digest"/>. The
    /// revision link is written after the content and the referrer link, so a visible revision is
    /// always complete; tags come last.
    /// </summary>
    public async Task PutManifestAsync(string name, StoredManifest manifest, Digest? subject, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var blob = StoragePaths.Blob(manifest.Digest);
        if (await Driver.StatAsync(blob, cancellationToken) is null)
            await Driver.PutContentAsync(blob, manifest.Bytes, cancellationToken);
        if (subject is { } s)
            await Driver.PutContentAsync(StoragePaths.Referrer(name, s, manifest.Digest), ReadOnlyMemory<byte>.Empty, cancellationToken);
        await Driver.PutContentAsync(StoragePaths.Revision(name, manifest.Digest), Encoding.UTF8.GetBytes(manifest.MediaType), cancellationToken);
        foreach (var tag in tags)
            await Driver.PutContentAsync(StoragePaths.Tag(name, tag), Encoding.UTF8.GetBytes(manifest.Digest.ToString()), cancellationToken);
    }

    public async Task<bool> ManifestExistsAsync(string name, Digest digest, CancellationToken cancellationToken) =>
        await Driver.StatAsync(StoragePaths.Revision(name, digest), cancellationToken) is not null
        && await Driver.StatAsync(StoragePaths.Blob(digest), cancellationToken) is not null;

    /// <summary>The manifest if <paramref name="name"/> has that revision; null otherwise.</summary>
    public async Task<StoredManifest?> GetManifestAsync(string name, Digest digest, CancellationToken cancellationToken)
    {
        var mediaType = await Driver.GetContentAsync(StoragePaths.Revision(name, digest), cancellationToken);
        if (mediaType is null) return null;
        var bytes = await Driver.GetContentAsync(StoragePaths.Blob(digest), cancellationToken);
        return bytes is null ? null : new StoredManifest(digest, Encoding.UTF8.GetString(mediaType), bytes);
    }

    /// <summary>The digest a (valid) tag points at, or null.</summary>
    public async Task<Digest?> ResolveTagAsync(string name, string tag, CancellationToken cancellationToken)
    {
        var content = await Driver.GetContentAsync(StoragePaths.Tag(name, tag), cancellationToken);
        return content is not null && RegistryDigests.TryParse(Encoding.UTF8.GetString(content).Trim(), out var digest) ? digest : null;
    }

    public async Task<bool> DeleteTagAsync(string name, string tag, CancellationToken cancellationToken)
    {
        var path = StoragePaths.Tag(name, tag);
        if (await Driver.StatAsync(path, cancellationToken) is null) return false;
        await Driver.DeleteAsync(path, cancellationToken);
        return true;
    }

    /// <summary>
    /// Deletes a revision from the repository, every tag pointing at it (as distribution does) and
    /// its referrer link. The bytes stay in content/ until garbage collection. False if absent.
    /// </summary>
    public async Task<bool> DeleteManifestAsync(string name, Digest digest, CancellationToken cancellationToken)
    {
        var manifest = await GetManifestAsync(name, digest, cancellationToken);
        if (manifest is null) return false;
        // The revision link goes first: that alone makes the manifest invisible at once.
        await Driver.DeleteAsync(StoragePaths.Revision(name, digest), cancellationToken);
        foreach (var (tag, target) in await TagTargetsAsync(name, cancellationToken))
            if (target == digest) await Driver.DeleteAsync(StoragePaths.Tag(name, tag), cancellationToken);
        if (TryParse(manifest.Bytes)?.Subject is { } subject)
            await Driver.DeleteAsync(StoragePaths.Referrer(name, subject.Digest, digest), cancellationToken);
        return true;
    }

    public async Task<List<string>> TagsAsync(string name, CancellationToken cancellationToken)
    {
        var tags = (await Driver.ListAsync(StoragePaths.Tags(name), cancellationToken)).Where(RepositoryName.IsValidTag).ToList();
        tags.Sort(StringComparer.Ordinal);
        return tags;
    }

    public async Task<List<(string Tag, Digest Digest)>> TagTargetsAsync(string name, CancellationToken cancellationToken)
    {
        var result = new List<(string, Digest)>();
        foreach (var tag in await TagsAsync(name, cancellationToken))
            if (await ResolveTagAsync(name, tag, cancellationToken) is { } digest) result.Add((tag, digest));
        return result;
    }

    /// <summary>Every manifest revision linked in the repository.</summary>
    public async Task<List<Digest>> RevisionsAsync(string name, CancellationToken cancellationToken) =>
        (await Driver.ListAsync(StoragePaths.Revisions(name), cancellationToken)).Select(ParseHex).OfType<Digest>().ToList();

    /// <summary>The manifests in <paramref name="name"/> whose subject is <paramref name="subject"/>, sorted by digest.</summary>
    public async Task<List<StoredManifest>> ReferrersAsync(string name, Digest subject, CancellationToken cancellationToken)
    {
        var result = new List<StoredManifest>();
        foreach (var entry in await Driver.ListAsync(StoragePaths.Referrers(name, subject), cancellationToken))
        {
            // A link whose revision was deleted (or never completed) is skipped, not served.
            if (ParseHex(entry) is { } digest && await GetManifestAsync(name, digest, cancellationToken) is { } manifest)
                result.Add(manifest);
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Digest.Hex, b.Digest.Hex));
        return result;
    }

    internal static ManifestDocument? TryParse(byte[] bytes)
    {
        try
        {
            return ManifestDocument.Parse(bytes);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    internal static Digest? ParseHex(string hex) => RegistryDigests.FromHex(hex);
}
