namespace Berth.Core.Oci;

/// <summary>
/// Every OCI and docker schema 2 media type and annotation key Berth reads or writes: the engine's
/// pull, push, load and save, and berth-registry's manifest validation all name them from here.
/// </summary>
public static class MediaTypes
{
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd";

    /// <summary>containerd's annotation holding the full image name (docker 25+ save writes it).</summary>
    public const string ContainerdImageName = "io.containerd.image.name";
    public const string OciRefName = "org.opencontainers.image.ref.name";

    /// <summary>The Accept header of a manifest request: every kind berthd can pull, like dockerd's.</summary>
    public static readonly IReadOnlyList<string> AcceptedManifests = [DockerManifestList, DockerManifest, OciIndex, OciManifest];

    /// <summary>An OCI image index or a docker manifest list.</summary>
    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    /// <summary>An OCI image manifest or a docker schema 2 manifest.</summary>
    public static bool IsImageManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;
}
