using Berth.Registry.Api;

namespace Berth.Registry.Storage;

/// <summary>
/// Blob uploads in progress, one directory each: DIR/uploads/&lt;uuid&gt;/{repository,data}.
/// Bytes only become a blob when <see cref="RegistryStore.CompleteUploadAsync"/> verifies them.
/// </summary>
public sealed class UploadStore
{
    private readonly string _dir;

    public UploadStore(string root)
    {
        _dir = Path.Combine(root, "uploads");
        Directory.CreateDirectory(_dir);
    }

    public string Start(string repository)
    {
        var id = Guid.NewGuid().ToString("D");
        var dir = Path.Combine(_dir, id);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "repository"), repository);
        File.Create(Path.Combine(dir, "data")).Dispose();
        return id;
    }

    /// <summary>Path of the upload's data file; BLOB_UPLOAD_UNKNOWN unless it belongs to <paramref name="repository"/>.</summary>
    public string DataPath(string repository, string id)
    {
        // Only canonical GUIDs: an id is a path component and must never walk out of uploads/.
        if (!Guid.TryParseExact(id, "D", out var guid) || guid.ToString("D") != id) throw RegistryError.UploadUnknown(id);
        var dir = Path.Combine(_dir, id);
        var owner = Path.Combine(dir, "repository");
        var data = Path.Combine(dir, "data");
        if (!File.Exists(owner) || !File.Exists(data) || File.ReadAllText(owner) != repository)
            throw RegistryError.UploadUnknown(id);
        return data;
    }

    public long Size(string repository, string id) => new FileInfo(DataPath(repository, id)).Length;

    /// <summary>Appends a chunk; <paramref name="start"/> (from Content-Range) must equal the current size.</summary>
    public async Task<long> AppendAsync(string repository, string id, Stream body, long? start, long? end, CancellationToken cancellationToken)
    {
        var path = DataPath(repository, id);
        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        if (start is { } s && s != file.Length) throw new RangeNotSatisfiableException(file.Length);
        var before = file.Length;
        await body.CopyToAsync(file, 1 << 20, cancellationToken);
        await file.FlushAsync(cancellationToken);
        if (end is { } e && e - (start ?? before) + 1 != file.Length - before)
        {
            file.SetLength(before);
            throw RegistryError.UploadInvalid("chunk length does not match Content-Range");
        }
        return file.Length;
    }

    public void Delete(string id)
    {
        var dir = Path.Combine(_dir, id);
        try { Directory.Delete(dir, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}

/// <summary>An out-of-order chunk: answered 416 with the range received so far.</summary>
public sealed class RangeNotSatisfiableException(long size) : Exception("chunk does not start at the end of the upload")
{
    public long Size { get; } = size;
}
