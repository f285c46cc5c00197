using Berth.Core.Digests;

namespace Berth.Engine.Images;

/// <summary>An image as the daemon knows it: its config (the OCI image config JSON), names and layers.</summary>
/// <param name="Id">Image ID: the digest of the config JSON.</param>
/// <param name="Config">The parsed config blob.</param>
/// <param name="RepoTags">Familiar names with tag, e.g. "busybox:latest".</param>
/// <param name="RepoDigests">Familiar names with digest, e.g. "busybox@sha256:…" (from pulls; empty for imports).</param>
/// <param name="ChainId">Chain ID of the top layer (null for an image without layers).</param>
/// <param name="Size">Sum of the layers' sizes.</param>
public sealed record Image(
    Digest Id,
    ImageConfigFile Config,
    IReadOnlyList<string> RepoTags,
    IReadOnlyList<string> RepoDigests,
    Digest? ChainId,
    long Size);

/// <summary>One row of `docker history`.</summary>
public sealed record ImageHistoryEntry(string Id, DateTimeOffset Created, string CreatedBy, IReadOnlyList<string> Tags, long Size, string Comment);

/// <summary>One line of `docker rmi` output: exactly one of Untagged / Deleted is set.</summary>
public sealed record ImageDeleteEntry(string? Untagged, string? Deleted);

/// <summary>Options of POST /images/create?fromSrc=-.</summary>
/// <param name="Changes">Dockerfile instructions applied to the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL, ONBUILD.</param>
/// <param name="Reference">repo[:tag] to name the image, or null.</param>
public sealed record ImportOptions(IReadOnlyList<string> Changes, string? Message, string? Reference, string? Platform);

/// <summary>Tells the image service which containers use an image (for rmi's conflict checks).</summary>
public interface IImageUsage
{
    /// <summary>Containers whose image is <paramref name="imageId"/>: (short or full ID, running).</summary>
    IReadOnlyList<(string ContainerId, bool Running)> ContainersUsing(Digest imageId);
}

/// <summary>
/// Images: config blobs and layers in the content and layer stores, names in the metadata DB.
/// An image becomes visible (listable, resolvable) only once its config and every layer are
/// committed; failures part-way leave nothing named.
/// </summary>
public interface IImageService
{
    /// <summary>POST /images/create?fromSrc=-: a rootfs tar (plain or compressed) becomes a one-layer image.</summary>
    Task<Image> ImportAsync(Stream rootfsArchive, ImportOptions options, CancellationToken cancellationToken);

    IReadOnlyList<Image> List();

    /// <summary>
    /// Finds an image by name[:tag] (default tag latest), name@digest, full ID, "sha256:"+ID or a unique
    /// ID prefix. NotFoundException("No such image: NAME") when nothing matches.
    /// </summary>
    Image Resolve(string nameOrId);

    Image? TryResolve(string nameOrId);

    /// <summary>Adds repo:tag (tag defaults to latest) for the image named by source.</summary>
    Task TagAsync(string source, string repository, string? tag, CancellationToken cancellationToken);

    /// <summary>docker rmi semantics: untag; delete when the last name goes (and no container uses it, unless force).</summary>
    Task<IReadOnlyList<ImageDeleteEntry>> RemoveAsync(string nameOrId, bool force, bool noPrune, CancellationToken cancellationToken);

    IReadOnlyList<ImageHistoryEntry> History(string nameOrId);

    /// <summary>GET /images/get: docker-archive tar (manifest.json, repositories, config, layer tars; also index.json / oci-layout as docker 25+ writes).</summary>
    Task SaveAsync(IReadOnlyList<string> names, Stream destination, CancellationToken cancellationToken);

    /// <summary>POST /images/load: docker-archive or OCI image-layout tar. Returns the lines docker prints: "Loaded image: REF" or "Loaded image ID: sha256:…".</summary>
    Task<IReadOnlyList<string>> LoadAsync(Stream archive, CancellationToken cancellationToken);
}
