using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Berth.Core.Interop;

namespace Berth.Layers.Tests;

/// <summary>A unique directory under /tmp, removed with everything mounted below it.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "berth-layers-test-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public string Sub(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        // Deepest mounts first, so a failed test never leaves a mount behind.
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(point => point.StartsWith(Path + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length);
        foreach (var point in mounts) Libc.Umount2(point, Libc.MNT_DETACH);
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Builds layer tars in memory.</summary>
public static class Tars
{
    public static readonly DateTimeOffset Time = new(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public static byte[] Build(params TarEntry[] entries)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries) writer.WriteEntry(entry);
        }
        return output.ToArray();
    }

    public static PaxTarEntry File(string name, string content, int mode = 0b110_100_100, int uid = 0, int gid = 0,
        DateTimeOffset? mtime = null, Dictionary<string, string>? xattrs = null)
    {
        var entry = Entry(TarEntryType.RegularFile, name, mode, uid, gid, mtime, xattrs);
        entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return entry;
    }

    public static PaxTarEntry Dir(string name, int mode = 0b111_101_101, int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Entry(TarEntryType.Directory, name, mode, uid, gid, mtime, null);

    public static PaxTarEntry Symlink(string name, string target, int uid = 0, int gid = 0)
    {
        var entry = Entry(TarEntryType.SymbolicLink, name, 0b111_111_111, uid, gid, null, null);
        entry.LinkName = target;
        return entry;
    }

    public static PaxTarEntry HardLink(string name, string target)
    {
        var entry = Entry(TarEntryType.HardLink, name, 0b110_100_100, 0, 0, null, null);
        entry.LinkName = target;
        return entry;
    }

    public static PaxTarEntry Device(TarEntryType type, string name, int major, int minor, int mode = 0b110_110_110)
    {
        var entry = Entry(type, name, mode, 0, 0, null, null);
        if (type != TarEntryType.Fifo)
        {
            entry.DeviceMajor = major;
            entry.DeviceMinor = minor;
        }
        return entry;
    }

    public static PaxTarEntry Whiteout(string name) => File(name, "", mode: 0b110_000_000);

    private static PaxTarEntry Entry(TarEntryType type, string name, int mode, int uid, int gid, DateTimeOffset? mtime, Dictionary<string, string>? xattrs)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var (key, value) in xattrs ?? []) attributes["SCHILY.xattr." + key] = value;
        return new PaxTarEntry(type, name, attributes)
        {
            Mode = (UnixFileMode)mode,
            Uid = uid,
            Gid = gid,
            ModificationTime = mtime ?? Time,
        };
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        var output = new MemoryStream();
        using (var zstd = new ZstdSharp.CompressionStream(output, 3, leaveOpen: true)) zstd.Write(data);
        return output.ToArray();
    }

    /// <summary>lstat through the same interop the store uses.</summary>
    public static Libc.Statx LStat(string path)
    {
        Assert.Equal(0, Libc.StatX(Libc.At.FdCwd, path, Libc.At.SymlinkNoFollow, Libc.StatxBasicStats, out var stat));
        return stat;
    }

    public static string? Xattr(string path, string name)
    {
        var buffer = new byte[256];
        var n = Libc.LGetXattr(path, name, buffer, (nuint)buffer.Length);
        return n < 0 ? null : Encoding.UTF8.GetString(buffer, 0, (int)n);
    }

    /// <summary>Layer store root holds only tmp/, and tmp/ is empty: nothing was kept.</summary>
    public static void AssertNoLayers(string storeRoot)
    {
        Assert.Equal(["tmp"], Directory.GetFileSystemEntries(storeRoot).Select(System.IO.Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(System.IO.Path.Combine(storeRoot, "tmp")));
    }
}
