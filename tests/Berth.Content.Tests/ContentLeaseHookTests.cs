using System.Text;
using Berth.Core.Digests;
using Xunit;

namespace Berth.Content.Tests;

/// <summary>The hooks the garbage collector relies on: holding a blob before it is visible, and owned ingests.</summary>
public sealed class ContentLeaseHookTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "berth-content-gc-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task BeforeCommitSeesTheDigestBeforeTheBlobIsVisible()
    {
        var store = new ContentStore(_root);
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
        var store = new ContentStore(_root);
        var data = Encoding.UTF8.GetBytes("old blob");
        var info = await store.WriteAsync(data, null, CancellationToken.None);
        File.SetLastWriteTimeUtc(Path.Combine(_root, "blobs", "sha256", info.Digest.Hex), DateTime.UtcNow.AddDays(-1));

        var again = await store.WriteAsync(new MemoryStream(data), null, CancellationToken.None);
        Assert.True(again.ModifiedUtc > DateTime.UtcNow.AddMinutes(-1));
        Assert.True(store.List().Single().ModifiedUtc > DateTime.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public void StaleIngestsAreRemovedAtStartAndOnRequest()
    {
        Directory.CreateDirectory(Path.Combine(_root, "ingest"));
        File.WriteAllText(Path.Combine(_root, "ingest", "killed-mid-write"), "x");
        var store = new ContentStore(_root);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "ingest")));

        File.WriteAllText(Path.Combine(_root, "ingest", "left-by-a-failed-delete"), "x");
        Assert.Equal(1, store.RemoveStaleIngests());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "ingest")));
    }
}
