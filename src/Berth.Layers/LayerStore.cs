using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Berth.Core.Diagnostics;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.Interop;
using Berth.Layers.Archive;

namespace Berth.Layers;

/// <summary>
/// Layer store on disk, under one root (e.g. /var/lib/berth/layers):
/// <code>
///   &lt;chain-id hex&gt;/diff/      the unpacked files (an overlayfs lower dir)
///   &lt;chain-id hex&gt;/diff-id     "sha256:…" of the uncompressed tar
///   &lt;chain-id hex&gt;/parent      parent chain ID (absent for a base layer)
///   &lt;chain-id hex&gt;/size        bytes of file content
///   tmp/                       unpacks and deletions in progress; emptied on start
/// </code>
/// A layer directory appears by one rename(2) of a complete temp dir, so it is either whole
/// or absent. Long lowerdir lists are handled by <see cref="Overlay.OverlayMount"/>
/// (through /proc/self/fd), so no short-name symlink farm is kept here.
/// </summary>
public sealed class LayerStore : ILayerStore
{
    private const string DiffDirName = "diff";
    private const string DiffIdFile = "diff-id";
    private const string ParentFile = "parent";
    private const string SizeFile = "size";

    private readonly string _root;
    private readonly string _tmp;
    // Layers never change once in place, so what was read from disk stays true until deleted.
    private readonly ConcurrentDictionary<string, Layer> _cache = new(StringComparer.Ordinal);
    // tmp/ entries of unpacks and deletes in progress: RemoveStaleTemp leaves them alone.
    private readonly ConcurrentDictionary<string, byte> _activeTemp = new(StringComparer.Ordinal);

    public LayerStore(string root)
    {
        _root = Path.GetFullPath(root).TrimEnd('/');
        _tmp = Path.Combine(_root, "tmp");
        // Root only (see FileModes): layers hold setuid files and whatever images keep private.
        FileModes.CreateDirectory(_root);
        FileModes.CreateDirectory(_tmp);
        // Anything in tmp belongs to an unpack or delete that a crash interrupted.
        foreach (var stale in Directory.GetFileSystemEntries(_tmp)) Posix.RemoveAll(stale);
    }

    public string Root => _root;

    public async Task<Layer> ApplyAsync(Layer? parent, Stream archive, Digest? expectedDiffId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        cancellationToken.ThrowIfCancellationRequested();
        if (parent is not null && Get(parent.ChainId) is null)
            throw new NotFoundException($"parent layer {parent.ChainId} not found");
        // Known diff ID and the chain is already there: nothing to unpack.
        if (expectedDiffId is { } expected && Touch(Get(ChainIds.Compute(parent?.ChainId, expected))) is { } present)
            return present;

        var work = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        var diff = Path.Combine(work, DiffDirName);
        var owned = work;
        _activeTemp[owned] = 0;
        // work becomes the layer's directory (0700); diff is a lower dir, 0755 as docker's.
        FileModes.CreateDirectory(work);
        FileModes.CreateDirectory(diff, FileModes.ContainerDirectory);
        try
        {
            var (diffId, size) = await UnpackAsync(archive, diff, cancellationToken);
            if (expectedDiffId is { } wanted && wanted != diffId)
                throw new InvalidParameterException($"layer diff ID mismatch: expected {wanted}, got {diffId}");
            var chainId = ChainIds.Compute(parent?.ChainId, diffId);
            if (Touch(Get(chainId)) is { } existing) return existing;

            FileModes.WriteAllText(Path.Combine(work, DiffIdFile), diffId.ToString());
            if (parent is not null)
                FileModes.WriteAllText(Path.Combine(work, ParentFile), parent.ChainId.ToString());
            FileModes.WriteAllText(Path.Combine(work, SizeFile), size.ToString(CultureInfo.InvariantCulture));
            cancellationToken.ThrowIfCancellationRequested();
            // The rename below must not become visible before the files it points to are durable.
            Posix.SyncFileSystem(work);

            var final = LayerDir(chainId);
            if (Libc.RenameAt2(Libc.At.FdCwd, work, Libc.At.FdCwd, final, Libc.RenameNoReplace) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // A concurrent apply of the same chain won the race: use its layer.
                if (errno is Errno.EEXIST or Errno.ENOTEMPTY && Touch(Get(chainId)) is { } winner) return winner;
                Libc.ThrowLastError("renameat2", final);
            }
            work = null;
            CrashPoints.Reach("layer.after-commit");
            var layer = new Layer(chainId, diffId, parent?.ChainId, size, Path.Combine(final, DiffDirName));
            _cache[chainId.Hex] = layer;
            return layer;
        }
        catch (Exception ex) when (ArchiveErrors.IsCorrupt(ex))
        {
            throw new InvalidParameterException($"invalid layer archive: {ArchiveErrors.Describe(ex)}", ex);
        }
        finally
        {
            if (work is not null) TryRemove(work);
            _activeTemp.TryRemove(owned, out _);
        }
    }

    /// <summary>
    /// Sets a layer's directory mtime to now when an apply finds it present: a caller that holds no
    /// lease on it is then covered by the collector's grace period, as for a fresh unpack.
    /// </summary>
    private Layer? Touch(Layer? layer)
    {
        if (layer is null) return null;
        try
        {
            Directory.SetLastWriteTimeUtc(Path.GetDirectoryName(layer.DiffPath)!, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Get(layer.ChainId) is null) return null; // deleted meanwhile: unpack it again
        }
        return layer;
    }

