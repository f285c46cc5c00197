using Berth.Core.Digests;

namespace Berth.Content;

/// <summary>A blob in the content store.</summary>
public sealed record ContentInfo(Digest Digest, long Size);

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
