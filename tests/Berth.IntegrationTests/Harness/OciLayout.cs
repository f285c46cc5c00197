using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.IntegrationTests.Harness;

/// <summary>
/// Writes an OCI image layout (oci-layout, index.json, blobs/sha256/…) from layer tars, so tests
/// can hand skopeo (<c>oci:DIR:TAG</c>) an image without any registry or daemon.
/// </summary>
public static class OciLayout
{
    public sealed record Image(string ManifestDigest, string ConfigDigest, IReadOnlyList<string> LayerDigests);

    public static async Task<Image> WriteAsync(string dir, string tag, IReadOnlyList<byte[]> layerTars, string architecture = "amd64")
    {
        var blobs = Path.Combine(dir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var layers = new JsonArray();
        var diffIds = new JsonArray();
        var layerDigests = new List<string>();
        foreach (var tar in layerTars)
        {
            using var compressed = new MemoryStream();
            await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) await gzip.WriteAsync(tar);
            var digest = await WriteBlobAsync(blobs, compressed.ToArray());
            layerDigests.Add(digest);
            diffIds.Add(DigestOf(tar));
            layers.Add(Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", digest, compressed.Length));
        }
        var config = new JsonObject
        {
            ["architecture"] = architecture,
            ["os"] = "linux",
            ["created"] = "2026-01-01T00:00:00Z",
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("sh") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        };
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var configDigest = await WriteBlobAsync(blobs, configBytes);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes.Length),
            ["layers"] = layers,
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var manifestDigest = await WriteBlobAsync(blobs, manifestBytes);
        var entry = Descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifestBytes.Length);
        entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        var index = new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(entry) };
        await File.WriteAllTextAsync(Path.Combine(dir, "index.json"), index.ToJsonString());
        await File.WriteAllTextAsync(Path.Combine(dir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        return new Image(manifestDigest, configDigest, layerDigests);
    }

    public static string DigestOf(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    private static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };

    private static async Task<string> WriteBlobAsync(string blobs, byte[] data)
    {
        var digest = DigestOf(data);
        await File.WriteAllBytesAsync(Path.Combine(blobs, digest["sha256:".Length..]), data);
        return digest;
    }
}
