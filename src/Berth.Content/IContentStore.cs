using Berth.Core.Digests;

namespace Berth.Content;

/// <summary>A blob in the content store.</summary>
public sealed record ContentInfo(Digest Digest, long Size)
{
    /// <summary>
    /// When the blob was last written (or found already present by a write); what the collector's
    /// grace period counts from. Not part of equality: the same digest and size are the same content.
    /// </summary>
    public DateTime ModifiedUtc { get; init; }

    public bool Equals(ContentInfo? other) => other is not null && Digest == other.Digest && Size == other.Size;

    public override int GetHashCode() => HashCode.Combine(Digest, Size);
}

/// <summary>
/// Called by a write with the blob's digest once it is known and before the blob becomes visible
/// (renamed into blobs/, or found already there): the writer takes its lease on the digest here,
/// so the garbage collector never sees the blob without a holder.
/// </summary>
public delegate ValueTask BeforeCommit(Digest digest, CancellationToken cancellationToken);

/// <summary>
/// Content-addressed blob store (layers as pulled, manifests, configs), after containerd's.
/// Lifecycle of a blob: ingest (written under content/ingest/, hashed while it streams)
/// → commit (verified against its digest, fsynced, renamed into content/blobs/sha256/&lt;hex&gt;)
/// → read by digest → delete. A blob is either fully present or absent, never partial.
/// </summary>
public interface IContentStore
{
    /// <summary>
    /// Ingests and commits a blob. When <paramref name="expected"/> is given and the bytes do
    /// not hash to it, nothing is committed and an InvalidParameterException names both digests.
    /// Committing content that already exists is a no-op that returns its info.
    /// </summary>
    Task<ContentInfo> WriteAsync(Stream content, Digest? expected, CancellationToken cancellationToken);

    Task<ContentInfo> WriteAsync(ReadOnlyMemory<byte> content, Digest? expected, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync(Stream, Digest?, CancellationToken)"/>, calling <paramref name="beforeCommit"/> with the
    /// digest before the blob is committed or found present (at once when <paramref name="expected"/> is given).
    /// </summary>
    Task<ContentInfo> WriteAsync(Stream content, Digest? expected, BeforeCommit? beforeCommit, CancellationToken cancellationToken);

    /// <summary>Ingest files (content/ingest) that no write in progress owns: left by a failed delete. Returns how many.</summary>
    int RemoveStaleIngests() => 0;

    ContentInfo? Info(Digest digest);

    bool Exists(Digest digest);

    /// <summary>Opens a committed blob; NotFoundException when absent.</summary>
    Stream OpenRead(Digest digest);

    Task<byte[]> ReadAllAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Removes a blob; absent blobs are ignored.</summary>
    void Delete(Digest digest);

    IEnumerable<ContentInfo> List();

    /// <summary>
    /// Commits a file already on disk (a spooled download or archive entry) and consumes it: the
    /// file is moved in when possible, else copied, and is gone afterwards either way. Same
    /// verification as <see cref="WriteAsync(Stream, Digest?, CancellationToken)"/>.
    /// </summary>
    async Task<ContentInfo> CommitFileAsync(string path, Digest? expected, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = File.OpenRead(path);
            return await WriteAsync(file, expected, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
