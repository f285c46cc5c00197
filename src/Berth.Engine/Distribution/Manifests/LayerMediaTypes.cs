using Berth.Core.Oci;
using Berth.Layers.Archive;

namespace Berth.Engine.Distribution.Manifests;

/// <summary>The layer media type a push writes for a blob's compression.</summary>
public static class LayerMediaTypes
{
    /// <summary>The layer media type for a blob's compression in a manifest of <paramref name="manifestType"/>.</summary>
    public static string For(string manifestType, string compression) => (manifestType == MediaTypes.OciManifest, compression) switch
    {
        (true, Compression.Gzip) => MediaTypes.OciLayerGzip,
        (true, Compression.Zstd) => MediaTypes.OciLayerZstd,
        (true, _) => MediaTypes.OciLayer,
        (false, Compression.Zstd) => MediaTypes.DockerLayerZstd,
        (false, _) => MediaTypes.DockerLayerGzip,
    };
}
