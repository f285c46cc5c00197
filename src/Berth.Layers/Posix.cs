using System.Runtime.InteropServices;
using System.Text;
using Berth.Core.Interop;

namespace Berth.Layers;

/// <summary>
/// Thin, throwing wrappers over the interop calls the layer store needs. None of them
/// follows a symlink in the last path component (chmod is only called on non-links).
/// </summary>
internal static class Posix
{

    /// <summary>lstat; false when the path does not exist.</summary>
    public static bool TryLStat(string path, out Libc.Statx stat)
    {
        if (Libc.StatX(Libc.At.FdCwd, path, Libc.At.SymlinkNoFollow, Libc.StatxBasicStats, out stat) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno is Errno.ENOENT or Errno.ENOTDIR) return false;
        Libc.ThrowLastError("statx", path);
        return false;
    }

    public static Libc.Statx LStat(string path)
    {
        if (Libc.StatX(Libc.At.FdCwd, path, Libc.At.SymlinkNoFollow, Libc.StatxBasicStats, out var stat) != 0)
            Libc.ThrowLastError("statx", path);
        return stat;
    }

    public static void LChown(string path, int uid, int gid)
    {
        if (Libc.LChown(path, (uint)uid, (uint)gid) != 0) Libc.ThrowLastError("lchown", path);
    }

    public static void Chmod(string path, uint mode)
    {
        if (Libc.Chmod(path, mode & 0xFFF) != 0) Libc.ThrowLastError("chmod", path);
    }

    public static void SetTimes(string path, DateTimeOffset accessTime, DateTimeOffset modificationTime)
    {
        ReadOnlySpan<Libc.Timespec> times = [ToTimespec(accessTime), ToTimespec(modificationTime)];
        if (Libc.UtimensAt(Libc.At.FdCwd, path, times, Libc.At.SymlinkNoFollow) != 0) Libc.ThrowLastError("utimensat", path);
    }

    private static Libc.Timespec ToTimespec(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0) { seconds--; rest += TimeSpan.TicksPerSecond; }
        return new Libc.Timespec { Seconds = seconds, Nanoseconds = rest * 100 };
    }

    public static DateTimeOffset FromStatx(Libc.StatxTimestamp ts) =>
        DateTimeOffset.UnixEpoch.AddTicks(ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100);

    /// <summary>lsetxattr; returns false when the file system or file type does not support it.</summary>
    public static bool TrySetXattr(string path, string name, ReadOnlySpan<byte> value, bool isSymlink)
    {
        if (Libc.LSetXattr(path, name, value, (nuint)value.Length, 0) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        // Linux refuses user.* xattrs on symlinks; docker ignores unsupported xattrs too.
        if (errno == Errno.EOPNOTSUPP || (isSymlink && errno == Errno.EPERM)) return false;
        Libc.ThrowLastError("lsetxattr", $"{path} ({name})");
        return false;
    }

    /// <summary>All extended attributes of a path (not following symlinks), names and raw values.</summary>
    public static List<(string Name, byte[] Value)> ListXattrs(string path)
    {
        var result = new List<(string, byte[])>();
        nint size;
        byte[] names;
        while (true)
        {
            size = Libc.LListXattr(path, default, 0);
            if (size < 0)
            {
                if (Marshal.GetLastPInvokeError() == Errno.EOPNOTSUPP) return result;
                Libc.ThrowLastError("llistxattr", path);
            }
            if (size == 0) return result;
            names = new byte[size];
            size = Libc.LListXattr(path, names, (nuint)names.Length);
            if (size >= 0) break;
            if (Marshal.GetLastPInvokeError() != Errno.ERANGE) Libc.ThrowLastError("llistxattr", path);
        }
        foreach (var range in names.AsSpan(0, (int)size).Split((byte)0))
        {
            var nameBytes = names.AsSpan(0, (int)size)[range];
            if (nameBytes.IsEmpty) continue;
            var name = Encoding.UTF8.GetString(nameBytes);
            if (TryGetXattr(path, name) is { } value) result.Add((name, value));
        }
        return result;
    }

    /// <summary>One xattr value, or null when absent.</summary>
    public static byte[]? TryGetXattr(string path, string name)
    {
        while (true)
        {
            var size = Libc.LGetXattr(path, name, default, 0);
            if (size < 0)
            {
                if (Marshal.GetLastPInvokeError() is Errno.ENODATA or Errno.EOPNOTSUPP) return null;
                Libc.ThrowLastError("lgetxattr", $"{path} ({name})");
            }
            var value = new byte[size];
            size = Libc.LGetXattr(path, name, value, (nuint)value.Length);
            if (size >= 0) return size == value.Length ? value : value[..(int)size];
            // The value grew between the two calls: ask again.
            if (Marshal.GetLastPInvokeError() != Errno.ERANGE) Libc.ThrowLastError("lgetxattr", $"{path} ({name})");
        }
    }

    public static void Mknod(string path, uint fileType, uint permissions, uint major, uint minor)
    {
        if (Libc.Mknod(path, fileType | (permissions & 0xFFF), Libc.MakeDev(major, minor)) != 0) Libc.ThrowLastError("mknod", path);
    }

    public static void Link(string existing, string newPath)
    {
        if (Libc.Link(existing, newPath) != 0) Libc.ThrowLastError("link", $"{newPath} => {existing}");
    }

    public static void Symlink(string target, string linkPath)
    {
        if (Libc.Symlink(target, linkPath) != 0) Libc.ThrowLastError("symlink", linkPath);
    }

    /// <summary>Removes a file, link, device or whole directory tree; never follows symlinks.</summary>
    public static void RemoveAll(string path)
    {
        if (!TryLStat(path, out var stat)) return;
        if (stat.FileType == Libc.FileTypes.Directory) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    /// <summary>Flushes the file system holding <paramref name="path"/> (one call instead of an fsync per file).</summary>
    public static void SyncFileSystem(string path)
    {
        var fd = Libc.Open(path, Libc.OpenFlags.ReadOnly | Libc.OpenFlags.Directory | Libc.OpenFlags.CloseOnExec, 0);
        if (fd < 0) Libc.ThrowLastError("open", path);
        try
        {
            if (Libc.SyncFs(fd) != 0) Libc.ThrowLastError("syncfs", path);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
