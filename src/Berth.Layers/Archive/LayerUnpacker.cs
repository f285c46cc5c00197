using System.Buffers;
using System.Formats.Tar;
using System.Text;
using Berth.Core.Errors;
using Berth.Core.Interop;

namespace Berth.Layers.Archive;

/// <summary>
/// Applies the entries of one (untrusted) layer tar to an empty directory, in overlayfs form.
/// Safety rests on three rules: entry names are cleaned lexically and may not leave the root;
/// every parent directory is checked with lstat to be a real directory (never a symlink)
/// before anything is created in it; and all metadata calls are the no-follow variants.
/// The directory is private to this unpack, so nothing else changes it between check and use.
/// </summary>
internal sealed class LayerUnpacker(string root)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string WhiteoutMetaPrefix = ".wh..wh.";
    private const string OpaqueMarker = ".wh..wh..opq";
    private const string XattrPaxPrefix = "SCHILY.xattr.";
    private static ReadOnlySpan<byte> OpaqueValue => "y"u8;

    // Relative paths known to be real directories created (or checked) by this unpack.
    private readonly HashSet<string> _dirs = new(StringComparer.Ordinal) { "" };
    // Relative paths of non-directory entries of this layer: the valid hardlink targets.
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);
    // Directory metadata, applied after all entries so children do not disturb mtimes.
    private readonly Dictionary<string, TarEntry> _dirEntries = new(StringComparer.Ordinal);
    private string _entryName = "";

    /// <summary>Bytes of regular file content written (hardlinks not counted).</summary>
    public long Size { get; private set; }

    public async Task UnpackAsync(Stream tar, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            await using var reader = new TarReader(tar, leaveOpen: true);
            while (await NextAsync(reader, cancellationToken) is { } entry)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await ApplyAsync(entry, buffer, cancellationToken);
            }
            foreach (var (relative, entry) in _dirEntries)
            {
                _entryName = entry.Name;
                SetMetadata(Full(relative), entry, isSymlink: false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<TarEntry?> NextAsync(TarReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.GetNextEntryAsync(copyData: false, cancellationToken);
        }
        catch (NotSupportedException ex)
        {
            // TarReader refuses exactly one entry type it recognises: the old GNU sparse file.
            var after = _entryName.Length == 0 ? "the first entry" : $"the entry after \"{_entryName}\"";
            throw new InvalidParameterException(
                $"invalid layer archive: {after} is an old GNU sparse file (tar type 'S'), which is not supported; " +
                "re-create the archive with tar --sparse --format=posix, or without --sparse", ex);
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("uplicate", StringComparison.Ordinal))
        {
            // TarReader refuses a PAX header that repeats a key (its message, or under NativeAOT its
            // resource key, says "duplicate"). GNU sparse format 0.0 is what writes such headers.
            var after = _entryName.Length == 0 ? "the first entry" : $"the entry after \"{_entryName}\"";
            throw new InvalidParameterException(
                $"invalid layer archive: the PAX header of {after} repeats a record, as GNU sparse format 0.0 does, which is not supported; " +
                "re-create the archive with tar --sparse --format=posix, or without --sparse", ex);
        }
    }

    private async Task ApplyAsync(TarEntry entry, byte[] buffer, CancellationToken cancellationToken)
    {
        if (entry.EntryType == TarEntryType.GlobalExtendedAttributes) return;
        _entryName = entry.Name;
        SparseEntry? sparse;
        try
        {
            sparse = SparseEntry.TryGet(entry);
        }
        catch (FormatException ex)
        {
            throw Refuse(ex.Message);
        }
        // A sparse file's header carries a placeholder name (GNUSparseFile.0/x); the real one is a PAX record.
        if (sparse is not null) _entryName = sparse.Name;
        var relative = Clean(_entryName);
        var slash = relative.LastIndexOf('/');
        var parent = slash < 0 ? "" : relative[..slash];
        var name = slash < 0 ? relative : relative[(slash + 1)..];

        if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            ApplyWhiteout(entry, parent, name);
            return;
        }

        if (relative.Length == 0)
        {
            // "./" describes the layer root itself; only a directory makes sense there.
            if (entry.EntryType != TarEntryType.Directory) throw Refuse("not a directory at the layer root");
            _dirEntries[""] = entry;
            return;
        }

        EnsureDirectory(parent);
        var full = Full(relative);
        // V7 archives have no directory type: a regular entry named "dir/" is a directory.
        var type = entry.EntryType == TarEntryType.V7RegularFile && entry.Name.EndsWith('/') ? TarEntryType.Directory : entry.EntryType;
        switch (type)
        {
            case TarEntryType.Directory:
                if (!RemoveExisting(relative, full, keepDirectory: true)) Directory.CreateDirectory(full);
                _dirs.Add(relative);
                _dirEntries[relative] = entry;
                break;

            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                RemoveExisting(relative, full, keepDirectory: false);
                if (sparse is null) await WriteFileAsync(full, entry, buffer, cancellationToken);
                else await WriteSparseFileAsync(full, entry, sparse, buffer, cancellationToken);
                SetMetadata(full, entry, isSymlink: false);
                _files.Add(relative);
                break;

            case TarEntryType.SymbolicLink:
                RemoveExisting(relative, full, keepDirectory: false);
                // The target is data: stored as is, never resolved by us.
                Posix.Symlink(entry.LinkName, full);
                SetMetadata(full, entry, isSymlink: true);
                _files.Add(relative);
                break;

            case TarEntryType.HardLink:
                var target = Clean(entry.LinkName, "hardlink target");
                if (!_files.Contains(target))
                    throw Refuse($"hardlink target \"{entry.LinkName}\" is not an earlier entry of this layer");
                if (target == relative) return;
                RemoveExisting(relative, full, keepDirectory: false);
                Posix.Link(Full(target), full);
                _files.Add(relative);
                break;

            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                RemoveExisting(relative, full, keepDirectory: false);
                var fileType = entry.EntryType switch
                {
                    TarEntryType.CharacterDevice => Libc.FileTypes.Char,
                    TarEntryType.BlockDevice => Libc.FileTypes.Block,
                    _ => Libc.FileTypes.Fifo,
                };
                var posix = (PosixTarEntry)entry;
                Posix.Mknod(full, fileType, (uint)entry.Mode, (uint)posix.DeviceMajor, (uint)posix.DeviceMinor);
                SetMetadata(full, entry, isSymlink: false);
                _files.Add(relative);
                break;

            default:
                throw Refuse($"unsupported entry type {entry.EntryType}");
        }
    }

    private void ApplyWhiteout(TarEntry entry, string parent, string name)
    {
        EnsureDirectory(parent);
        if (name == OpaqueMarker)
        {
            // Opaque: the directory hides everything below it in lower layers.
            // Losing this silently would make deleted lower files reappear: fail instead.
            if (!Posix.TrySetXattr(Full(parent), "trusted.overlay.opaque", OpaqueValue, isSymlink: false))
                throw new IOException($"layer entry \"{_entryName}\": the file system does not support trusted.* xattrs");
            return;
        }
        // Other .wh..wh. names are aufs bookkeeping (hardlink dirs); docker skips them too.
        if (name.StartsWith(WhiteoutMetaPrefix, StringComparison.Ordinal)) return;
        var hidden = name[WhiteoutPrefix.Length..];
        if (hidden is "" or "." or "..") throw Refuse("invalid whiteout name");
        var relative = parent.Length == 0 ? hidden : $"{parent}/{hidden}";
        var full = Full(relative);
        RemoveExisting(relative, full, keepDirectory: false);
        // overlayfs whiteout: a character device 0:0 named after the hidden file.
        Posix.Mknod(full, Libc.FileTypes.Char, 0, 0, 0);
        Posix.LChown(full, entry.Uid, entry.Gid);
        Posix.SetTimes(full, entry.ModificationTime, entry.ModificationTime);
    }

    private async Task WriteFileAsync(string full, TarEntry entry, byte[] buffer, CancellationToken cancellationToken)
    {
        // Never preallocate from the header: its size is untrusted (a truncated archive claiming
        // terabytes would fallocate them before failing), and the data is written in order anyway.
        using var handle = File.OpenHandle(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None);
        long written = 0;
        if (entry.DataStream is { } data)
        {
            int n;
            while ((n = await data.ReadAsync(buffer, cancellationToken)) > 0)
            {
                RandomAccess.Write(handle, buffer.AsSpan(0, n), written);
                written += n;
            }
        }
        if (written != entry.Length) throw Refuse($"truncated: {written} of {entry.Length} bytes");
        Size += written;
    }

    /// <summary>
    /// Writes a GNU sparse file as a sparse file: each data region at its offset, the holes
    /// between them left unwritten, and the real size set with ftruncate.
    /// </summary>
    private async Task WriteSparseFileAsync(string full, TarEntry entry, SparseEntry sparse, byte[] buffer, CancellationToken cancellationToken)
    {
        var data = entry.DataStream ?? Stream.Null;
        try
        {
            if (sparse.MapInData) await sparse.ReadMapAsync(data, entry.Length, buffer, cancellationToken);
        }
        catch (FormatException ex)
        {
            throw Refuse(ex.Message);
        }
        catch (EndOfStreamException)
        {
            throw Refuse("truncated sparse map");
        }
        using var handle = File.OpenHandle(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None);
        try
        {
            RandomAccess.SetLength(handle, sparse.RealSize);
        }
        catch (IOException)
        {
            throw Refuse($"sparse file size {sparse.RealSize} is too large for the file system");
        }
        foreach (var (offset, length) in sparse.Map!)
        {
            long done = 0;
            while (done < length)
            {
                var n = await data.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), cancellationToken);
                if (n == 0) throw Refuse($"truncated sparse data at offset {offset + done}");
                RandomAccess.Write(handle, buffer.AsSpan(0, n), offset + done);
                done += n;
            }
        }
        // Apparent sizes of sparse files can be huge: saturate rather than wrap.
        Size = Size > long.MaxValue - sparse.RealSize ? long.MaxValue : Size + sparse.RealSize;
    }

    private void SetMetadata(string full, TarEntry entry, bool isSymlink)
    {
        // chown first: it clears setuid bits and security.capability, which come next.
        Posix.LChown(full, entry.Uid, entry.Gid);
        if (!isSymlink) Posix.Chmod(full, (uint)entry.Mode);
        if (entry is PaxTarEntry pax)
        {
            foreach (var (key, value) in pax.ExtendedAttributes)
            {
                if (!key.StartsWith(XattrPaxPrefix, StringComparison.Ordinal)) continue;
                var xattr = key[XattrPaxPrefix.Length..];
                // Overlay's own attributes could redirect lookups into other layers: only the
                // whiteout conversion above may set them. A value TarReader could not decode as
                // UTF-8 (binary xattrs) would be corrupted, so it is skipped rather than mangled.
                if (xattr.StartsWith("trusted.overlay.", StringComparison.Ordinal) || value.Contains('\uFFFD')) continue;
                Posix.TrySetXattr(full, xattr, Encoding.UTF8.GetBytes(value), isSymlink);
            }
        }
        // Layers do not meaningfully carry atime: docker falls back to mtime as well.
        Posix.SetTimes(full, entry.ModificationTime, entry.ModificationTime);
    }

    /// <summary>
    /// Makes sure <paramref name="relative"/> is a real directory, creating missing ones
    /// (entries may come before their parents). Refuses to go through a symlink or a file.
    /// </summary>
    private void EnsureDirectory(string relative)
    {
        if (_dirs.Contains(relative)) return;
        var slash = relative.LastIndexOf('/');
        EnsureDirectory(slash < 0 ? "" : relative[..slash]);
        var full = Full(relative);
        if (!Posix.TryLStat(full, out var stat)) Directory.CreateDirectory(full);
        else if (stat.FileType == Libc.FileTypes.Symlink) throw Refuse($"parent \"{relative}\" is a symlink");
        else if (stat.FileType != Libc.FileTypes.Directory) throw Refuse($"parent \"{relative}\" is not a directory");
        _dirs.Add(relative);
    }

    /// <summary>
    /// Clears the way for a new entry: a later entry replaces an earlier one, except that a
    /// directory stays when the new entry is a directory too. Returns true when it stayed.
    /// </summary>
    private bool RemoveExisting(string relative, string full, bool keepDirectory)
    {
        if (!Posix.TryLStat(full, out var stat)) return false;
        if (stat.FileType == Libc.FileTypes.Directory)
        {
            if (keepDirectory) return true;
            Directory.Delete(full, recursive: true);
            Forget(relative);
        }
        else
        {
            File.Delete(full);
            _files.Remove(relative);
        }
        return false;
    }

    /// <summary>Drops what we knew about a removed directory tree.</summary>
    private void Forget(string relative)
    {
        var prefix = relative + "/";
        _dirs.Remove(relative);
        _dirs.RemoveWhere(p => p.StartsWith(prefix, StringComparison.Ordinal));
        _files.RemoveWhere(p => p.StartsWith(prefix, StringComparison.Ordinal));
        _dirEntries.Remove(relative);
        foreach (var key in _dirEntries.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            _dirEntries.Remove(key);
    }

    private string Full(string relative) => relative.Length == 0 ? root : $"{root}/{relative}";

    /// <summary>
    /// Lexically cleans an archive path ("./a//b/../c/" → "a/c"). Absolute paths and paths
    /// that climb above the root are refused; the result never contains "." or "..".
    /// </summary>
    private string Clean(string name, string what = "path")
    {
        if (name.Contains('\0')) throw Refuse($"{what} contains a NUL byte");
        if (name.StartsWith('/')) throw Refuse($"{what} \"{name}\" is absolute");
        if (IsClean(name)) return name;
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) throw Refuse($"{what} \"{name}\" escapes the layer");
                parts.RemoveAt(parts.Count - 1);
            }
            else parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>Fast path: most names have no empty, "." or ".." segments and need no copy.</summary>
    private static bool IsClean(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty) return false;
        foreach (var range in name.Split('/'))
        {
            var part = name[range];
            if (part.IsEmpty || part is "." or "..") return false;
        }
        return true;
    }

    private InvalidParameterException Refuse(string reason) => new($"layer entry \"{_entryName}\": {reason}");
}
