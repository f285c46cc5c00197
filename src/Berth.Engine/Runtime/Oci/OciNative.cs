using System.Runtime.InteropServices;

namespace Berth.Engine.Runtime.Oci;

/// <summary>
/// The two libc calls spec building needs and .NET does not offer (lchown, statx). They belong
/// in Berth.Core/Interop; they live here until that folder grows them, because this part may
/// only touch Runtime/Oci. Plain blittable signatures (no unsafe, no LibraryImport generator,
/// which would need AllowUnsafeBlocks in the project), NativeAOT-safe.
/// </summary>
internal static class OciNative
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

#pragma warning disable SYSLIB1054 // LibraryImport needs AllowUnsafeBlocks, which this project does not set.
    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int LChownNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatxNative(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
#pragma warning restore SYSLIB1054

    public static void LChown(string path, uint uid, uint gid)
    {
        if (LChownNative(path, uid, gid) != 0)
            Berth.Core.Interop.Libc.ThrowLastError("lchown", path);
    }

    /// <summary>lstat-like: type/permission bits, owner and device numbers of <paramref name="path"/> itself.</summary>
    public static bool TryLStat(string path, out StatInfo info)
    {
        // struct statx is 256 bytes with a fixed, architecture-independent layout.
        var buf = new byte[256];
        if (StatxNative(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buf) != 0)
        {
            info = default;
            return false;
        }
        info = new StatInfo(
            Mode: BitConverter.ToUInt16(buf, 28),
            Uid: BitConverter.ToUInt32(buf, 20),
            Gid: BitConverter.ToUInt32(buf, 24),
            RdevMajor: BitConverter.ToUInt32(buf, 128),
            RdevMinor: BitConverter.ToUInt32(buf, 132));
        return true;
    }

    public readonly record struct StatInfo(uint Mode, uint Uid, uint Gid, uint RdevMajor, uint RdevMinor)
    {
        private const uint IfMt = 0xF000;
        public bool IsCharDevice => (Mode & IfMt) == 0x2000;
        public bool IsBlockDevice => (Mode & IfMt) == 0x6000;
        public bool IsSymlink => (Mode & IfMt) == 0xA000;
    }
}
