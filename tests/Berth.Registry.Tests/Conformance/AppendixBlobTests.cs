using System.Net;
using System.Text.Json;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>Checklist Appendix A (the rewritten suite): ping, empty repository, blob APIs, Range GET.</summary>
public sealed class AppendixBlobTests(DeletingRegistryFixture fixture) : IClassFixture<DeletingRegistryFixture>
{
    private const string Name = "appendix/blobs";
    private readonly OciClient _oci = new(fixture.Client);

    private static byte[] RandomBlob(int size, int seed) => TestData.Bytes(new Random(seed), size);

    /// <summary>The suite's checks after each push: GET Location, HEAD, GET, digest header, DELETE then HEAD 404.</summary>
    private async Task AfterPushAsync(string location, byte[] blob)
    {
        var digest = TestData.Digest(blob);
        using var byLocation = await _oci.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, byLocation.StatusCode);
        Assert.Equal(blob, await byLocation.Content.ReadAsByteArrayAsync());
        using var head = await _oci.HeadAsync($"/v2/{Name}/blobs/{digest}");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(blob.Length, head.Content.Headers.ContentLength);
        Assert.Equal(digest, OciClient.Header(head, "Docker-Content-Digest"));
        using var get = await _oci.GetAsync($"/v2/{Name}/blobs/{digest}");
        Assert.Equal(blob.Length, get.Content.Headers.ContentLength);
        Assert.Equal(digest, OciClient.Header(get, "Docker-Content-Digest"));
        using var delete = await _oci.DeleteAsync($"/v2/{Name}/blobs/{digest}");
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        using var gone = await _oci.HeadAsync($"/v2/{Name}/blobs/{digest}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode); // the delete takes effect at once
    }

    private Task<HttpResponseMessage> PatchAsync(string location, byte[] chunk, long start) =>
        _oci.SendAsync(HttpMethod.Patch, location, chunk, "application/octet-stream", ("Content-Range", $"{start}-{start + chunk.Length - 1}"));

