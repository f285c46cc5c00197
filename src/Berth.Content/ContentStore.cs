using Berth.Core.Interop;
using System.Security.Cryptography;
using Berth.Core.Digests;
using Berth.Core.Errors;

namespace Berth.Content;

/// <summary>
/// Filesystem content store under &lt;data-root&gt;/content:
/// <code>
///   blobs/sha256/&lt;hex&gt;   committed blobs, read-only, named by the sha256 of their bytes
///   ingest/&lt;random&gt;        blobs being written; never read by anyone but their writer
/// </code>
/// A write streams into a fresh ingest file while hashing, is verified, fsynced and then
/// renamed into blobs/: rename(2) is atomic, so a blob is either absent or complete, and two
/// writers of the same digest simply both rename identical bytes onto the same name.
/// </summary>
public sealed class ContentStore : IContentStore
{
    // Large buffers: blobs are layers of hundreds of MB; 1 MiB keeps syscalls per byte low.
    internal const int BufferSize = 1 << 20;

    private readonly string _blobDir;
    private readonly string _ingestDir;

    public ContentStore(string root)
    {
        Root = Path.GetFullPath(root);
        _blobDir = Path.Combine(Root, "blobs", Digest.Sha256Algorithm);
        _ingestDir = Path.Combine(Root, "ingest");
        // Root only (see FileModes): blobs include image configs and private layers.
        FileModes.CreateDirectory(_blobDir);
        FileModes.CreateDirectory(_ingestDir);
        RemoveStaleIngests();
    }

    /// <summary>The content directory (&lt;data-root&gt;/content).</summary>
    public string Root { get; }

    /// <summary>Path of a committed blob (whether or not it exists).</summary>
    public string BlobPath(Digest digest)
    {
        // Digest's constructor does not validate; never let a crafted hex walk out of blobs/.
        if (digest.Algorithm != Digest.Sha256Algorithm || digest.Hex.Length != 64 || !Digest.IsLowerHex(digest.Hex))
            throw new InvalidParameterException($"unsupported digest \"{digest}\"");
        return Path.Combine(_blobDir, digest.Hex);
    }

    public async Task<ContentInfo> WriteAsync(Stream content, Digest? expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (expected is { } known && Info(known) is { } existing)
        {
            // Already committed: the caller's stream is not needed (content-addressed).
            return existing;
        }

        var ingestPath = NewIngestPath();
        try
        {
            Digest actual;
            long size;
            await using (var file = CreateIngestFile(ingestPath))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[BufferSize];
                size = 0;
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    size += n;
                }
                actual = new Digest(Digest.Sha256Algorithm, Convert.ToHexStringLower(hash.GetHashAndReset()));
                if (expected is { } e && e != actual)
                    throw Mismatch(e, actual);
                await file.FlushAsync(cancellationToken);
                // Durability before visibility: the rename must never expose unsynced bytes.
                file.Flush(flushToDisk: true);
            }
            return Commit(ingestPath, actual, size);
        }
        finally
        {
            TryDelete(ingestPath);
        }
    }

    public async Task<ContentInfo> WriteAsync(ReadOnlyMemory<byte> content, Digest? expected, CancellationToken cancellationToken)
    {
        var actual = Digest.Compute(content.Span);
        if (expected is { } e && e != actual)
            throw Mismatch(e, actual);
        if (Info(actual) is { } existing) return existing;

        var ingestPath = NewIngestPath();
        try
        {
            await using (var file = CreateIngestFile(ingestPath))
            {
                await file.WriteAsync(content, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
            return Commit(ingestPath, actual, content.Length);
        }
        finally
        {
            TryDelete(ingestPath);
        }
    }

    /// <summary>
    /// Commits an existing file (on the same filesystem, e.g. a spooled download) by hashing it and
    /// renaming it in, which saves copying large layers. The file is consumed: moved or deleted.
    /// </summary>
    public async Task<ContentInfo> CommitFileAsync(string path, Digest? expected, CancellationToken cancellationToken)
    {
        Digest actual;
        long size;
        try
        {
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                size = file.Length;
                actual = await Digest.ComputeAsync(file, cancellationToken);
                if (expected is { } e && e != actual)
                    throw Mismatch(e, actual);
                file.Flush(flushToDisk: true);
            }
            if (Info(actual) is { } existing) return existing;
            return Commit(path, actual, size);
        }
        finally
        {
            TryDelete(path);
        }
    }

    public ContentInfo? Info(Digest digest)
    {
        var info = new FileInfo(BlobPath(digest));
        return info.Exists ? new ContentInfo(digest, info.Length) : null;
    }

    public bool Exists(Digest digest) => File.Exists(BlobPath(digest));

    public Stream OpenRead(Digest digest)
    {
        try
        {
            return new FileStream(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new NotFoundException($"content digest {digest}: not found");
        }
    }

    public async Task<byte[]> ReadAllAsync(Digest digest, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(BlobPath(digest), cancellationToken);
        }
        catch (FileNotFoundException)
        {
            throw new NotFoundException($"content digest {digest}: not found");
        }
    }

    public void Delete(Digest digest)
    {
        // File.Delete ignores a missing file, which is the documented contract.
        File.Delete(BlobPath(digest));
    }

    public IEnumerable<ContentInfo> List()
    {
        foreach (var path in Directory.EnumerateFiles(_blobDir))
        {
            var name = Path.GetFileName(path);
            if (name.Length != 64 || !Digest.IsLowerHex(name)) continue;
            long length;
            try { length = new FileInfo(path).Length; }
            catch (FileNotFoundException) { continue; } // deleted while listing
            yield return new ContentInfo(new Digest(Digest.Sha256Algorithm, name), length);
        }
    }

    private ContentInfo Commit(string ingestPath, Digest digest, long size)
    {
        // rename(2) replaces atomically; a concurrent writer of the same digest wrote the same bytes.
        File.Move(ingestPath, BlobPath(digest), overwrite: true);
        return new ContentInfo(digest, size);
    }

    private string NewIngestPath() =>
        Path.Combine(_ingestDir, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    private static FileStream CreateIngestFile(string path) =>
        new(path, FileModes.Create(FileMode.CreateNew, FileAccess.Write, FileModes.PrivateFile, FileShare.None, BufferSize, FileOptions.Asynchronous));

    private void RemoveStaleIngests()
    {
        // Left by a crash or kill mid-write; nothing can be reading them after a restart.
        foreach (var path in Directory.EnumerateFileSystemEntries(_ingestDir))
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
            }
            catch (IOException) { }
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Key of <see cref="Exception.Data"/> holding the actual digest of refused content.</summary>
    public const string ActualDigestKey = "berth.actualDigest";

    private static InvalidParameterException Mismatch(Digest expected, Digest actual)
    {
        var exception = new InvalidParameterException($"content digest mismatch: expected {expected}, got {actual}");
        // Callers that report in their own words (docker load's "invalid diffID …") need the digest.
        exception.Data[ActualDigestKey] = actual.ToString();
        return exception;
    }
}
