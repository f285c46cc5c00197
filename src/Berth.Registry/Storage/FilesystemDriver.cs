namespace Berth.Registry.Storage;

/// <summary>
/// <see cref="IStorageDriver"/> over a local directory. Atomic writes are a temp file in the same
/// directory, fsync, then rename(2); temp files are named ".tmp-*" and hidden from listings, so a
/// crash mid-write leaves nothing anyone reads.
/// </summary>
public sealed class FilesystemDriver : IStorageDriver
{
    private const string TempPrefix = ".tmp-";
    private const int BufferSize = 1 << 20;

    public FilesystemDriver(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>The local path for a driver path; throws for anything that could leave the root.</summary>
    public string FullPath(string path)
    {
        if (path.Length == 0) return Root;
        foreach (var part in path.Split('/'))
        {
            // Every caller builds paths from validated names, digests and GUIDs; this is the last line.
            if (part is "" or "." or ".." || part.Contains('\0') || part.Contains('\\') || part.StartsWith(TempPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"invalid storage path \"{path}\"", nameof(path));
        }
        return Path.Combine(Root, path);
    }

    public async Task<byte[]?> GetContentAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(FullPath(path), cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(FullPath(path)))
        {
            // A directory is not a file's content.
            return null;
        }
    }

    public async Task PutContentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var full = FullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken);
                await file.FlushAsync(cancellationToken);
                // Durability before visibility: the rename must never expose unsynced bytes.
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public Task<Stream?> OpenReadAsync(string path, long offset, CancellationToken cancellationToken)
    {
        try
        {
            var file = new FileStream(FullPath(path), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
            if (offset > 0) file.Seek(offset, SeekOrigin.Begin);
            return Task.FromResult<Stream?>(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<Stream> OpenAppendAsync(string path, CancellationToken cancellationToken)
    {
        var full = FullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Unbuffered and synchronous: callers write large blocks, which land in the page cache at
        // memory speed; an async handle would move every write to the thread pool for nothing.
        Stream file = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.None);
        return Task.FromResult(file);
    }

    public Task<StorageEntry?> StatAsync(string path, CancellationToken cancellationToken)
    {
        var full = FullPath(path);
        var file = new FileInfo(full);
        if (file.Exists) return Task.FromResult<StorageEntry?>(new StorageEntry(path, file.Length, false, file.LastWriteTimeUtc));
        var dir = new DirectoryInfo(full);
        return Task.FromResult(dir.Exists ? new StorageEntry(path, 0, true, dir.LastWriteTimeUtc) : null);
    }

    public Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var full = FullPath(path);
        if (!Directory.Exists(full)) return Task.FromResult<IReadOnlyList<string>>([]);
        try
        {
            IReadOnlyList<string> names = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OfType<string>()
                .Where(n => !n.StartsWith(TempPrefix, StringComparison.Ordinal)).ToList();
            return Task.FromResult(names);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult<IReadOnlyList<string>>([]);
        }
    }

    public Task MoveAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var target = FullPath(destination);
        var from = FullPath(source);
        // fsync before the rename so that a visible blob is a durable blob.
        using (var file = new FileStream(from, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            file.Flush(flushToDisk: true);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(from, target, overwrite: true);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var full = FullPath(path);
        try
        {
            if (File.Exists(full)) File.Delete(full);
            else if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted concurrently: the outcome is the one asked for.
        }
        return Task.CompletedTask;
    }
}
