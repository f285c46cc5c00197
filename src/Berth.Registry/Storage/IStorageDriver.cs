namespace Berth.Registry.Storage;

/// <summary>What a path holds: its size in bytes (0 for a directory) and when it last changed.</summary>
public sealed record StorageEntry(string Path, long Size, bool IsDirectory, DateTimeOffset ModifiedAt);

/// <summary>
/// Everything berth-registry persists goes through this interface, modelled on distribution's
/// storagedriver so that an S3-compatible object store can back several replicas.
/// <para>
/// Paths are relative, "/"-separated, and never contain empty, "." or ".." components; drivers
/// refuse anything else. "Directories" are implied by the paths beneath them.
/// </para>
/// Contract:
/// <list type="bullet">
///   <item><see cref="PutContentAsync"/> and <see cref="MoveAsync"/> are atomic: a reader sees the old
///   bytes or the new ones, never a mix. Everything a reader may see is written this way.</item>
///   <item><see cref="OpenAppendAsync"/> is not atomic; only uploads in progress use it, and they are
///   never visible until verified and moved into place.</item>
///   <item>Reads of absent paths return null (or an empty list); <see cref="DeleteAsync"/> is
///   recursive and does nothing for an absent path.</item>
/// </list>
/// </summary>
public interface IStorageDriver
{
    /// <summary>The whole content of a small file, or null if absent.</summary>
    Task<byte[]?> GetContentAsync(string path, CancellationToken cancellationToken);

    /// <summary>Replaces the file atomically, creating parents as needed.</summary>
    Task PutContentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>A read stream starting at <paramref name="offset"/>, or null if the file is absent.</summary>
    Task<Stream?> OpenReadAsync(string path, long offset, CancellationToken cancellationToken);

    /// <summary>A write stream at the end of the file, created empty if absent.</summary>
    Task<Stream> OpenAppendAsync(string path, CancellationToken cancellationToken);

    Task<StorageEntry?> StatAsync(string path, CancellationToken cancellationToken);

    /// <summary>Names (not paths) of the immediate children of a directory; empty if absent.</summary>
    Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken);

    /// <summary>Moves a file onto <paramref name="destination"/> atomically, replacing it.</summary>
    Task MoveAsync(string source, string destination, CancellationToken cancellationToken);

    /// <summary>Deletes a file or a whole directory tree.</summary>
    Task DeleteAsync(string path, CancellationToken cancellationToken);
}
