using Berth.Core.Digests;

namespace Berth.Registry.Storage;

/// <summary>What a collection found: blobs kept, blobs removed (or that would be), untagged manifests removed.</summary>
public sealed record GarbageCollectionResult(
    int Marked, IReadOnlyList<Digest> Swept, IReadOnlyList<(string Repository, Digest Manifest)> UntaggedManifests, IReadOnlyList<string> StaleUploads);

/// <summary>
/// Mark and sweep over content/, as distribution's <c>registry garbage-collect</c>:
/// <list type="number">
///   <item>Mark: every manifest revision of every repository, and everything it references,
///   recursively (an index's children, config, layers, blobs, subject). With
///   <c>deleteUntagged</c>, only tagged manifests are roots; untagged revisions that nothing
///   kept references are unlinked, except referrers of a kept manifest (signatures, SBOMs).</item>
///   <item>Sweep: every blob in content/ that is not marked is deleted. Repository _blobs links
///   are left alone, as distribution does; a link to swept content reads as absent.</item>
///   <item>Uploads untouched for <see cref="UploadMaxAge"/> (a crashed or abandoned client) are
///   removed, as distribution's upload purging does with the same default age.</item>
/// </list>
/// It must not run while the registry accepts pushes: a blob uploaded but not yet referenced
/// by a manifest would be swept (distribution has the same rule: read-only mode or stopped).
/// </summary>
public sealed class GarbageCollector(RegistryStore store, TextWriter log)
{
    public static readonly TimeSpan UploadMaxAge = TimeSpan.FromDays(7);

    public async Task<GarbageCollectionResult> RunAsync(bool dryRun, bool deleteUntagged, CancellationToken cancellationToken)
    {
        var marked = new HashSet<Digest>();
        var untagged = new List<(string, Digest)>();
        foreach (var repository in await store.RepositoriesAsync(cancellationToken))
            untagged.AddRange(await MarkRepositoryAsync(repository, marked, deleteUntagged, dryRun, cancellationToken));

        var swept = new List<Digest>();
        foreach (var algorithm in RegistryDigests.Algorithms)
        foreach (var entry in await store.Driver.ListAsync(StoragePaths.BlobDirectory(algorithm), cancellationToken))
        {
            if (RegistryStore.ParseHex(entry) is not { } digest || digest.Algorithm != algorithm || marked.Contains(digest)) continue;
            swept.Add(digest);
            await log.WriteLineAsync($"blob eligible for deletion: {digest}");
            if (!dryRun) await store.Driver.DeleteAsync(StoragePaths.Blob(digest), cancellationToken);
        }
        var stale = await PurgeUploadsAsync(dryRun, cancellationToken);
        await log.WriteLineAsync(
            $"{marked.Count} blobs marked, {swept.Count} blobs and {untagged.Count} manifests eligible for deletion, {stale.Count} stale uploads{(dryRun ? " (dry run: nothing deleted)" : "")}");
        return new GarbageCollectionResult(marked.Count, swept, untagged, stale);
    }

    private async Task<List<string>> PurgeUploadsAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var stale = new List<string>();
        var cutoff = DateTimeOffset.UtcNow - UploadMaxAge;
        foreach (var id in await store.Driver.ListAsync(StoragePaths.Uploads, cancellationToken))
        {
            if (!Guid.TryParseExact(id, "D", out _)) continue;
            var data = await store.Driver.StatAsync(StoragePaths.Upload(id) + "/data", cancellationToken);
            var dir = await store.Driver.StatAsync(StoragePaths.Upload(id), cancellationToken);
            if ((data ?? dir) is not { } entry || entry.ModifiedAt > cutoff) continue;
            stale.Add(id);
            await log.WriteLineAsync($"stale upload eligible for deletion: {id}");
            if (!dryRun) await store.Driver.DeleteAsync(StoragePaths.Upload(id), cancellationToken);
        }
        return stale;
    }

    private async Task<List<(string, Digest)>> MarkRepositoryAsync(string repository, HashSet<Digest> marked, bool deleteUntagged, bool dryRun, CancellationToken cancellationToken)
    {
        var revisions = await store.RevisionsAsync(repository, cancellationToken);
        var kept = new HashSet<Digest>();
        if (!deleteUntagged)
        {
            foreach (var revision in revisions) await MarkManifestAsync(repository, revision, marked, kept, cancellationToken);
            return [];
        }

        foreach (var (_, digest) in await store.TagTargetsAsync(repository, cancellationToken))
            await MarkManifestAsync(repository, digest, marked, kept, cancellationToken);
        // Referrers of what is kept stay too; repeat until no new referrer is reached.
        bool grew;
        do
        {
            grew = false;
            foreach (var subject in kept.ToList())
            {
                foreach (var referrer in await store.ReferrersAsync(repository, subject, cancellationToken))
                {
                    if (kept.Contains(referrer.Digest)) continue;
                    await MarkManifestAsync(repository, referrer.Digest, marked, kept, cancellationToken);
                    grew = true;
                }
            }
        }
        while (grew);

        var removed = new List<(string, Digest)>();
        foreach (var revision in revisions.Where(r => !kept.Contains(r)))
        {
            removed.Add((repository, revision));
            await log.WriteLineAsync($"{repository}: untagged manifest eligible for deletion: {revision}");
            if (!dryRun) await store.DeleteManifestAsync(repository, revision, cancellationToken);
        }
        return removed;
    }

    private async Task MarkManifestAsync(string repository, Digest digest, HashSet<Digest> marked, HashSet<Digest> kept, CancellationToken cancellationToken)
    {
        if (!kept.Add(digest)) return;
        marked.Add(digest);
        if (await store.GetManifestAsync(repository, digest, cancellationToken) is not { } manifest) return;
        if (RegistryStore.TryParse(manifest.Bytes) is not { } document) return;
        if (document.Config is { } config) marked.Add(config.Digest);
        foreach (var blob in document.Blobs) marked.Add(blob.Digest);
        // The subject's bytes stay even if the subject is not kept itself (a referrer names it).
        if (document.Subject is { } subject) marked.Add(subject.Digest);
        foreach (var child in document.Manifests) await MarkManifestAsync(repository, child.Digest, marked, kept, cancellationToken);
    }
}
