using System.Collections.Concurrent;
using System.Text;
using Berth.Core.Digests;
using Berth.Registry.Api;
using Berth.Registry.Storage;
using Xunit;

namespace Berth.Registry.Tests;

/// <summary>
/// A second <see cref="IStorageDriver"/>, flat like an object store (keys, no directories), to show
/// that RegistryStore and the garbage collector depend on the interface only.
/// </summary>
internal sealed class InMemoryDriver : IStorageDriver
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);

    public IEnumerable<string> Keys => _objects.Keys;

    public Task<byte[]?> GetContentAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(path, out var value) ? value.ToArray() : null);

    public Task PutContentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        _objects[path] = content.ToArray();
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenReadAsync(string path, long offset, CancellationToken cancellationToken) =>
        Task.FromResult<Stream?>(_objects.TryGetValue(path, out var value) ? new MemoryStream(value[(int)offset..]) : null);

    public Task<Stream> OpenAppendAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new AppendStream(this, path));

    public Task<StorageEntry?> StatAsync(string path, CancellationToken cancellationToken)
    {
        if (_objects.TryGetValue(path, out var value)) return Task.FromResult<StorageEntry?>(new StorageEntry(path, value.Length, false, DateTimeOffset.UtcNow));
        var isDirectory = _objects.Keys.Any(k => k.StartsWith(path + "/", StringComparison.Ordinal));
        return Task.FromResult(isDirectory ? new StorageEntry(path, 0, true, DateTimeOffset.UtcNow) : null);
    }

    public Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var prefix = path.Length == 0 ? "" : path + "/";
        IReadOnlyList<string> names = _objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('/')[0]).Distinct().ToList();
        return Task.FromResult(names);
    }

    public Task MoveAsync(string source, string destination, CancellationToken cancellationToken)
    {
        if (!_objects.TryRemove(source, out var value)) throw new FileNotFoundException(source);
        _objects[destination] = value;
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        foreach (var key in _objects.Keys.Where(k => k == path || k.StartsWith(path + "/", StringComparison.Ordinal))) _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    /// <summary>Buffers writes and appends them on dispose, as an object store's multipart upload would.</summary>
    private sealed class AppendStream(InMemoryDriver driver, string path) : MemoryStream
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                var existing = driver._objects.TryGetValue(path, out var value) ? value : [];
                driver._objects[path] = [.. existing, .. ToArray()];
            }
            base.Dispose(disposing);
        }
    }
}

public sealed class InMemoryDriverTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task StoreAndGarbageCollectorRunOnAnotherDriver()
    {
        var driver = new InMemoryDriver();
        var store = new RegistryStore(driver);
        var config = Encoding.UTF8.GetBytes("{}");
        var layer = Encoding.UTF8.GetBytes("layer bytes");
        var extra = Encoding.UTF8.GetBytes("unreferenced");

        // A chunked upload, a monolithic one, and a wrong digest that leaves nothing.
        var id = await store.Uploads.StartAsync("mem/app", None);
        await store.Uploads.AppendAsync("mem/app", id, new MemoryStream(layer[..5]), new ContentRange(0, 4), 5, None);
        await Assert.ThrowsAsync<RangeNotSatisfiableException>(() => store.Uploads.AppendAsync("mem/app", id, new MemoryStream(layer[5..]), new ContentRange(0, 5), null, None));
        await store.Uploads.AppendAsync("mem/app", id, new MemoryStream(layer[5..]), new ContentRange(5, layer.Length - 1), null, None);
        Assert.Equal(Digest.Compute(layer), await store.CommitUploadAsync("mem/app", id, Digest.Compute(layer), None));
        await store.PutBlobAsync("mem/app", new MemoryStream(config), Digest.Compute(config), None);
        await store.PutBlobAsync("mem/app", new MemoryStream(extra), Digest.Compute(extra), None);
        var error = await Assert.ThrowsAsync<RegistryError>(() => store.PutBlobAsync("mem/app", new MemoryStream(extra), Digest.Compute(config), None));
        Assert.Equal("DIGEST_INVALID", error.Code);
        Assert.DoesNotContain(driver.Keys, k => k.StartsWith("uploads/", StringComparison.Ordinal));

        var manifestBytes = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"{{Digest.Compute(config)}}","size":2},"layers":[{"digest":"{{Digest.Compute(layer)}}","size":{{layer.Length}}}]}""");
        var manifest = new StoredManifest(Digest.Compute(manifestBytes), "application/vnd.oci.image.manifest.v1+json", manifestBytes);
        await store.PutManifestAsync("mem/app", manifest, null, ["latest"], None);
        Assert.Equal(manifest.Digest, await store.ResolveTagAsync("mem/app", "latest", None));
        Assert.Equal(manifestBytes, (await store.GetManifestAsync("mem/app", manifest.Digest, None))!.Bytes);
        Assert.Equal(["mem/app"], await store.RepositoriesAsync(None));
        Assert.Equal(["latest"], await store.TagsAsync("mem/app", None));

        var log = new StringWriter();
        var result = await new GarbageCollector(store, log).RunAsync(dryRun: false, deleteUntagged: false, None);
        Assert.Equal([Digest.Compute(extra)], result.Swept);
        Assert.Equal(layer.Length, await store.BlobSizeAsync("mem/app", Digest.Compute(layer), None));

        Assert.True(await store.DeleteManifestAsync("mem/app", manifest.Digest, None));
        Assert.Empty(await store.TagsAsync("mem/app", None));
        result = await new GarbageCollector(store, log).RunAsync(dryRun: false, deleteUntagged: false, None);
        Assert.Equal(3, result.Swept.Count); // config, layer and the manifest itself
        Assert.DoesNotContain(driver.Keys, k => k.StartsWith(StoragePaths.Blobs, StringComparison.Ordinal));
    }
}
