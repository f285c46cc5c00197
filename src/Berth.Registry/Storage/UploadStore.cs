using System.Security.Cryptography;
using Berth.Registry.Api;

namespace Berth.Registry.Storage;

/// <summary>
/// Blob uploads in progress, one directory each: uploads/&lt;uuid&gt;/{repository,data}.
/// Lifecycle: start → append chunks (each must begin where the data ends) → commit
/// (<see cref="RegistryStore.CommitUploadAsync"/> verifies the digest and moves the data into
/// content/) or cancel. Bytes here are never visible as a blob; a crash leaves only an upload
/// nobody can see, which a client restarts or resumes from its Range.
/// </summary>
public sealed class UploadStore(IStorageDriver driver)
{
    /// <summary>Running digests of the uploads' bytes (see <see cref="UploadHashes"/>).</summary>
    public UploadHashes Hashes { get; } = new(TimeProvider.System);

    // Striped locks: requests on one upload are serialised (append, then commit) without a
    // dictionary that grows with every upload ever started.
    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<string> StartAsync(string repository, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("D");
        await driver.PutContentAsync(Data(id), ReadOnlyMemory<byte>.Empty, cancellationToken);
        await driver.PutContentAsync(Owner(id), System.Text.Encoding.UTF8.GetBytes(repository), cancellationToken);
        return id;
    }

    /// <summary>Serialises every request on one upload; dispose to release.</summary>
    public async Task<IDisposable> LockAsync(string id, CancellationToken cancellationToken)
    {
        var gate = _locks[(int)((uint)StringComparer.Ordinal.GetHashCode(id) % (uint)_locks.Length)];
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    /// <summary>Driver path of the upload's data; BLOB_UPLOAD_UNKNOWN unless it belongs to <paramref name="repository"/>.</summary>
    public async Task<string> DataPathAsync(string repository, string id, CancellationToken cancellationToken)
    {
        // Only canonical GUIDs: an id is a path component and must never walk out of uploads/.
        if (!Guid.TryParseExact(id, "D", out var guid) || guid.ToString("D") != id) throw RegistryError.UploadUnknown(id);
        var owner = await driver.GetContentAsync(Owner(id), cancellationToken);
        if (owner is null || System.Text.Encoding.UTF8.GetString(owner) != repository || await driver.StatAsync(Data(id), cancellationToken) is null)
            throw RegistryError.UploadUnknown(id);
        return Data(id);
    }

    public async Task<long> SizeAsync(string repository, string id, CancellationToken cancellationToken)
    {
        var data = await DataPathAsync(repository, id, cancellationToken);
        return (await driver.StatAsync(data, cancellationToken))?.Size ?? throw RegistryError.UploadUnknown(id);
    }

    /// <summary>
    /// Appends a chunk. With a Content-Range, <paramref name="start"/> must equal the current size
    /// (else 416) and the body must be exactly end-start+1 bytes; a chunk that turns out shorter or
    /// longer invalidates the whole upload, which is discarded.
    /// </summary>
    public async Task<long> AppendAsync(string repository, string id, Stream body, ContentRange? range, long? contentLength, CancellationToken cancellationToken)
    {
        var size = await SizeAsync(repository, id, cancellationToken);
        if (range is { } r)
        {
            if (r.Start != size) throw new RangeNotSatisfiableException(size);
            if (contentLength is { } declared && declared != r.Length)
                throw RegistryError.UploadInvalid($"Content-Length {declared} does not match Content-Range {r.Start}-{r.End}");
        }
        long written;
        var hash = Hashes.Resume(id, size);
        try
        {
            await using var file = await driver.OpenAppendAsync(Data(id), cancellationToken);
            var counting = new CountingCopy(file, hash);
            await counting.CopyFromAsync(body, cancellationToken);
            written = counting.Written;
        }
        catch
        {
            // How much of the chunk reached the file is unknown: the commit hashes the file instead.
            hash?.Dispose();
            throw;
        }
        if (hash is not null) Hashes.Save(id, hash, size + written);
        if (range is { } checkedRange && written != checkedRange.Length)
        {
            await DeleteAsync(id, cancellationToken);
            throw RegistryError.UploadInvalid($"chunk of {written} bytes does not match Content-Range {checkedRange.Start}-{checkedRange.End}; upload discarded");
        }
        return size + written;
    }

    public Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        Hashes.Forget(id);
        return driver.DeleteAsync(StoragePaths.Upload(id), cancellationToken);
    }

    private static string Data(string id) => StoragePaths.Upload(id) + "/data";
    private static string Owner(string id) => StoragePaths.Upload(id) + "/repository";

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    private sealed class CountingCopy(Stream target, IncrementalHash? hash)
    {
        public long Written { get; private set; }

        public async Task CopyFromAsync(Stream source, CancellationToken cancellationToken)
        {
            // Gather the body into 256 KiB blocks: one write and one hash update per block.
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 18);
            try
            {
                while (true)
                {
                    var filled = 0;
                    int n;
                    while (filled < buffer.Length && (n = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0) filled += n;
                    if (filled == 0) break;
                    await target.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
                    hash?.AppendData(buffer, 0, filled);
                    Written += filled;
                    if (filled < buffer.Length) break;
                }
                await target.FlushAsync(cancellationToken);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }    }
}

/// <summary>A chunk's byte range from Content-Range: inclusive offsets.</summary>
public readonly record struct ContentRange(long Start, long End)
{
    public long Length => End - Start + 1;
}

/// <summary>An out-of-order chunk: answered 416 with the range received so far.</summary>
public sealed class RangeNotSatisfiableException(long size) : Exception("chunk does not start at the end of the upload")
{
    public long Size { get; } = size;
}
