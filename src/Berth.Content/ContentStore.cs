using System.Security.Cryptography;
using Berth.Core.Diagnostics;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.Interop;

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
    // Ingest files of writes in progress: the collector removes only the others.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _activeIngests = new(StringComparer.Ordinal);

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

    public Task<ContentInfo> WriteAsync(Stream content, Digest? expected, CancellationToken cancellationToken) =>
        WriteAsync(content, expected, null, cancellationToken);

    public async Task<ContentInfo> WriteAsync(Stream content, Digest? expected, BeforeCommit? beforeCommit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (expected is { } known)
        {
            // Held before it can be found present, so a collection cannot remove it under the caller.
            if (beforeCommit is not null) await beforeCommit(known, cancellationToken);
            if (Touch(known) is { } existing)
            {
                // Already committed: the caller's stream is not needed (content-addressed).
                return existing;
            }
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
            if (expected is null && beforeCommit is not null) await beforeCommit(actual, cancellationToken);
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
        if (Touch(actual) is { } existing) return existing;

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
            if (Touch(actual) is { } existing) return existing;
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
        return info.Exists ? new ContentInfo(digest, info.Length) { ModifiedUtc = info.LastWriteTimeUtc } : null;
    }

    /// <summary>
    /// Info of a blob a write found present, after setting its mtime to now: a writer that holds no
    /// lease on it is then covered by the collector's grace period, as a fresh write would be.
    /// </summary>
    private ContentInfo? Touch(Digest digest)
    {
        if (Info(digest) is not { } info) return null;
        try
        {
            var now = DateTime.UtcNow;
            File.SetLastWriteTimeUtc(BlobPath(digest), now);
            return info with { ModifiedUtc = now };
        }
        catch (FileNotFoundException)
        {
            return null; // removed meanwhile: write it again
        }
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
            var file = new FileInfo(path);
            if (!file.Exists) continue; // deleted while listing
            yield return new ContentInfo(new Digest(Digest.Sha256Algorithm, name), file.Length) { ModifiedUtc = file.LastWriteTimeUtc };
        }
    }

    private ContentInfo Commit(string ingestPath, Digest digest, long size)
    {
        // rename(2) replaces atomically; a concurrent writer of the same digest wrote the same bytes.
        File.Move(ingestPath, BlobPath(digest), overwrite: true);
        CrashPoints.Reach("content.after-commit");
        return new ContentInfo(digest, size) { ModifiedUtc = DateTime.UtcNow };
    }

    private string NewIngestPath()
    {
        var path = Path.Combine(_ingestDir, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        _activeIngests[path] = 0; // owned before it exists: the collector never sees it unowned
        return path;
    }

    private static FileStream CreateIngestFile(string path) =>
        new(path, FileModes.Create(FileMode.CreateNew, FileAccess.Write, FileModes.PrivateFile, FileShare.None, BufferSize, FileOptions.Asynchronous));

    /// <summary>
    /// Removes ingest files no write in progress owns: at start, everything a crash or kill left
    /// mid-write (nothing can be reading them after a restart); later, what a failed delete left.
    /// </summary>
    public int RemoveStaleIngests()
    {
        var removed = 0;
        foreach (var path in Directory.EnumerateFileSystemEntries(_ingestDir))
        {
            if (_activeIngests.ContainsKey(path)) continue;
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
                removed++;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    private void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _activeIngests.TryRemove(path, out _);
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
