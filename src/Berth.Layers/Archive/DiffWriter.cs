using System.Formats.Tar;
using System.Text;
using Berth.Core.Interop;

namespace Berth.Layers.Archive;

/// <summary>
/// Writes an overlayfs upper dir as a layer tar (PAX): whiteout devices (char 0:0) become
/// ".wh.NAME", opaque directories get a "DIR/.wh..wh..opq" entry, files sharing an inode
/// become hardlinks. Order is deterministic (siblings sorted by ordinal name, parents before
/// children) and mtimes are whole seconds, as docker writes them, so equal trees give equal tars.
/// </summary>
internal static class DiffWriter
{
    private const string XattrPaxPrefix = "SCHILY.xattr.";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task WriteAsync(string upperDir, Stream destination, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(upperDir).TrimEnd('/');
        if (!Posix.TryLStat(root, out var stat) || stat.FileType != Libc.FileTypes.Directory)
            throw new DirectoryNotFoundException($"upper dir {upperDir} not found");
        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        var state = new State(writer, root, new Dictionary<(uint, uint, ulong), string>());
        await WriteDirectoryAsync(state, "", cancellationToken);
    }

    private sealed record State(TarWriter Writer, string Root, Dictionary<(uint DevMajor, uint DevMinor, ulong Ino), string> Inodes);

    private static async Task WriteDirectoryAsync(State state, string relativeDir, CancellationToken cancellationToken)
    {
        var full = relativeDir.Length == 0 ? state.Root : $"{state.Root}/{relativeDir}";
        var names = Directory.GetFileSystemEntries(full).Select(Path.GetFileName).ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = relativeDir.Length == 0 ? name! : $"{relativeDir}/{name}";
            await WriteEntryAsync(state, relative, relativeDir, name!, cancellationToken);
        }
    }

    private static async Task WriteEntryAsync(State state, string relative, string relativeDir, string name, CancellationToken cancellationToken)
    {
        var full = $"{state.Root}/{relative}";
        var stat = Posix.LStat(full);
        var prefix = relativeDir.Length == 0 ? "" : relativeDir + "/";
        switch (stat.FileType)
        {
            case Libc.FileTypes.Char when stat.RDevMajor == 0 && stat.RDevMinor == 0:
                // overlayfs whiteout → docker whiteout file.
                var whiteout = NewEntry(TarEntryType.RegularFile, $"{prefix}.wh.{name}", stat, null);
                whiteout.Mode = (UnixFileMode)0x180; // 0600, as docker writes whiteouts
                await state.Writer.WriteEntryAsync(whiteout, cancellationToken);
                return;

            case Libc.FileTypes.Directory:
                await state.Writer.WriteEntryAsync(NewEntry(TarEntryType.Directory, relative + "/", stat, full), cancellationToken);
                if (Posix.TryGetXattr(full, "trusted.overlay.opaque") is [(byte)'y'])
                {
                    var opaque = NewEntry(TarEntryType.RegularFile, $"{relative}/.wh..wh..opq", stat, null);
                    opaque.Mode = (UnixFileMode)0x180;
                    await state.Writer.WriteEntryAsync(opaque, cancellationToken);
                }
                await WriteDirectoryAsync(state, relative, cancellationToken);
                return;

            case Libc.FileTypes.Regular:
                if (stat.NLink > 1)
                {
                    var key = (stat.DevMajor, stat.DevMinor, stat.Ino);
                    if (state.Inodes.TryGetValue(key, out var first))
                    {
                        var link = NewEntry(TarEntryType.HardLink, relative, stat, null);
                        link.LinkName = first;
                        await state.Writer.WriteEntryAsync(link, cancellationToken);
                        return;
                    }
                    state.Inodes[key] = relative;
                }
                var file = NewEntry(TarEntryType.RegularFile, relative, stat, full);
                await using (var data = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
                {
                    file.DataStream = data;
                    await state.Writer.WriteEntryAsync(file, cancellationToken);
                }
                return;

            case Libc.FileTypes.Symlink:
                var symlink = NewEntry(TarEntryType.SymbolicLink, relative, stat, full);
                symlink.LinkName = new FileInfo(full).LinkTarget ?? "";
                await state.Writer.WriteEntryAsync(symlink, cancellationToken);
                return;

            case Libc.FileTypes.Char or Libc.FileTypes.Block:
                var device = NewEntry(stat.FileType == Libc.FileTypes.Char ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, relative, stat, full);
                device.DeviceMajor = (int)stat.RDevMajor;
                device.DeviceMinor = (int)stat.RDevMinor;
                await state.Writer.WriteEntryAsync(device, cancellationToken);
                return;

            case Libc.FileTypes.Fifo:
                await state.Writer.WriteEntryAsync(NewEntry(TarEntryType.Fifo, relative, stat, full), cancellationToken);
                return;

            default:
                // Sockets cannot be archived; docker skips them too.
                return;
        }
    }

    /// <summary>A PAX entry carrying owner, mode, whole-second mtime and (when <paramref name="xattrSource"/> is set) xattrs.</summary>
    private static PaxTarEntry NewEntry(TarEntryType type, string name, Libc.Statx stat, string? xattrSource)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mtime"] = stat.MTime.Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (xattrSource is not null)
        {
            foreach (var (xattr, value) in Posix.ListXattrs(xattrSource))
            {
                // trusted.overlay.* is overlayfs bookkeeping, expressed as whiteouts instead.
                if (xattr.StartsWith("trusted.overlay.", StringComparison.Ordinal)) continue;
                // PAX records are UTF-8 text in System.Formats.Tar: binary values cannot be carried.
                string text;
                try { text = StrictUtf8.GetString(value); }
                catch (DecoderFallbackException) { continue; }
                attributes[XattrPaxPrefix + xattr] = text;
            }
        }
        return new PaxTarEntry(type, name, attributes)
        {
            Uid = (int)stat.Uid,
            Gid = (int)stat.Gid,
            Mode = (UnixFileMode)(stat.Mode & 0xFFF),
            ModificationTime = DateTimeOffset.FromUnixTimeSeconds(stat.MTime.Seconds),
        };
    }
}
