using Berth.Engine.Images.Archive;

namespace Berth.Engine.Distribution.Manifests;

/// <summary>The manifest, config and layer media types a pull accepts and a push writes.</summary>
public static class ManifestMediaTypes
{
    public const string DockerManifest = MediaTypes.DockerManifest;
    public const string DockerManifestList = MediaTypes.DockerManifestList;
    public const string OciManifest = MediaTypes.OciManifest;
    public const string OciIndex = MediaTypes.OciIndex;
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";

    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

    /// <summary>The Accept header of a manifest request: every kind berthd can pull, like dockerd's.</summary>
    public static readonly IReadOnlyList<string> Accepted = [DockerManifestList, DockerManifest, OciIndex, OciManifest];

    public static bool IsIndex(string? mediaType) => mediaType is DockerManifestList or OciIndex;

    public static bool IsImageManifest(string? mediaType) => mediaType is DockerManifest or OciManifest;

    /// <summary>The layer media type for a blob's compression in a manifest of <paramref name="manifestType"/>.</summary>
    public static string LayerType(string manifestType, string compression) => (manifestType == OciManifest, compression) switch
    {
        (true, Berth.Layers.Archive.Compression.Gzip) => OciLayerGzip,
        (true, Berth.Layers.Archive.Compression.Zstd) => OciLayerZstd,
        (true, _) => MediaTypes.OciLayer,
        (false, Berth.Layers.Archive.Compression.Zstd) => DockerLayerZstd,
        (false, _) => DockerLayerGzip,
    };
}
