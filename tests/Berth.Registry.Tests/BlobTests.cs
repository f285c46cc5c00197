using Xunit;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Berth.Registry.Tests;

public sealed class BlobTests : IClassFixture<RegistryFixture>
{
    private readonly RegistryFixture _registry;
    private HttpClient Client => _registry.Client;
    public BlobTests(RegistryFixture registry) => _registry = registry;

    private static ByteArrayContent Bytes(byte[] data) =>
        new(data) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } };

    [Fact]
    public async Task MonolithicPostStoresAndServesTheBlob()
    {
        var data = Encoding.UTF8.GetBytes("hello monolithic");
        var digest = RegistryFixture.DigestOf(data);
        using var post = await Client.PostAsync($"/v2/mono/app/blobs/uploads/?digest={digest}", Bytes(data), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        Assert.Equal($"/v2/mono/app/blobs/{digest}", post.Headers.Location!.OriginalString);
        Assert.Equal(digest, post.Headers.GetValues("Docker-Content-Digest").Single());

        using var get = await Client.GetAsync($"/v2/mono/app/blobs/{digest}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(data, await get.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(digest, get.Headers.GetValues("Docker-Content-Digest").Single());

        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/mono/app/blobs/{digest}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(data.Length, head.Content.Headers.ContentLength);
        Assert.True(File.Exists(Path.Combine(_registry.Root, "repositories", "mono", "app", "_blobs", digest[7..])));
    }

    [Fact]
    public async Task BlobsAreOnlyVisibleInRepositoriesThatUploadedThem()
    {
        var data = Encoding.UTF8.GetBytes("private to one repo");
        var digest = RegistryFixture.DigestOf(data);
        (await Client.PostAsync($"/v2/owner/blobs/uploads/?digest={digest}", Bytes(data), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        using var other = await Client.GetAsync($"/v2/other/blobs/{digest}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Contains("\"code\":\"BLOB_UNKNOWN\"", await other.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var mount = await Client.PostAsync($"/v2/other/blobs/uploads/?mount={digest}&from=owner", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/v2/other/blobs/{digest}", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task PostThenPutCompletesTheUpload()
    {
        using var post = await Client.PostAsync("/v2/twostep/blobs/uploads/", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal("0-0", post.Headers.GetValues("Range").Single());
        var location = post.Headers.Location!.OriginalString;
        Assert.StartsWith("/v2/twostep/blobs/uploads/", location);
        var id = location[(location.LastIndexOf('/') + 1)..];
        Assert.True(Directory.Exists(Path.Combine(_registry.Root, "uploads", id)));

        var data = Encoding.UTF8.GetBytes("two step body");
        var digest = RegistryFixture.DigestOf(data);
        using var put = await Client.PutAsync($"{location}?digest={digest}", Bytes(data), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(digest, put.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.False(Directory.Exists(Path.Combine(_registry.Root, "uploads", id)));
        Assert.Equal(data, await Client.GetByteArrayAsync($"/v2/twostep/blobs/{digest}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ChunkedPatchChecksContentRange()
    {
        using var post = await Client.PostAsync("/v2/chunked/blobs/uploads/", null, TestContext.Current.CancellationToken);
        var location = post.Headers.Location!.OriginalString;
        var first = Encoding.UTF8.GetBytes("first-");
        var second = Encoding.UTF8.GetBytes("second");

        using var patch1 = await Patch(location, first, "0-5");
        Assert.Equal(HttpStatusCode.Accepted, patch1.StatusCode);
        Assert.Equal("0-5", patch1.Headers.GetValues("Range").Single());
        location = patch1.Headers.Location!.OriginalString;

        using var outOfOrder = await Patch(location, second, "10-15");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outOfOrder.StatusCode);
        Assert.Equal("0-5", outOfOrder.Headers.GetValues("Range").Single());

        using var patch2 = await Patch(location, second, "6-11");
        Assert.Equal(HttpStatusCode.Accepted, patch2.StatusCode);
        Assert.Equal("0-11", patch2.Headers.GetValues("Range").Single());

        using var status = await Client.GetAsync(location, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal("0-11", status.Headers.GetValues("Range").Single());

        var all = first.Concat(second).ToArray();
        var digest = RegistryFixture.DigestOf(all);
        using var put = await Client.PutAsync($"{location}?digest={digest}", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(all, await Client.GetByteArrayAsync($"/v2/chunked/blobs/{digest}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DigestMismatchStoresNothing()
    {
        var data = Encoding.UTF8.GetBytes("the real bytes");
        var wrong = RegistryFixture.DigestOf(Encoding.UTF8.GetBytes("other bytes"));
        using var mono = await Client.PostAsync($"/v2/bad/blobs/uploads/?digest={wrong}", Bytes(data), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, mono.StatusCode);
        Assert.Contains("\"code\":\"DIGEST_INVALID\"", await mono.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var post = await Client.PostAsync("/v2/bad/blobs/uploads/", null, TestContext.Current.CancellationToken);
        using var put = await Client.PutAsync($"{post.Headers.Location!.OriginalString}?digest={wrong}", Bytes(data), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains("\"code\":\"DIGEST_INVALID\"", await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        var actual = RegistryFixture.DigestOf(data);
        foreach (var digest in new[] { wrong, actual })
        {
            Assert.False(File.Exists(Path.Combine(_registry.Root, "content", "blobs", "sha256", digest[7..])));
            Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/v2/bad/blobs/{digest}", TestContext.Current.CancellationToken)).StatusCode);
        }
    }

    [Fact]
    public async Task UnknownUploadIsReported()
    {
        using var response = await Client.PatchAsync($"/v2/x/blobs/uploads/{Guid.NewGuid()}", Bytes([1]), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("BLOB_UPLOAD_UNKNOWN", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var traversal = await Client.PatchAsync("/v2/x/blobs/uploads/..%2F..%2Fetc", Bytes([1]), TestContext.Current.CancellationToken);
        Assert.NotEqual(HttpStatusCode.Accepted, traversal.StatusCode);
    }

    private Task<HttpResponseMessage> Patch(string location, byte[] data, string range)
    {
        var content = Bytes(data);
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = content };
        content.Headers.TryAddWithoutValidation("Content-Range", range);
        return Client.SendAsync(request);
    }
}
