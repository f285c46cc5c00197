using System.Net;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>Checklist sections 5 (headers at a glance) and 6 (status codes at a glance), walked end to end.</summary>
public sealed class HeaderAndStatusTests(DeletingRegistryFixture fixture) : IClassFixture<DeletingRegistryFixture>
{
    private readonly OciClient _oci = new(fixture.Client);
    private readonly TestData _data = new(6);

    [Fact]
    public async Task Section5_LocationRangeDigestAndReferrerHeaders()
    {
        const string name = "headers/repo";
        var blob = _data.BlobB;
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/");
        Assert.NotNull(post.Headers.Location); // Location on upload POST
        using var patch = await _oci.SendAsync(HttpMethod.Patch, OciClient.Location(post), blob[..100], "application/octet-stream", ("Content-Range", "0-99"));
        Assert.NotNull(patch.Headers.Location); // Location on PATCH
        Assert.Equal("0-99", OciClient.Header(patch, "Range")); // Range without "bytes="
        using var repeat = await _oci.SendAsync(HttpMethod.Patch, OciClient.Location(patch), blob[..100], "application/octet-stream", ("Content-Range", "0-99"));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, repeat.StatusCode); // resent chunk
        using var status = await _oci.GetAsync(OciClient.Location(patch));
        Assert.NotNull(status.Headers.Location); // Location on status GET
        Assert.Equal("0-99", OciClient.Header(status, "Range"));
        Assert.Null(OciClient.Header(post, "OCI-Chunk-Min-Length")); // optional; not advertised
        using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(status), $"digest={TestData.Digest(blob)}"),
            blob[100..], "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.NotNull(put.Headers.Location); // Location on the completing PUT
        using var head = await _oci.HeadAsync($"/v2/{name}/blobs/{TestData.Digest(blob)}");
        Assert.Equal(TestData.Digest(blob), OciClient.Header(head, "Docker-Content-Digest"));

        using var mount = await _oci.SendAsync(HttpMethod.Post, $"/v2/headers/other/blobs/uploads/?mount={TestData.Digest(blob)}&from={name}");
        Assert.Equal($"/v2/headers/other/blobs/{TestData.Digest(blob)}", OciClient.Location(mount)); // mount Location path

        await _oci.PushBlobAsync(name, _data.Configs[0]);
        await _oci.PushBlobAsync(name, _data.Layer);
        using var manifestPut = await _oci.PutManifestAsync(name, "latest", _data.Manifests[0]);
        Assert.NotNull(manifestPut.Headers.Location); // Location on manifest PUT
        Assert.Null(OciClient.Header(manifestPut, "OCI-Subject")); // only with a subject
        using var manifestHead = await _oci.HeadAsync($"/v2/{name}/manifests/latest");
        Assert.Equal(TestData.Digest(_data.Manifests[0]), OciClient.Header(manifestHead, "Docker-Content-Digest")); // tag → tagged digest
        using var referrers = await _oci.GetAsync($"/v2/{name}/referrers/{TestData.Digest(_data.Manifests[0])}");
        Assert.Equal(OciClient.OciIndex, referrers.Content.Headers.ContentType!.MediaType);
        Assert.Null(OciClient.Header(referrers, "OCI-Filters-Applied")); // only when a filter was applied
    }

    [Fact]
    public async Task Section6_StatusCodes()
    {
        const string name = "status/repo";
        async Task Expect(HttpStatusCode expected, Task<HttpResponseMessage> request, string what)
        {
            using var response = await request;
            Assert.True(expected == response.StatusCode, $"{what}: {(int)response.StatusCode}, expected {(int)expected}");
        }

        var config = TestData.Digest(_data.Configs[0]);
        var layer = TestData.Digest(_data.Layer);
        await Expect(HttpStatusCode.NotFound, _oci.GetAsync($"/v2/{name}/blobs/{config}"), "GET missing blob");
        await Expect(HttpStatusCode.NotFound, _oci.HeadAsync($"/v2/{name}/manifests/latest"), "HEAD missing manifest");
        await Expect(HttpStatusCode.NotFound, _oci.GetAsync($"/v2/{name}/manifests/{TestData.InvalidManifestName}"), "GET invalid reference");
        await Expect(HttpStatusCode.BadRequest, _oci.GetAsync($"/v2/{name}/manifests/sha256:nothex"), "GET malformed digest");
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/");
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        await Expect(HttpStatusCode.Accepted, _oci.SendAsync(HttpMethod.Patch, OciClient.Location(post), _data.Configs[0], "application/octet-stream"), "PATCH stream");
        await Expect(HttpStatusCode.RequestedRangeNotSatisfiable,
            _oci.SendAsync(HttpMethod.Patch, OciClient.Location(post), _data.Configs[0], "application/octet-stream", ("Content-Range", "0-1")), "PATCH repeated");
        await Expect(HttpStatusCode.NoContent, _oci.GetAsync(OciClient.Location(post)), "GET upload status");
        await Expect(HttpStatusCode.Created, _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(post), $"digest={config}")), "PUT completes");
        await Expect(HttpStatusCode.Created, _oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/?digest={layer}", _data.Layer, "application/octet-stream"), "POST ?digest");
        await Expect(HttpStatusCode.Created, _oci.SendAsync(HttpMethod.Post, $"/v2/status/other/blobs/uploads/?mount={layer}&from={name}"), "POST mount");
        await Expect(HttpStatusCode.Accepted, _oci.SendAsync(HttpMethod.Post, $"/v2/status/other/blobs/uploads/?mount={TestData.DummyDigest}&from={name}"), "POST mount missing");
        await Expect(HttpStatusCode.OK, _oci.HeadAsync($"/v2/{name}/blobs/{config}"), "HEAD blob");
        await Expect(HttpStatusCode.Created, _oci.PutManifestAsync(name, "latest", _data.Manifests[0]), "PUT manifest");
        await Expect(HttpStatusCode.OK, _oci.GetAsync($"/v2/{name}/manifests/latest"), "GET manifest");
        await Expect(HttpStatusCode.OK, _oci.GetAsync($"/v2/{name}/tags/list"), "GET tags");
        await Expect(HttpStatusCode.OK, _oci.GetAsync($"/v2/{name}/referrers/{TestData.DummyDigest}"), "GET referrers of unknown subject");
        await Expect(HttpStatusCode.Accepted, _oci.DeleteAsync($"/v2/{name}/manifests/latest"), "DELETE by tag");
        await Expect(HttpStatusCode.Accepted, _oci.DeleteAsync($"/v2/{name}/manifests/{TestData.Digest(_data.Manifests[0])}"), "DELETE by digest");
        await Expect(HttpStatusCode.NotFound, _oci.DeleteAsync($"/v2/{name}/manifests/{TestData.Digest(_data.Manifests[0])}"), "DELETE by digest again");
        await Expect(HttpStatusCode.Accepted, _oci.DeleteAsync($"/v2/{name}/blobs/{layer}"), "DELETE blob");
        await Expect(HttpStatusCode.NotFound, _oci.DeleteAsync($"/v2/{name}/blobs/{layer}"), "DELETE blob again");
    }
}