    /// <summary>Unpacks into <paramref name="diff"/>, hashing the uncompressed tar as it streams.</summary>
    private static async Task<(Digest DiffId, long Size)> UnpackAsync(Stream archive, string diff, CancellationToken cancellationToken)
    {
        var (_, decompressed) = await Compression.OpenDecompressedAsync(archive, cancellationToken, leaveOpen: true);
        await using var tar = decompressed;
        using var digesting = new DigestingStream(tar, leaveOpen: true);
        // TarReader reads 512-byte headers; buffering above the hash keeps hashing in large chunks.
        await using var buffered = new BufferedStream(digesting, 128 * 1024);
        var unpacker = new LayerUnpacker(diff);
        await unpacker.UnpackAsync(buffered, cancellationToken);
        // The diff ID covers the whole tar, including the zero blocks and record padding
        // after the end marker that TarReader does not read.
        var rest = new byte[64 * 1024];
        while (await buffered.ReadAsync(rest, cancellationToken) > 0) { }
        return (digesting.GetDigest(), unpacker.Size);
    }

    public Layer? Get(Digest chainId)
    {
        if (_cache.TryGetValue(chainId.Hex, out var cached)) return cached;
        var dir = LayerDir(chainId);
        string diffIdText;
        try
        {
            diffIdText = File.ReadAllText(Path.Combine(dir, DiffIdFile)).Trim();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var parentPath = Path.Combine(dir, ParentFile);
        Digest? parent = File.Exists(parentPath) ? Digest.Parse(File.ReadAllText(parentPath).Trim()) : null;
        var size = long.Parse(File.ReadAllText(Path.Combine(dir, SizeFile)).Trim(), CultureInfo.InvariantCulture);
        var layer = new Layer(chainId, Digest.Parse(diffIdText), parent, size, Path.Combine(dir, DiffDirName));
        return _cache.GetOrAdd(chainId.Hex, layer);
    }

    public IReadOnlyList<string> GetLowerDirs(Digest chainId)
    {
        var dirs = new List<string>();
        Digest? next = chainId;
        while (next is { } id)
        {
            var layer = Get(id) ?? throw new NotFoundException($"layer {id} not found");
            dirs.Add(layer.DiffPath);
            next = layer.Parent;
        }
        return dirs;
    }

    /// <summary>Deletes one layer; a layer that is already gone is not an error.</summary>
    public async Task DeleteAsync(Digest chainId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Detach(chainId) is { } remove) await remove();
    }

    public Func<Task>? Detach(Digest chainId)
    {
        _cache.TryRemove(chainId.Hex, out _);
        var dir = LayerDir(chainId);
        if (!Directory.Exists(dir)) return null;
        // Move it out of sight first so a half-deleted layer is never seen; a crash leaves it in tmp.
        var doomed = Path.Combine(_tmp, "del-" + Guid.NewGuid().ToString("N"));
        _activeTemp[doomed] = 0;
        try
        {
            Directory.Move(dir, doomed);
        }
        catch (DirectoryNotFoundException)
        {
            _activeTemp.TryRemove(doomed, out _);
            return null;
        }
        _cache.TryRemove(chainId.Hex, out _); // a Get between the first removal and the move
        // Big layers take seconds to remove: keep that off the caller's thread. Once moved, the
        // removal runs to the end even if the caller gives up (the next start would finish it).
        return async () =>
        {
            try
            {
                await Task.Run(() => TryRemove(doomed), CancellationToken.None);
            }
            finally
            {
                _activeTemp.TryRemove(doomed, out _);
            }
        };
    }

    public IEnumerable<(Digest ChainId, DateTime ModifiedUtc)> List()
    {
        foreach (var path in Directory.EnumerateDirectories(_root))
        {
            var name = Path.GetFileName(path);
            if (name.Length != 64 || !Digest.IsLowerHex(name)) continue;
            var info = new DirectoryInfo(path);
            if (!info.Exists) continue; // deleted while listing
            yield return (new Digest(Digest.Sha256Algorithm, name), info.LastWriteTimeUtc);
        }
    }

    public int RemoveStaleTemp()
    {
        var removed = 0;
        foreach (var path in Directory.GetFileSystemEntries(_tmp))
        {
            if (_activeTemp.ContainsKey(path)) continue;
            TryRemove(path);
            removed++;
        }
        return removed;
    }

    public Task WriteDiffAsync(string upperDir, Stream destination, CancellationToken cancellationToken) =>
        DiffWriter.WriteAsync(upperDir, destination, cancellationToken);

    private string LayerDir(Digest chainId)
    {
        // The hex becomes a path component: anything but 64 lowercase hex digits is refused.
        if (chainId.Algorithm != Digest.Sha256Algorithm || chainId.Hex is not { Length: 64 } hex || !Digest.IsLowerHex(hex))
            throw new InvalidParameterException($"invalid chain ID \"{chainId}\"");
        return Path.Combine(_root, hex);
    }

    private static void TryRemove(string path)
    {
        try
        {
            Posix.RemoveAll(path);
        }
        catch (IOException)
        {
            // Left for the next start's tmp sweep.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
