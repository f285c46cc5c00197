using System.Net;
using System.Security.Cryptography;
using System.Text;
using Berth.Registry.Storage;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>Checklist Appendix A: the blob APIs and content pushed by digest again with sha512 (on by default in the suite).</summary>
public sealed class AppendixSha512Tests(DeletingRegistryFixture fixture) : IClassFixture<DeletingRegistryFixture>
{
    private const string Name = "appendix/sha512";
    private readonly OciClient _oci = new(fixture.Client);

    private static string Sha512(byte[] data) => "sha512:" + Convert.ToHexStringLower(SHA512.HashData(data));

    [Fact]
    public async Task A_Sha512_PostOnlyPostPutAndChunked()
    {
        var random = new Random(512);
        var blobs = Enumerable.Range(0, 3).Select(_ => TestData.Bytes(random, 2500)).ToArray();

        using (var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest={Sha512(blobs[0])}", blobs[0], "application/octet-stream"))
        {
            Assert.Equal(HttpStatusCode.Created, post.StatusCode);
            Assert.Equal($"/v2/{Name}/blobs/{Sha512(blobs[0])}", OciClient.Location(post));
        }
        using (var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest-algorithm=sha512"))
        {
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
            using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(post), $"digest={Sha512(blobs[1])}"), blobs[1], "application/octet-stream");
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest-algorithm=sha512", [], "application/octet-stream"))
        {
            using var patch = await _oci.SendAsync(HttpMethod.Patch, OciClient.Location(post), blobs[2][..1024], "application/octet-stream", ("Content-Range", "0-1023"));
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
            using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(patch), $"digest={Sha512(blobs[2])}"),
                blobs[2][1024..], "application/octet-stream", ("Content-Range", $"1024-{blobs[2].Length - 1}"));
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        foreach (var blob in blobs)
        {
            using var head = await _oci.HeadAsync($"/v2/{Name}/blobs/{Sha512(blob)}");
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(blob.Length, head.Content.Headers.ContentLength);
            Assert.Equal(Sha512(blob), OciClient.Header(head, "Docker-Content-Digest"));
            Assert.Equal(blob, await fixture.Client.GetByteArrayAsync($"/v2/{Name}/blobs/{Sha512(blob)}", TestContext.Current.CancellationToken));
            using var delete = await _oci.DeleteAsync($"/v2/{Name}/blobs/{Sha512(blob)}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
            using var gone = await _oci.HeadAsync($"/v2/{Name}/blobs/{Sha512(blob)}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
    }

    [Fact]
    public async Task A_Sha512_BadDigestAndUnsupportedAlgorithms()
    {
        var blob = TestData.Bytes(new Random(513), 100);
        using var wrong = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest={Sha512(TestData.EmptyJson)}", blob, "application/octet-stream");
        Assert.Equal("DIGEST_INVALID", await OciClient.ErrorCodeAsync(wrong));
        // The spec: an unsupported algorithm SHOULD be 400.
        using var md5 = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest=md5:{Convert.ToHexStringLower(MD5.HashData(blob))}", blob, "application/octet-stream");
        Assert.Equal(HttpStatusCode.BadRequest, md5.StatusCode);
        Assert.Equal("DIGEST_INVALID", await OciClient.ErrorCodeAsync(md5));
        using var algorithm = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest-algorithm=blake3");
        Assert.Equal(HttpStatusCode.BadRequest, algorithm.StatusCode);
        // A sha256 digest with sha512's length (and the reverse) is not a digest.
        using var mixed = await _oci.HeadAsync($"/v2/{Name}/blobs/sha256:{new string('a', 128)}");
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
    }

    [Fact]
    public async Task A_Sha512_ManifestsByDigestWithTagsAndReferrers()
    {
        var config = Encoding.UTF8.GetBytes("{\"os\":\"linux\"}");
        var layer = TestData.Bytes(new Random(514), 300);
        foreach (var blob in new[] { config, layer })
        {
            using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest={Sha512(blob)}", blob, "application/octet-stream");
            Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        }
        var manifest = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","config":{"mediaType":"{{TestData.ConfigType}}","digest":"{{Sha512(config)}}","size":{{config.Length}}},"layers":[{"mediaType":"{{TestData.LayerType}}","digest":"{{Sha512(layer)}}","size":{{layer.Length}}}]}""");
        using var put = await _oci.SendAsync(HttpMethod.Put, $"/v2/{Name}/manifests/{Sha512(manifest)}?tag=v512", manifest, OciClient.OciManifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(Sha512(manifest), OciClient.Header(put, "Docker-Content-Digest"));
        Assert.Equal("v512", OciClient.Header(put, "OCI-Tag"));
        using (var byTag = await _oci.GetAsync($"/v2/{Name}/manifests/v512"))
        {
            Assert.Equal(manifest, await byTag.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
            Assert.Equal(Sha512(manifest), OciClient.Header(byTag, "Docker-Content-Digest"));
        }
        using (var mismatch = await _oci.PutManifestAsync(Name, Sha512(config), manifest))
            Assert.Equal("DIGEST_INVALID", await OciClient.ErrorCodeAsync(mismatch));

        var referrer = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"{{OciClient.OciManifest}}","artifactType":"application/vnd.example","config":{"mediaType":"{{TestData.ConfigType}}","digest":"{{Sha512(config)}}","size":{{config.Length}}},"layers":[],"subject":{"mediaType":"{{OciClient.OciManifest}}","digest":"{{Sha512(manifest)}}","size":{{manifest.Length}}} }""");
        using (var putReferrer = await _oci.PutManifestAsync(Name, Sha512(referrer), referrer))
            Assert.Equal(Sha512(manifest), OciClient.Header(putReferrer, "OCI-Subject"));
        Assert.Contains(Sha512(referrer), await fixture.Client.GetStringAsync($"/v2/{Name}/referrers/{Sha512(manifest)}", TestContext.Current.CancellationToken));

        // Garbage collection sees sha512 content as well: after deleting both manifests it all goes.
        foreach (var digest in new[] { Sha512(referrer), Sha512(manifest) })
        {
            using var delete = await _oci.DeleteAsync($"/v2/{Name}/manifests/{digest}");
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }
        var result = await new GarbageCollector(new RegistryStore(fixture.Root), TextWriter.Null).RunAsync(dryRun: true, deleteUntagged: false, CancellationToken.None);
        foreach (var digest in new[] { Sha512(referrer), Sha512(manifest), Sha512(config), Sha512(layer) })
            Assert.Contains(digest, result.Swept.Select(d => d.ToString()));
    }
}