    [Fact]
    public async Task A_Ping()
    {
        using var response = await _oci.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_EmptyRepository_TagsAndReferrers()
    {
        using var tags = await _oci.GetAsync("/v2/appendix/never-pushed/tags/list");
        Assert.Equal(HttpStatusCode.NotFound, tags.StatusCode); // 200 or 404 allowed
        Assert.Equal("NAME_UNKNOWN", await OciClient.ErrorCodeAsync(tags));
        using var referrers = await _oci.GetAsync($"/v2/appendix/never-pushed/referrers/{TestData.Digest(RandomBlob(8, 1))}");
        Assert.Equal(HttpStatusCode.OK, referrers.StatusCode);
        Assert.Equal(OciClient.OciIndex, referrers.Content.Headers.ContentType!.MediaType);
        using var document = JsonDocument.Parse(await referrers.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, document.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(OciClient.OciIndex, document.RootElement.GetProperty("mediaType").GetString());
    }

    [Fact]
    public async Task A_PostOnly()
    {
        var blob = RandomBlob(2000, 2);
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest={TestData.Digest(blob)}", blob, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        Assert.Equal(TestData.Digest(blob), OciClient.Header(post, "Docker-Content-Digest"));
        await AfterPushAsync(OciClient.Location(post), blob);
    }

    [Fact]
    public async Task A_PostPut()
    {
        var blob = RandomBlob(2000, 3);
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/");
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(post), $"digest={TestData.Digest(blob)}"), blob, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await AfterPushAsync(OciClient.Location(put), blob);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // variant: the last chunk travels in the PUT with its own Content-Range
    public async Task A_ChunkedThreeChunks(bool lastInPut)
    {
        var blob = RandomBlob(3 * 1024 + 17, lastInPut ? 5 : 4);
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/", [], "application/octet-stream");
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var location = OciClient.Location(post);
        int[] cuts = [0, 1024, 2048, blob.Length];
        for (var i = 0; i < (lastInPut ? 2 : 3); i++)
        {
            using var patch = await PatchAsync(location, blob[cuts[i]..cuts[i + 1]], cuts[i]);
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
            location = OciClient.Location(patch);
        }
        var digest = TestData.Digest(blob);
        using var put = lastInPut
            ? await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(location, $"digest={digest}"), blob[2048..], "application/octet-stream",
                ("Content-Range", $"2048-{blob.Length - 1}"))
            : await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(location, $"digest={digest}"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await AfterPushAsync(OciClient.Location(put), blob);
    }

    [Fact]
    public async Task A_OutOfOrderChunkThenResume()
    {
        var blob = RandomBlob(3000, 6);
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/", [], "application/octet-stream");
        using var first = await PatchAsync(OciClient.Location(post), blob[..1024], 0);
        using var wrong = await PatchAsync(OciClient.Location(first), blob[1500..], 1500);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, wrong.StatusCode);
        using var status = await _oci.GetAsync(OciClient.Location(first));
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal("0-1023", OciClient.Header(status, "Range"));
        using var rest = await PatchAsync(OciClient.Location(status), blob[1024..], 1024);
        Assert.Equal(HttpStatusCode.Accepted, rest.StatusCode);
        using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(rest), $"digest={TestData.Digest(blob)}"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await AfterPushAsync(OciClient.Location(put), blob);
    }

    [Fact]
    public async Task A_Stream()
    {
        var blob = RandomBlob(1500, 7);
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/");
        using var patch = await _oci.SendAsync(HttpMethod.Patch, OciClient.Location(post), blob, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(patch), $"digest={TestData.Digest(blob)}"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await AfterPushAsync(OciClient.Location(put), blob);
    }

    [Fact]
    public async Task A_CancelUpload()
    {
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/");
        using var cancel = await _oci.DeleteAsync(OciClient.Location(post));
        Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        using var status = await _oci.GetAsync(OciClient.Location(post));
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Equal("BLOB_UPLOAD_UNKNOWN", await OciClient.ErrorCodeAsync(status));
    }

    [Fact]
    public async Task A_Mount()
    {
        var blob = RandomBlob(1200, 8);
        var digest = await _oci.PushBlobAsync("appendix/source", blob);
        using var mount = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?mount={digest}&from=appendix/source");
        Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        await AfterPushAsync(OciClient.Location(mount), blob);

        using var anonymous = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?mount={digest}");
        Assert.Equal(HttpStatusCode.Accepted, anonymous.StatusCode); // recorded as unsupported; the suite then PUTs
        using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(anonymous), $"digest={digest}"), blob, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        using var lacking = await _oci.SendAsync(HttpMethod.Post, $"/v2/appendix/third/blobs/uploads/?mount={digest}&from=appendix/never-pushed");
        Assert.Equal(HttpStatusCode.Accepted, lacking.StatusCode); // never 201 from a repository without the blob
    }

    [Theory]
    [InlineData(0)] // the zero-byte blob
    [InlineData(2)] // {}
    public async Task A_SpecialBlobs(int size)
    {
        var blob = size == 0 ? [] : TestData.EmptyJson;
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest={TestData.Digest(blob)}", blob, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        await AfterPushAsync(OciClient.Location(post), blob);
    }

    [Fact]
    public async Task A_BadDigestIs400()
    {
        var blob = RandomBlob(100, 9);
        var wrong = TestData.Digest(RandomBlob(100, 10));
        using var postOnly = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest={wrong}", blob, "application/octet-stream");
        Assert.Equal(HttpStatusCode.BadRequest, postOnly.StatusCode);
        Assert.Equal("DIGEST_INVALID", await OciClient.ErrorCodeAsync(postOnly));
        using var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/");
        using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(post), $"digest={wrong}"), blob, "application/octet-stream");
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("DIGEST_INVALID", await OciClient.ErrorCodeAsync(put));
    }

    [Theory]
    [InlineData("bytes=500-1499", 206, 500, 1499)]
    [InlineData("bytes=500-", 206, 500, 2047)]
    [InlineData("bytes=-500", 206, 1548, 2047)]
    [InlineData("bytes=2000-5000", 206, 2000, 2047)]
    [InlineData("bytes=500-0", 416, 0, 0)]
    [InlineData("bytes=5000-10000", 416, 0, 0)]
    [InlineData("bytes=0-0", 206, 0, 0)]
    [InlineData("items=0-10", 200, 0, 2047)] // another unit: ignored, the whole blob
    public async Task A_RangeGet(string range, int status, int start, int end)
    {
        var blob = RandomBlob(2048, 11);
        var digest = await _oci.PushBlobAsync("appendix/range", blob);
        using var response = await _oci.GetAsync($"/v2/appendix/range/blobs/{digest}", ("Range", range));
        Assert.Equal(status, (int)response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        if (status == 416)
        {
            Assert.Equal("bytes */2048", OciClient.Header(response, "Content-Range"));
            return;
        }
        Assert.Equal(end - start + 1, response.Content.Headers.ContentLength);
        Assert.Equal(blob[start..(end + 1)], body);
        if (status == 206) Assert.Equal($"bytes {start}-{end}/2048", OciClient.Header(response, "Content-Range"));
        Assert.Equal("bytes", OciClient.Header(response, "Accept-Ranges"));
    }
}
