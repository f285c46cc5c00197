using System.Runtime.InteropServices;
using System.Text;
using Berth.Core.Errors;
using Berth.Core.Interop;

namespace Berth.Layers.Overlay;

/// <summary>
/// Mounts and unmounts overlayfs. Containers call this with <see cref="ILayerStore.GetLowerDirs"/>
/// (topmost first) plus their own upper and work dirs.
/// </summary>
public static class OverlayMount
{
    /// <summary>mount(2) copies at most one page of option data, including the final NUL.</summary>
    public const int MaxOptionsLength = 4095;

    // Keep the upper dir a plain diff: without these, renames and copy-ups can record
    // redirect/metacopy xattrs that a whiteout-based diff cannot express.
    private const string SafeOptions = "index=off,redirect_dir=off,metacopy=off";


    /// <summary>
    /// Mounts an overlay of <paramref name="lowerDirs"/> (topmost first) with
    /// <paramref name="upperDir"/>/<paramref name="workDir"/> on <paramref name="target"/>;
    /// without an upper dir the mount is read-only. When the absolute paths do not fit in one
    /// page, each lower dir is opened (O_PATH) and named as /proc/self/fd/N — 18 bytes a layer
    /// whatever the data root, about 200 layers — and closed again once mounted.
    /// </summary>
    public static void Mount(IReadOnlyList<string> lowerDirs, string? upperDir, string? workDir, string target)
    {
        ArgumentNullException.ThrowIfNull(lowerDirs);
        if (lowerDirs.Count == 0) throw new InvalidParameterException("overlay mount needs at least one lower dir");
        if ((upperDir is null) != (workDir is null)) throw new InvalidParameterException("overlay upper and work dirs go together");

        var options = BuildOptions(lowerDirs, upperDir, workDir);
        if (Encoding.UTF8.GetByteCount(options) + SafeOptions.Length + 1 <= MaxOptionsLength)
        {
            MountWithFallback(options, target, lowerDirs.Count);
            return;
        }

        var fds = new List<int>(lowerDirs.Count);
        try
        {
            var viaFds = new string[lowerDirs.Count];
            for (var i = 0; i < lowerDirs.Count; i++)
            {
                var fd = Libc.Open(lowerDirs[i], Libc.OpenFlags.Path | Libc.OpenFlags.Directory | Libc.OpenFlags.CloseOnExec, 0);
                if (fd < 0) Libc.ThrowLastError("open", lowerDirs[i]);
                fds.Add(fd);
                viaFds[i] = $"/proc/self/fd/{fd}";
            }
            options = BuildOptions(viaFds, upperDir, workDir);
            if (Encoding.UTF8.GetByteCount(options) + SafeOptions.Length + 1 > MaxOptionsLength)
                throw new InvalidParameterException($"too many layers for an overlay mount ({lowerDirs.Count})");
            MountWithFallback(options, target, lowerDirs.Count);
        }
        finally
        {
            foreach (var fd in fds) Libc.Close(fd);
        }
    }

    /// <summary>
    /// Unmounts <paramref name="target"/>; <paramref name="detach"/> is MNT_DETACH (lazy).
    /// Returns false when it was not a mount point.
    /// </summary>
    public static bool Unmount(string target, bool detach = false)
    {
        if (Libc.Umount2(target, detach ? Libc.MNT_DETACH : 0) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno is Errno.EINVAL or Errno.ENOENT) return false;
        throw Failure("umount", target, errno, "");
    }

    private static void MountWithFallback(string options, string target, int layers)
    {
        if (Libc.Mount("overlay", target, "overlay", 0, $"{SafeOptions},{options}") == 0) return;
        var errno = Marshal.GetLastPInvokeError();
        // Kernels before 4.19 do not know every safe option: try again with the plain ones.
        if (errno == Errno.EINVAL && Libc.Mount("overlay", target, "overlay", 0, options) == 0) return;
        errno = Marshal.GetLastPInvokeError();
        throw Failure("mount overlay on", target, errno, $" ({layers} lower dirs; see dmesg for overlayfs' reason)");
    }

    private static string BuildOptions(IReadOnlyList<string> lowerDirs, string? upperDir, string? workDir)
    {
        var options = new StringBuilder("lowerdir=");
        for (var i = 0; i < lowerDirs.Count; i++)
        {
            if (i > 0) options.Append(':');
            AppendEscaped(options, lowerDirs[i]);
        }
        if (upperDir is not null)
        {
            AppendEscaped(options.Append(",upperdir="), upperDir);
            AppendEscaped(options.Append(",workdir="), workDir!);
        }
        return options.ToString();
    }

    /// <summary>overlayfs splits options on ',' and lower dirs on ':'; a backslash escapes both.</summary>
    private static void AppendEscaped(StringBuilder options, string path)
    {
        foreach (var c in path)
        {
            if (c is ',' or ':' or '\\') options.Append('\\');
            options.Append(c);
        }
    }

    private static LinuxException Failure(string call, string target, int errno, string detail) =>
        new(errno, $"{call} {target}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}{Name(errno)}){detail}");

    private static string Name(int errno) => errno switch
    {
        1 => " EPERM", 2 => " ENOENT", 13 => " EACCES", 16 => " EBUSY", 19 => " ENODEV", 20 => " ENOTDIR",
        22 => " EINVAL", 36 => " ENAMETOOLONG", 40 => " ELOOP", 12 => " ENOMEM", 95 => " EOPNOTSUPP",
        _ => "",
    };
}
