using System.Text;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Xunit;

namespace Berth.Content.Tests;

public sealed class ContentStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "berth-content-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private ContentStore NewStore() => new(_root);

    [Fact]
    public async Task WriteThenReadByDigest()
    {
        var store = NewStore();
        var data = Encoding.UTF8.GetBytes("hello berth");
        var info = await store.WriteAsync(new MemoryStream(data), null, CancellationToken.None);

        Assert.Equal(Digest.Compute(data), info.Digest);
        Assert.Equal(data.Length, info.Size);
        Assert.True(store.Exists(info.Digest));
        Assert.Equal(data, await store.ReadAllAsync(info.Digest, CancellationToken.None));
        await using var read = store.OpenRead(info.Digest);
        Assert.Equal(data.Length, read.Length);
        Assert.True(File.Exists(Path.Combine(_root, "blobs", "sha256", info.Digest.Hex)));
    }

    [Fact]
    public async Task MismatchIsRefusedAndLeavesNothing()
    {
        var store = NewStore();
        var data = Encoding.UTF8.GetBytes("tampered");
        var wrong = Digest.Compute("original"u8);

        var ex = await Assert.ThrowsAsync<InvalidParameterException>(() => store.WriteAsync(new MemoryStream(data), wrong, CancellationToken.None));
        Assert.Contains(wrong.ToString(), ex.Message);
        Assert.Contains(Digest.Compute(data).ToString(), ex.Message);
        await Assert.ThrowsAsync<InvalidParameterException>(() => store.WriteAsync(data, wrong, CancellationToken.None));

        Assert.Empty(store.List());
        Assert.False(store.Exists(Digest.Compute(data)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root, "ingest")));
    }

    [Fact]
    public async Task WritingExistingContentIsANoOp()
    {
        var store = NewStore();
        var data = new byte[] { 1, 2, 3 };
        var first = await store.WriteAsync(data, null, CancellationToken.None);
        var second = await store.WriteAsync(new MemoryStream(data), first.Digest, CancellationToken.None);
        Assert.Equal(first, second);
        Assert.Single(store.List());
    }

    [Fact]
    public async Task ConcurrentWritesOfTheSameDigestAreSafe()
    {
        var store = NewStore();
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(42).NextBytes(data);
        var digest = Digest.Compute(data);

        var writes = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => store.WriteAsync(new MemoryStream(data), i % 2 == 0 ? digest : null, CancellationToken.None)))
            .ToArray();
        var results = await Task.WhenAll(writes);

        Assert.All(results, r => Assert.Equal(digest, r.Digest));
        Assert.Equal(data, await store.ReadAllAsync(digest, CancellationToken.None));
        Assert.Single(store.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root, "ingest")));
    }

    [Fact]
    public async Task ReopenKeepsBlobsAndRemovesStaleIngests()
    {
        var store = NewStore();
        var info = await store.WriteAsync("persisted"u8.ToArray(), null, CancellationToken.None);
        var stale = Path.Combine(_root, "ingest", "deadbeef");
        await File.WriteAllTextAsync(stale, "half a blob", TestContext.Current.CancellationToken);

        var reopened = NewStore();
        Assert.False(File.Exists(stale));
        Assert.Equal(info, reopened.Info(info.Digest));
        Assert.Equal(info, Assert.Single(reopened.List()));
    }

    [Fact]
    public async Task DeleteAndMissingBlobs()
    {
        var store = NewStore();
        var info = await store.WriteAsync("gone soon"u8.ToArray(), null, CancellationToken.None);
        store.Delete(info.Digest);
        store.Delete(info.Digest); // absent: ignored
        Assert.Null(store.Info(info.Digest));
        Assert.Throws<NotFoundException>(() => store.OpenRead(info.Digest));
        await Assert.ThrowsAsync<NotFoundException>(() => store.ReadAllAsync(info.Digest, CancellationToken.None));
    }

    [Fact]
    public async Task CommitFileMovesAndVerifies()
    {
        var store = NewStore();
        var spool = Path.Combine(_root, "spool");
        await File.WriteAllTextAsync(spool, "spooled", TestContext.Current.CancellationToken);
        var expected = Digest.Compute("spooled"u8);

        var info = await store.CommitFileAsync(spool, expected, CancellationToken.None);
        Assert.Equal(expected, info.Digest);
        Assert.False(File.Exists(spool));

        await File.WriteAllTextAsync(spool, "other", TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<InvalidParameterException>(() => store.CommitFileAsync(spool, Digest.Compute("nope"u8), CancellationToken.None));
        Assert.False(File.Exists(spool));
        Assert.Single(store.List());
    }

    [Fact]
    public void CraftedDigestCannotEscapeTheStore()
    {
        var store = NewStore();
        Assert.Throws<InvalidParameterException>(() => store.Exists(new Digest("sha256", "../../etc/passwd")));
    }

    // The hooks the garbage collector relies on: holding a blob before it is visible, fresh mtimes, owned ingests.

    [Fact]
    public async Task BeforeCommitSeesTheDigestBeforeTheBlobIsVisible()
    {
        var store = NewStore();
        var data = Encoding.UTF8.GetBytes("held before visible");
        var seen = new List<(Digest Digest, bool Visible)>();
        BeforeCommit hold = (digest, _) =>
        {
            seen.Add((digest, store.Exists(digest)));
            return ValueTask.CompletedTask;
        };

        var info = await store.WriteAsync(new MemoryStream(data), null, hold, CancellationToken.None);
        Assert.Equal([(info.Digest, false)], seen);

        // Known digest, already present: held first, then found.
        seen.Clear();
        await store.WriteAsync(new MemoryStream(data), info.Digest, hold, CancellationToken.None);
        Assert.Equal([(info.Digest, true)], seen);
    }

    [Fact]
    public async Task AWriteThatFindsItsBlobPresentRefreshesItsModificationTime()
    {
        var store = NewStore();
        var data = Encoding.UTF8.GetBytes("old blob");
        var info = await store.WriteAsync(data, null, CancellationToken.None);
        File.SetLastWriteTimeUtc(Path.Combine(_root, "blobs", "sha256", info.Digest.Hex), DateTime.UtcNow.AddDays(-1));

        var again = await store.WriteAsync(new MemoryStream(data), info.Digest, CancellationToken.None);
        Assert.True(again.ModifiedUtc > DateTime.UtcNow.AddMinutes(-1));
        Assert.True(store.List().Single().ModifiedUtc > DateTime.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public void StaleIngestsAreRemovedAtStartAndOnRequest()
    {
        Directory.CreateDirectory(Path.Combine(_root, "ingest"));
        File.WriteAllText(Path.Combine(_root, "ingest", "killed-mid-write"), "x");
        var store = NewStore();
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "ingest")));

        File.WriteAllText(Path.Combine(_root, "ingest", "left-by-a-failed-delete"), "x");
        Assert.Equal(1, store.RemoveStaleIngests());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "ingest")));
    }
}
