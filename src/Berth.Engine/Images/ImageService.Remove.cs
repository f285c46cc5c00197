using Berth.Core.Diagnostics;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.References;

namespace Berth.Engine.Images;

// docker rmi, after daemon/images/image_delete.go (20.10): the same decisions, order and texts.
public sealed partial class ImageService
{
    public Task<IReadOnlyList<ImageDeleteEntry>> RemoveAsync(string nameOrId, bool force, bool noPrune, CancellationToken cancellationToken) =>
        RunLockedAsync(ct => RemoveLockedAsync(nameOrId, force, ct), cancellationToken);

    private async Task<IReadOnlyList<ImageDeleteEntry>> RemoveLockedAsync(string nameOrId, bool force, CancellationToken cancellationToken)
    {
        var record = TryResolveRecord(nameOrId) ?? throw NoSuchImage(nameOrId);
        var id = record.Id;
        var records = new List<ImageDeleteEntry>();
        var refs = SortedReferences(id);
        var users = _usage.ContainersUsing(id);
        var removedRepositoryRef = false;

        if (!IsImageIdPrefix(id, nameOrId))
        {
            // A name was given: untag it. Refuse when that would leave a container's image
            // dangling, unless forced.
            if (!force && IsSingleReference(refs) && users.Count > 0)
                throw new ConflictException(
                    $"conflict: unable to remove repository reference \"{nameOrId}\" (must force) - container {ShortId(users[0].ContainerId)} is using its referenced image {id.Short}");

            var parsed = ImageReference.Parse(nameOrId);
            if (parsed.Digest is null) parsed = parsed.WithDefaultTag();
            if (!_store.RemoveReference(parsed.ToString()))
                throw NoSuchImage(nameOrId);
            records.Add(new ImageDeleteEntry(parsed.ToFamiliarString(), null));
            CrashPoints.Reach("rmi.after-untag");
            refs = SortedReferences(id);

            // Untagging the last tag of a repository also drops its digest references.
            if (parsed.Digest is null && !refs.Any(r => r.Digest is null && r.Name == parsed.Name))
            {
                foreach (var digestRef in refs.Where(r => r.Digest is not null && r.Name == parsed.Name).ToList())
                {
                    _store.RemoveReference(digestRef.ToString());
                    records.Add(new ImageDeleteEntry(digestRef.ToFamiliarString(), null));
                    refs.Remove(digestRef);
                }
            }
            if (refs.Count > 0) return records;
            removedRepositoryRef = true;
        }
        else if (IsSingleReference(refs))
        {
            // An ID with one repository's names: those names go too, unless a container holds it.
            var conflict = Conflict(id, users, refs, running: true, activeReference: false, stopped: !force);
            if (conflict is not null) throw new ConflictException(conflict.Value.Message);
            foreach (var reference in refs)
            {
                _store.RemoveReference(reference.ToString());
                records.Add(new ImageDeleteEntry(reference.ToFamiliarString(), null));
            }
            refs = [];
        }

        var remaining = Conflict(id, users, refs, running: true, activeReference: !force, stopped: !force);
        if (remaining is { } c)
        {
            // After untagging by name, a now-dangling image that a container uses simply stays.
            if (removedRepositoryRef && (refs.Count > 0 || c.Used)) return records;
            throw new ConflictException(c.Message);
        }

        foreach (var reference in refs)
            records.Add(new ImageDeleteEntry(reference.ToFamiliarString(), null));
        var (chains, blobs) = _store.Delete(id);
        records.Add(new ImageDeleteEntry(null, id.ToString()));
        ForgetConfig(id);

        // The collector frees what nothing else holds: not a layer or blob a pull or load in progress
        // has leased, nor (force) a layer a container still has its root filesystem on; those the
        // collector frees once the lease ends or the last such container is removed. The tars go
        // even then: a container runs on the unpacked layers. Not cancelled from here on: the rows
        // are gone, and content left behind would wait for the next collection.
        var freed = await Collector.CollectAsync([id, .. blobs.Select(b => b.Blob)], users.Count == 0 ? chains : [], CancellationToken.None);
        if (users.Count > 0) Collector.CollectWhenUnused(chains);
        foreach (var chain in chains.Where(freed.Layers.Contains))
            records.Add(new ImageDeleteEntry(null, chain.ToString()));
        foreach (var observer in _deletionObservers) observer.ImageDeleted(record, freed.Blobs);
        return records;
    }

    /// <summary>docker's checkImageDeleteConflict: running containers (cannot be forced), names, stopped containers.</summary>
    private static (string Message, bool Used)? Conflict(Digest id, IReadOnlyList<(string ContainerId, bool Running)> users, List<ImageReference> refs, bool running, bool activeReference, bool stopped)
    {
        if (running && users.FirstOrDefault(u => u.Running) is { ContainerId: not null } r)
            return ($"conflict: unable to delete {id.Short} (cannot be forced) - image is being used by running container {ShortId(r.ContainerId)}", true);
        if (activeReference && refs.Count > 0)
            return ($"conflict: unable to delete {id.Short} (must be forced) - image is referenced in multiple repositories", false);
        if (stopped && users.FirstOrDefault(u => !u.Running) is { ContainerId: not null } s)
            return ($"conflict: unable to delete {id.Short} (must be forced) - image is being used by stopped container {ShortId(s.ContainerId)}", true);
        return null;
    }

    /// <summary>Names of the image, in docker's order (sorted by familiar string).</summary>
    private List<ImageReference> SortedReferences(Digest id) =>
        _store.References(id).Select(ImageReference.Parse).OrderBy(r => r.ToFamiliarString(), StringComparer.Ordinal).ToList();

    /// <summary>
    /// docker's isSingleReference: at most one tag, and all names (tags and digests) in one repository.
    /// </summary>
    private static bool IsSingleReference(List<ImageReference> refs)
    {
        if (refs.Count <= 1) return refs.Count == 1;
        ImageReference? single = null;
        var names = new HashSet<string>();
        foreach (var reference in refs)
        {
            if (reference.Digest is not null) names.Add(reference.Name);
            else if (single is null) { names.Add(reference.Name); single = reference; }
            else return false;
        }
        single ??= refs[0];
        return names.Count == 1 && names.Contains(single.Name);
    }

    private static bool IsImageIdPrefix(Digest id, string candidate) =>
        id.ToString().StartsWith(candidate, StringComparison.Ordinal) || id.Hex.StartsWith(candidate, StringComparison.Ordinal);

    private static string ShortId(string id)
    {
        var colon = id.IndexOf(':');
        if (colon >= 0) id = id[(colon + 1)..];
        return id.Length > 12 ? id[..12] : id;
    }
}
