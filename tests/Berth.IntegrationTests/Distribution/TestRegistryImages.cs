using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Berth.IntegrationTests.Distribution;

/// <summary>A blob put into a registry by a test: its digest and size.</summary>
public sealed record TestBlob(string Digest, long Size, byte[]? Bytes = null);

/// <summary>
/// Builds images by hand and pushes them with raw HTTP (monolithic uploads, manifest PUTs), so
/// tests control exactly what the registry serves: multi-platform indexes, big layers, corrupt blobs.
/// </summary>
public sealed class TestRegistryImages(Uri registry) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = registry, Timeout = TimeSpan.FromMinutes(5) };

    public static string DigestOf(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A gzip layer holding one file; returns (compressed bytes, diff ID).</summary>
    public static (byte[] Gzip, string DiffId) Layer(string path, byte[] content, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead };
            writer.WriteEntry(entry);
        }
        var tarBytes = tar.ToArray();
        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, level, leaveOpen: true)) gzip.Write(tarBytes);
        return (gz.ToArray(), DigestOf(tarBytes));
    }

    public static byte[] Config(string architecture, IEnumerable<string> diffIds, string[]? cmd = null) => Encoding.UTF8.GetBytes(
        $$"""{"architecture":"{{architecture}}","os":"linux","config":{"Cmd":{{(cmd is null ? "null" : "[" + string.Join(",", cmd.Select(c => "\"" + c + "\"")) + "]")}}},"rootfs":{"type":"layers","diff_ids":[{{string.Join(",", diffIds.Select(d => "\"" + d + "\""))}}]},"history":[]}""");

    public async Task<TestBlob> PushBlobAsync(string repository, byte[] bytes)
    {
        var digest = DigestOf(bytes);
        using var start = await _http.PostAsync($"v2/{repository}/blobs/uploads/", null);
        if (start.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"upload start: {start.StatusCode}");
        var location = start.Headers.Location!;
        var target = location.IsAbsoluteUri ? location : new Uri(_http.BaseAddress!, location);
        var separator = target.Query.Length > 0 ? "&" : "?";
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var put = await _http.PutAsync(target + separator + "digest=" + Uri.EscapeDataString(digest), content);
        if (put.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"upload: {put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        return new TestBlob(digest, bytes.Length, bytes);
    }

    public static byte[] Manifest(TestBlob config, IEnumerable<TestBlob> layers) => Encoding.UTF8.GetBytes(
        $$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{config.Digest}}","size":{{config.Size}}},"layers":[{{string.Join(",", layers.Select(l => $$"""{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{l.Digest}}","size":{{l.Size}}}"""))}}]}""");

    public static byte[] Index(params (TestBlob Manifest, string Architecture)[] entries) => Encoding.UTF8.GetBytes(
        $$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{string.Join(",", entries.Select(e => $$$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{e.Manifest.Digest}}}","size":{{{e.Manifest.Size}}},"platform":{"architecture":"{{{e.Architecture}}}","os":"linux"}}"""))}}]}""");

    public async Task<TestBlob> PutManifestAsync(string repository, string reference, byte[] bytes, string mediaType)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var put = await _http.PutAsync($"v2/{repository}/manifests/{reference}", content);
        if (put.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"manifest: {put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        return new TestBlob(DigestOf(bytes), bytes.Length, bytes);
    }

    /// <summary>Pushes a one-architecture image of the given layers (path → content) and tags it.</summary>
    public async Task<(TestBlob Manifest, TestBlob Config, List<TestBlob> Layers)> PushImageAsync(string repository, string tag, string architecture,
        IReadOnlyList<(string Path, byte[] Content)> files, string[]? cmd = null, CompressionLevel level = CompressionLevel.Fastest)
    {
        var layers = new List<TestBlob>();
        var diffIds = new List<string>();
        foreach (var (path, content) in files)
        {
            var (gzip, diffId) = Layer(path, content, level);
            layers.Add(await PushBlobAsync(repository, gzip));
            diffIds.Add(diffId);
        }
        var config = await PushBlobAsync(repository, Config(architecture, diffIds, cmd));
        var manifest = await PutManifestAsync(repository, tag, Manifest(config, layers), "application/vnd.oci.image.manifest.v1+json");
        return (manifest, config, layers);
    }

    public void Dispose() => _http.Dispose();
}
