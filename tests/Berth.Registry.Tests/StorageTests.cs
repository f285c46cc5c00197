using System.Net;
using Berth.Registry.Storage;
using Berth.Registry.Tests.Conformance;
using Xunit;

namespace Berth.Registry.Tests;

/// <summary>The storage driver's contract, and integrity of the store built on it: crashes, concurrency, corrupt uploads.</summary>
public sealed class StorageTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly OciClient _oci = new(fixture.Client);
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "berth-driver-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_scratch, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private string[] FilesUnder(string relative) =>
        Directory.Exists(Path.Combine(fixture.Root, relative))
            ? Directory.GetFiles(Path.Combine(fixture.Root, relative), "*", SearchOption.AllDirectories)
            : [];

    [Fact]
    public async Task FilesystemDriverContract()
    {
        var driver = new FilesystemDriver(_scratch);
        var none = CancellationToken.None;
        Assert.Null(await driver.GetContentAsync("a/b", none));
        Assert.Null(await driver.StatAsync("a/b", none));
        Assert.Null(await driver.OpenReadAsync("a/b", 0, none));
        Assert.Empty(await driver.ListAsync("a", none));

        await driver.PutContentAsync("a/b", "hello"u8.ToArray(), none);
        Assert.Equal("hello"u8.ToArray(), await driver.GetContentAsync("a/b", none));
        Assert.Equal(5, (await driver.StatAsync("a/b", none))!.Size);
        Assert.True((await driver.StatAsync("a", none))!.IsDirectory);
        Assert.Null(await driver.GetContentAsync("a", none)); // a directory has no content
        await using (var reader = (await driver.OpenReadAsync("a/b", 2, none))!)
            Assert.Equal((byte)'l', (byte)reader.ReadByte());

        await using (var writer = await driver.OpenAppendAsync("a/c", none))
            await writer.WriteAsync("xy"u8.ToArray(), TestContext.Current.CancellationToken);
        await using (var writer = await driver.OpenAppendAsync("a/c", none))
            await writer.WriteAsync("z"u8.ToArray(), TestContext.Current.CancellationToken);
        Assert.Equal("xyz"u8.ToArray(), await driver.GetContentAsync("a/c", none));
        Assert.Equal(["b", "c"], (await driver.ListAsync("a", none)).Order());

        await driver.MoveAsync("a/c", "d/e", none);
        Assert.Null(await driver.StatAsync("a/c", none));
        Assert.Equal("xyz"u8.ToArray(), await driver.GetContentAsync("d/e", none));
        await driver.DeleteAsync("a", none);
        await driver.DeleteAsync("a", none); // idempotent
        Assert.Null(await driver.StatAsync("a/b", none));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("a/.tmp-hidden")]
    public async Task FilesystemDriverRefusesPathsThatCouldEscape(string path)
    {
        var driver = new FilesystemDriver(_scratch);
        await Assert.ThrowsAsync<ArgumentException>(() => driver.PutContentAsync(path, "x"u8.ToArray(), CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "escape")));
    }

    [Fact]
    public async Task AtomicWritesLeaveNoTempFilesAndListingsHideThem()
    {
        var driver = new FilesystemDriver(_scratch);
        for (var i = 0; i < 20; i++) await driver.PutContentAsync("dir/file", BitConverter.GetBytes(i), CancellationToken.None);
        Assert.Equal(["file"], Directory.GetFiles(Path.Combine(_scratch, "dir")).Select(Path.GetFileName));
        // A temp file left by a crash mid-write is invisible.
        await File.WriteAllTextAsync(Path.Combine(_scratch, "dir", ".tmp-crashed"), "half", TestContext.Current.CancellationToken);
        Assert.Equal(["file"], await driver.ListAsync("dir", CancellationToken.None));
    }

    [Fact]
    public async Task CrashMidUploadLeavesNothingVisibleAndAFreshUploadSucceeds()
    {
        var blob = TestData.Bytes(new Random(21), 5000);
        var digest = TestData.Digest(blob);
        // What a crash leaves: an upload directory with half the data, and a temp file beside the blob's final name.
        var stale = Path.Combine(fixture.Root, "uploads", Guid.NewGuid().ToString("D"));
        Directory.CreateDirectory(stale);
        await File.WriteAllTextAsync(Path.Combine(stale, "repository"), "crash/repo", TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(stale, "data"), blob[..2000], TestContext.Current.CancellationToken);
        var blobDir = Path.Combine(fixture.Root, "content", "blobs", "sha256");
        Directory.CreateDirectory(blobDir);
        await File.WriteAllBytesAsync(Path.Combine(blobDir, ".tmp-" + Guid.NewGuid().ToString("N")), blob[..100], TestContext.Current.CancellationToken);

        using (var head = await _oci.HeadAsync($"/v2/crash/repo/blobs/{digest}")) Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        using (var catalog = await _oci.GetAsync("/v2/_catalog")) Assert.DoesNotContain("crash/repo", await catalog.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // The stale upload can even be resumed: its status says how far it got.
        var location = $"/v2/crash/repo/blobs/uploads/{Path.GetFileName(stale)}";
        using (var status = await _oci.GetAsync(location)) Assert.Equal("0-1999", OciClient.Header(status, "Range"));
        Assert.Equal(digest, await _oci.PushBlobAsync("crash/repo", blob));
        Assert.Equal(blob, await fixture.Client.GetByteArrayAsync($"/v2/crash/repo/blobs/{digest}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ConcurrentUploadsOfOneBlobAllSucceed()
    {
        var blob = TestData.Bytes(new Random(22), 1 << 20);
        var digest = TestData.Digest(blob);
        var pushes = Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await _oci.SendAsync(HttpMethod.Post, $"/v2/race/r{i % 3}/blobs/uploads/?digest={digest}", blob, "application/octet-stream");
            return response.StatusCode;
        });
        Assert.All(await Task.WhenAll(pushes), status => Assert.Equal(HttpStatusCode.Created, status));
        for (var i = 0; i < 3; i++) Assert.Equal(blob, await fixture.Client.GetByteArrayAsync($"/v2/race/r{i}/blobs/{digest}", TestContext.Current.CancellationToken));
        Assert.Equal(blob, await File.ReadAllBytesAsync(Path.Combine(fixture.Root, "content", "blobs", "sha256", digest[7..]), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ConcurrentChunksOnOneUploadAreSerialised()
    {
        using var post = await _oci.SendAsync(HttpMethod.Post, "/v2/race/chunks/blobs/uploads/");
        var location = OciClient.Location(post);
        var chunk = TestData.Bytes(new Random(23), 4096);
        var patches = Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await _oci.SendAsync(HttpMethod.Patch, location, chunk, "application/octet-stream", ("Content-Range", "0-4095"));
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(patches);
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Accepted)); // exactly one chunk starts at 0
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.RequestedRangeNotSatisfiable));
        using var status = await _oci.GetAsync(location);
        Assert.Equal("0-4095", OciClient.Header(status, "Range"));
    }

    [Fact]
    public async Task CorruptUploadsAreRefusedAndLeaveNothing()
    {
        const string name = "corrupt/repo";
        var blob = TestData.Bytes(new Random(24), 3000);
        var digest = TestData.Digest(blob);
        var uploadsBefore = Directory.GetDirectories(Path.Combine(fixture.Root, "uploads")).Length;

        // Wrong digest: DIGEST_INVALID.
        using (var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/"))
        {
            using var put = await _oci.SendAsync(HttpMethod.Put, OciClient.WithQuery(OciClient.Location(post), $"digest={TestData.DummyDigest}"), blob, "application/octet-stream");
            Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
            Assert.Equal("DIGEST_INVALID", await OciClient.ErrorCodeAsync(put));
            using var after = await _oci.GetAsync(OciClient.Location(post));
            Assert.Equal(HttpStatusCode.NotFound, after.StatusCode); // the failed upload is gone
        }
        // Truncated chunk: Content-Range promises more than Content-Length carries.
        using (var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/"))
        {
            using var patch = await _oci.SendAsync(HttpMethod.Patch, OciClient.Location(post), blob[..1000], "application/octet-stream", ("Content-Range", "0-1999"));
            Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
            Assert.Equal("BLOB_UPLOAD_INVALID", await OciClient.ErrorCodeAsync(patch));
            using var status = await _oci.GetAsync(OciClient.Location(post));
            Assert.Equal("0-0", OciClient.Header(status, "Range")); // nothing was written
            await _oci.DeleteAsync(OciClient.Location(post));
        }
        // Truncated chunk sent with chunked transfer encoding (no Content-Length): found after reading; the upload is discarded.
        using (var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/"))
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, OciClient.Location(post)) { Content = new StreamContent(new MemoryStream(blob[..1000])) };
            request.Content.Headers.TryAddWithoutValidation("Content-Range", "0-1999");
            request.Headers.TransferEncodingChunked = true;
            using var patch = await fixture.Client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
            Assert.Equal("BLOB_UPLOAD_INVALID", await OciClient.ErrorCodeAsync(patch));
            using var status = await _oci.GetAsync(OciClient.Location(post));
            Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        }
        // Out of order: 416 with the range so far; nothing appended.
        using (var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/"))
        {
            using var patch = await _oci.SendAsync(HttpMethod.Patch, OciClient.Location(post), blob[1000..2000], "application/octet-stream", ("Content-Range", "1000-1999"));
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, patch.StatusCode);
            Assert.Equal("0-0", OciClient.Header(patch, "Range"));
            Assert.NotNull(patch.Headers.Location);
            await _oci.DeleteAsync(OciClient.Location(post));
        }
        // Malformed Content-Range: BLOB_UPLOAD_INVALID.
        using (var post = await _oci.SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/"))
        {
            foreach (var range in new[] { "abc", "5-2", "-1-3", "0-99999999999999999999", "bytes=0-3" })
            {
                using var patch = await _oci.SendAsync(HttpMethod.Patch, OciClient.Location(post), blob[..4], "application/octet-stream", ("Content-Range", range));
                Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
                Assert.Equal("BLOB_UPLOAD_INVALID", await OciClient.ErrorCodeAsync(patch));
            }
            await _oci.DeleteAsync(OciClient.Location(post));
        }

        Assert.False(File.Exists(Path.Combine(fixture.Root, "content", "blobs", "sha256", digest[7..])));
        Assert.False(Directory.Exists(Path.Combine(fixture.Root, "repositories", "corrupt", "repo", "_blobs")));
        Assert.Equal(uploadsBefore, Directory.GetDirectories(Path.Combine(fixture.Root, "uploads")).Length);
        using var head = await _oci.HeadAsync($"/v2/{name}/blobs/{digest}");
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(FilesUnder("repositories/corrupt"));
    }
}
