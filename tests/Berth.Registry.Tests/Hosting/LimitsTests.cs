using System.Net;
using System.Text;
using Xunit;

namespace Berth.Registry.Tests.Hosting;

public sealed class LimitsTests
{
    [Fact]
    public async Task ReadOnlyRefusesWritesWith405AndServesReads()
    {
        var dir = TestRegistry.NewDir();
        var data = Encoding.UTF8.GetBytes("pushed before maintenance");
        var digest = RegistryFixture.DigestOf(data);
        await using (var writable = await TestRegistry.StartAsync(dir))
        {
            writable.KeepDirectory = true;
            (await writable.Client.PostAsync($"/v2/ro/blobs/uploads/?digest={digest}", new ByteArrayContent(data), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }
        await using var registry = await TestRegistry.StartAsync(dir, "--read-only");

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Post, "/v2/ro/blobs/uploads/"),
            (HttpMethod.Put, "/v2/ro/manifests/latest"),
            (HttpMethod.Delete, $"/v2/ro/blobs/{digest}"),
            (HttpMethod.Patch, $"/v2/ro/blobs/uploads/{Guid.NewGuid()}"),
        })
        {
            using var response = await registry.Client.SendAsync(new HttpRequestMessage(method, path) { Content = new ByteArrayContent([1]) }, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Equal("GET, HEAD", string.Join(", ", response.Content.Headers.Allow));
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Contains("\"code\":\"UNSUPPORTED\"", body);
            Assert.Contains("read-only", body);
        }
        Assert.Equal(data, await registry.Client.GetByteArrayAsync($"/v2/ro/blobs/{digest}", TestContext.Current.CancellationToken));
        Assert.Empty(Directory.GetDirectories(Path.Combine(registry.Root, "uploads")));
    }

    [Fact]
    public async Task UploadsOverTheLimitAre413SizeInvalid()
    {
        await using var registry = await TestRegistry.StartAsync(null, "--max-upload-size", "100");
        var client = registry.Client;
        var small = new byte[100];
        using var fits = await client.PostAsync($"/v2/lim/blobs/uploads/?digest={RegistryFixture.DigestOf(small)}", new ByteArrayContent(small), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);

        var big = new byte[101];
        using var declared = await client.PostAsync($"/v2/lim/blobs/uploads/?digest={RegistryFixture.DigestOf(big)}", new ByteArrayContent(big), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Contains("\"code\":\"SIZE_INVALID\"", await declared.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // A streamed body (no Content-Length) is cut off when it crosses the limit.
        var streamed = new StreamContent(new NoLengthStream(new byte[4096]));
        using var chunked = await client.PostAsync($"/v2/lim/blobs/uploads/?digest={RegistryFixture.DigestOf(new byte[4096])}", streamed, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Contains("SIZE_INVALID", await chunked.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // Chunks count together: 60 bytes fit, 60 more do not.
        using var post = await client.PostAsync("/v2/lim/blobs/uploads/", null, TestContext.Current.CancellationToken);
        var location = post.Headers.Location!.OriginalString;
        using var first = await client.PatchAsync(location, new ByteArrayContent(new byte[60]), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using var second = await client.PatchAsync(first.Headers.Location!.OriginalString, new ByteArrayContent(new byte[60]), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, second.StatusCode);
        Assert.Equal("0-59", (await client.GetAsync(location, TestContext.Current.CancellationToken)).Headers.GetValues("Range").Single());
    }

    /// <summary>A readable stream that hides its length, so HttpClient sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
