using System.Runtime.InteropServices;

namespace Berth.Core.Interop;

/// <summary>
/// File-system calls .NET does not expose, or exposes only in forms that follow symlinks:
/// the layer store must set metadata on untrusted trees without ever following a link.
/// </summary>
public static partial class Libc
{
    // Constants live in nested classes so other interop files can't collide with them.

    /// <summary>*at() dirfd and flag values.</summary>
    public static class At
    {
        public const int FdCwd = -100;
        public const int SymlinkNoFollow = 0x100;
        /// <summary>statx of the dirfd itself (path "").</summary>
        public const int EmptyPath = 0x1000;
    }

    /// <summary>open(2) flags.</summary>
    public static class OpenFlags
    {
        public const int ReadOnly = 0;
        public const int Directory = 0x10000;
        public const int CloseOnExec = 0x80000;
        public const int Path = 0x200000;
    }

    /// <summary>File type bits of st_mode.</summary>
    public static class FileTypes
    {
        public const uint Mask = 0xF000;
        public const uint Socket = 0xC000;
        public const uint Symlink = 0xA000;
        public const uint Regular = 0x8000;
        public const uint Block = 0x6000;
        public const uint Directory = 0x4000;
        public const uint Char = 0x2000;
        public const uint Fifo = 0x1000;
    }

    public const uint StatxBasicStats = 0x7FF;
    public const uint RenameNoReplace = 1;

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatxTimestamp
    {
        public long Seconds;
        public uint Nanoseconds;
        private int _reserved;
    }

    /// <summary>struct statx: one layout on every architecture, unlike struct stat.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct Statx
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint NLink;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        private ushort _spare0;
        public ulong Ino;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public StatxTimestamp ATime;
        public StatxTimestamp BTime;
        public StatxTimestamp CTime;
        public StatxTimestamp MTime;
        public uint RDevMajor;
        public uint RDevMinor;
        public uint DevMajor;
        public uint DevMinor;

        public readonly uint FileType => Mode & FileTypes.Mask;
        public readonly bool IsSymlink => FileType == FileTypes.Symlink;
        public readonly bool IsCharDevice => FileType == FileTypes.Char;
        public readonly bool IsBlockDevice => FileType == FileTypes.Block;
        public readonly bool IsDirectory => FileType == FileTypes.Directory;
    }

    /// <summary>lstat through statx: <paramref name="path"/> itself, never a link's target; false when it cannot be read.</summary>
    public static bool TryLStat(string path, out Statx statx) =>
        StatX(At.FdCwd, path, At.SymlinkNoFollow, StatxBasicStats, out statx) == 0;

    /// <summary>lchown(2), throwing a <see cref="LinuxException"/> naming the path.</summary>
    public static void LChownOrThrow(string path, uint uid, uint gid)
    {
        if (LChown(path, uid, gid) != 0) ThrowLastError("lchown", path);
    }

    /// <summary>glibc's makedev: the 64-bit dev_t encoding.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) |
        ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);

    [LibraryImport(Name, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatX(int dirfd, string path, int flags, uint mask, out Statx statx);

    [LibraryImport(Name, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LChown(string path, uint uid, uint gid);

    [LibraryImport(Name, EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chmod(string path, uint mode);

    [LibraryImport(Name, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UtimensAt(int dirfd, string path, ReadOnlySpan<Timespec> times, int flags);

    [LibraryImport(Name, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LSetXattr(string path, string name, ReadOnlySpan<byte> value, nuint size, int flags);

    [LibraryImport(Name, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LGetXattr(string path, string name, Span<byte> value, nuint size);

    [LibraryImport(Name, EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LListXattr(string path, Span<byte> list, nuint size);

    /// <summary>mknod(2); exported by glibc 2.33 and later.</summary>
    [LibraryImport(Name, EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mknod(string path, uint mode, ulong dev);

    [LibraryImport(Name, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Link(string oldPath, string newPath);

    [LibraryImport(Name, EntryPoint = "symlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Symlink(string target, string linkPath);

    [LibraryImport(Name, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Name, EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);
}
