using System.Security.Cryptography;
using Berth.Core.Digests;
using Berth.Registry.Api;
using Berth.Registry.Storage;
using Xunit;

namespace Berth.Registry.Tests;

/// <summary>
/// Commits use the running hash of an upload when it covers exactly the bytes on disk, and hash the
/// data file otherwise (an upload resumed by another process, a chunk that failed halfway).
/// </summary>
public sealed class UploadHashTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "berth-upload-hash-" + Guid.NewGuid().ToString("N"));
    private static readonly CancellationToken None = CancellationToken.None;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private static Digest DigestOf(byte[] data) => new(Digest.Sha256Algorithm, Convert.ToHexStringLower(SHA256.HashData(data)));

    [Fact]
    public async Task ChunkedUploadCommitsWithTheRunningHashAndRefusesAWrongDigest()
    {
        var store = new RegistryStore(_root);
        var data = RandomNumberGenerator.GetBytes(300_000);
        var id = await store.Uploads.StartAsync("hash/a", None);
        await store.Uploads.AppendAsync("hash/a", id, new MemoryStream(data[..100_000]), new ContentRange(0, 99_999), 100_000, None);
        await store.Uploads.AppendAsync("hash/a", id, new MemoryStream(data[100_000..]), null, null, None);
        Assert.Equal(DigestOf(data), await store.CommitUploadAsync("hash/a", id, DigestOf(data), None));
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, "content", "blobs", "sha256", DigestOf(data).Hex), TestContext.Current.CancellationToken));

        var other = await store.Uploads.StartAsync("hash/a", None);
        await store.Uploads.AppendAsync("hash/a", other, new MemoryStream(data), null, null, None);
        var wrong = DigestOf([1, 2, 3]);
        var error = await Assert.ThrowsAsync<RegistryError>(() => store.CommitUploadAsync("hash/a", other, wrong, None));
        Assert.Equal("DIGEST_INVALID", error.Code);
        Assert.False(File.Exists(Path.Combine(_root, "content", "blobs", "sha256", wrong.Hex)));
    }

    [Fact]
    public async Task UploadResumedByAnotherProcessHashesTheDataFile()
    {
        var data = RandomNumberGenerator.GetBytes(200_000);
        var first = new RegistryStore(_root);
        var id = await first.Uploads.StartAsync("hash/b", None);
        await first.Uploads.AppendAsync("hash/b", id, new MemoryStream(data[..50_000]), null, null, None);

        // A restarted registry has no running hash for the bytes already on disk.
        var second = new RegistryStore(_root);
        await second.Uploads.AppendAsync("hash/b", id, new MemoryStream(data[50_000..]), new ContentRange(50_000, 199_999), 150_000, None);
        Assert.Equal(DigestOf(data), await second.CommitUploadAsync("hash/b", id, DigestOf(data), None));
    }

    [Fact]
    public async Task AChunkThatFailsHalfwayDropsTheRunningHash()
    {
        var store = new RegistryStore(_root);
        var data = RandomNumberGenerator.GetBytes(100_000);
        var id = await store.Uploads.StartAsync("hash/c", None);
        await Assert.ThrowsAsync<IOException>(() => store.Uploads.AppendAsync("hash/c", id, new FailingStream(data[..40_000]), null, null, None));
        // Whatever part of the failed chunk reached the file is there; the client resumes from the size it reports.
        var size = await store.Uploads.SizeAsync("hash/c", id, None);
        await store.Uploads.AppendAsync("hash/c", id, new MemoryStream(data[(int)size..]), new ContentRange(size, data.Length - 1), data.Length - size, None);
        Assert.Equal(DigestOf(data), await store.CommitUploadAsync("hash/c", id, DigestOf(data), None));
    }

    /// <summary>Gives its bytes in small reads, then fails as a dropped connection would.</summary>
    private sealed class FailingStream(byte[] data) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await base.ReadAsync(buffer[..Math.Min(buffer.Length, 8192)], cancellationToken);
            return n > 0 ? n : throw new IOException("connection reset");
        }
    }
}
