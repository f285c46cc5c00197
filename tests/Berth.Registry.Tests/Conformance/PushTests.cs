using System.Net;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>Checklist section 2, push workflow: streamed (S), monolithic (M), chunked (C), mount (X), manifests (U).</summary>
public sealed class PushTests(DeletingRegistryFixture fixture) : IClassFixture<DeletingRegistryFixture>
{
    private const string Name = "conformance/push";
    private const string Other = "conformance/other";
    private readonly OciClient _oci = new(fixture.Client);
    private readonly TestData _data = new(2);

    private Task<HttpResponseMessage> PostAsync(string path, byte[]? body = null) =>
        _oci.SendAsync(HttpMethod.Post, path, body, body is null ? null : "application/octet-stream");

    private Task<HttpResponseMessage> PatchAsync(string location, byte[] body, string? contentRange = null) =>
        contentRange is null
            ? _oci.SendAsync(HttpMethod.Patch, location, body, "application/octet-stream")
            : _oci.SendAsync(HttpMethod.Patch, location, body, "application/octet-stream", ("Content-Range", contentRange));

    private Task<HttpResponseMessage> PutAsync(string location, string digest, byte[]? body = null) =>
        _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(location, $"digest={digest}"), body ?? [], "application/octet-stream");

    [Fact]
    public async Task S1_S2_S3_StreamedUpload()
    {
        using var post = await PostAsync($"/v2/{Name}/blobs/uploads/");
        var location = OciClient.Location(post); // S1
        using var patch = await PatchAsync(location, _data.BlobA);
        Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode); // S2
        Assert.Equal($"0-{_data.BlobA.Length - 1}", OciClient.Header(patch, "Range"));
        using var put = await PutAsync(OciClient.Location(patch), TestData.Digest(_data.BlobA));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode); // S3
        Assert.Equal($"/v2/{Name}/blobs/{TestData.Digest(_data.BlobA)}", OciClient.Location(put));
        Assert.Equal(_data.BlobA, await fixture.Client.GetByteArrayAsync(OciClient.Location(put), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task M1_GetMissingBlobIs404()
    {
        using var response = await _oci.GetAsync($"/v2/{Name}/blobs/{TestData.DummyDigest}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task M2_M3_SingleRequestPostStoresTheBlob()
    {
        var digest = TestData.Digest(_data.Configs[1]);
        using var post = await PostAsync($"/v2/{Name}-m2/blobs/uploads/?digest={digest}", _data.Configs[1]);
        Assert.Equal(HttpStatusCode.Created, post.StatusCode); // M2: berth-registry stores at once
        Assert.Equal($"/v2/{Name}-m2/blobs/{digest}", OciClient.Location(post));
        using var get = await _oci.GetAsync($"/v2/{Name}-m2/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode); // M3, 201 branch
    }

    [Fact]
    public async Task M4_M5_M6_PostThenPut()
    {
        using var post = await PostAsync($"/v2/{Name}-m4/blobs/uploads/");
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode); // M4
        var digest = TestData.Digest(_data.Configs[1]);
        using var put = await PutAsync(OciClient.Location(post), digest, _data.Configs[1]);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode); // M5
        Assert.NotNull(put.Headers.Location);
        using var get = await _oci.GetAsync($"/v2/{Name}-m4/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode); // M6
    }

    [Fact]
    public async Task M7_M8_PostThenPutTheLayer()
    {
        using var post = await PostAsync($"/v2/{Name}-m7/blobs/uploads/");
        var digest = TestData.Digest(_data.Layer);
        using var put = await PutAsync(OciClient.Location(post), digest, _data.Layer);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode); // M7
        Assert.NotNull(put.Headers.Location);
        using var get = await _oci.GetAsync($"/v2/{Name}-m7/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode); // M8
        Assert.Equal(_data.Layer, await get.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task C1_C2_OutOfOrderFirstChunkIs416()
    {
        var (k, n) = (_data.BlobB.Length / 2 + 1, _data.BlobB.Length);
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/", [], "application/octet-stream");
        var location = OciClient.Location(post); // C1
        Assert.Null(OciClient.Header(post, "OCI-Chunk-Min-Length"));
        using var chunk2 = await PatchAsync(location, _data.BlobB[k..], $"{k}-{n - 1}");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, chunk2.StatusCode); // C2
    }

    [Fact]
    public async Task C3_to_C7_ChunkedUpload()
    {
        var blob = _data.BlobB;
        var (k, n) = (blob.Length / 2 + 1, blob.Length);
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/", [], "application/octet-stream");
        var original = OciClient.Location(post);
        using var chunk1 = await PatchAsync(original, blob[..k], $"0-{k - 1}");
        Assert.Equal(HttpStatusCode.Accepted, chunk1.StatusCode); // C3
        Assert.Equal($"0-{k - 1}", OciClient.Header(chunk1, "Range"));

        using var again = await PatchAsync(original, blob[..k], $"0-{k - 1}");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, again.StatusCode); // C4

        using var status = await _oci.GetAsync(original);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode); // C5
        Assert.Equal($"0-{k - 1}", OciClient.Header(status, "Range"));

        using var chunk2 = await PatchAsync(OciClient.Location(status), blob[k..], $"{k}-{n - 1}");
        Assert.Equal(HttpStatusCode.Accepted, chunk2.StatusCode); // C6
        Assert.Equal($"0-{n - 1}", OciClient.Header(chunk2, "Range"));

        var digest = TestData.Digest(blob);
        using var put = await PutAsync(OciClient.Location(chunk2), digest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode); // C7
        Assert.Equal(blob, await fixture.Client.GetByteArrayAsync($"/v2/{Name}/blobs/{digest}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task X1_MountOfMissingBlobFallsBackToAnUploadSession()
    {
        using var response = await PostAsync($"/v2/{Other}/blobs/uploads/?mount={TestData.DummyDigest}");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.StartsWith($"/v2/{Other}/blobs/uploads/", OciClient.Location(response));
    }

    [Fact]
    public async Task X2_X3_MountFromAnotherRepository()
    {
        var digest = await _oci.PushBlobAsync(Name + "-x", _data.BlobA);
        using var mount = await PostAsync($"/v2/{Other}-x/blobs/uploads/?mount={digest}&from={Name}-x");
        Assert.Equal(HttpStatusCode.Created, mount.StatusCode); // X2
        Assert.Equal($"/v2/{Other}-x/blobs/{digest}", OciClient.Location(mount)); // X3
        using var get = await _oci.GetAsync(OciClient.Location(mount));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Fact]
    public async Task X4_MountFromARepositoryWithoutTheBlobGivesAnUploadSession()
    {
        var digest = await _oci.PushBlobAsync(Name + "-x4", _data.BlobA);
        using var mount = await PostAsync($"/v2/{Other}-x4/blobs/uploads/?mount={digest}&from=conformance/empty");
        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
        Assert.StartsWith($"/v2/{Other}-x4/blobs/uploads/", OciClient.Location(mount));
    }

    [Fact]
    public async Task X5_AnonymousMountIsNotAutomatic()
    {
        // OCI_AUTOMATIC_CROSSMOUNT unset for berth-registry: without from, no blob is mounted (202), like distribution.
        var digest = await _oci.PushBlobAsync(Name + "-x5", _data.BlobA);
        using var mount = await PostAsync($"/v2/{Other}-x5/blobs/uploads/?mount={digest}");
        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
    }

    [Fact]
    public async Task U1_GetInvalidManifestNameIs404()
    {
        using var response = await _oci.GetAsync($"/v2/{Name}/manifests/{TestData.InvalidManifestName}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task U2_U3_U4_ManifestUploads()
    {
        const string name = Name + "-u";
        await _oci.PushBlobAsync(name, _data.Configs[1]);
        await _oci.PushBlobAsync(name, _data.Layer);
        foreach (var tag in new[] { "test0", "test1", "test2", "test3" })
        {
            using var put = await _oci.PutManifestAsync(name, tag, _data.Manifests[1]);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode); // U2
            Assert.Equal($"/v2/{name}/manifests/{TestData.Digest(_data.Manifests[1])}", OciClient.Location(put));
        }
        using var empty = await _oci.PutManifestAsync(name, "emptylayer", _data.EmptyLayersManifest);
        Assert.Equal(HttpStatusCode.Created, empty.StatusCode); // U3
        Assert.NotNull(empty.Headers.Location);
        using var get = await _oci.GetAsync($"/v2/{name}/manifests/{TestData.Digest(_data.Manifests[1])}", ("Accept", OciClient.OciManifest));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode); // U4
        Assert.Equal(_data.Manifests[1], await get.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        using var emptyGet = await _oci.GetAsync($"/v2/{name}/manifests/emptylayer");
        Assert.Equal(OciClient.OciManifest, emptyGet.Content.Headers.ContentType!.MediaType);

        using var deleteManifest = await _oci.DeleteAsync($"/v2/{name}/manifests/{TestData.Digest(_data.Manifests[1])}");
        Assert.Equal(HttpStatusCode.Accepted, deleteManifest.StatusCode); // teardown
        using var deleteBlob = await _oci.DeleteAsync($"/v2/{name}/blobs/{TestData.Digest(_data.Layer)}");
        Assert.Equal(HttpStatusCode.Accepted, deleteBlob.StatusCode);
    }
}
