using Berth.Core.Errors;
using Berth.Core.Interop;

namespace Berth.Engine.Runtime.Oci;

/// <summary>
/// Paths inside a container's root filesystem, resolved the way filepath-securejoin does:
/// symlinks are followed as if the rootfs were "/", so ".." and absolute links can never lead
/// outside it. The rootfs is image content, i.e. untrusted. It is not running yet when the
/// spec is built, so nothing inside can swap a component between the check and the use.
/// </summary>
public static class RootfsPath
{
    private const int MaxSymlinks = 255;

    /// <summary>The host path for <paramref name="unsafePath"/> inside <paramref name="root"/>, symlinks resolved within the root.</summary>
    public static string SecureJoin(string root, string unsafePath)
    {
        root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var current = "";                // resolved so far, "" or "/a/b", never containing a symlink
        var remaining = unsafePath;
        var linksWalked = 0;
        while (remaining.Length > 0)
        {
            string part;
            var slash = remaining.IndexOf('/');
            if (slash < 0) { part = remaining; remaining = ""; }
            else { part = remaining[..slash]; remaining = remaining[(slash + 1)..]; }

            if (part is "" or ".") continue;
            if (part == "..")
            {
                // Lexical: current has no symlinks, so its parent is its textual parent; "/.." is "/".
                var cut = current.LastIndexOf('/');
                current = cut <= 0 ? "" : current[..cut];
                continue;
            }

            var next = current + "/" + part;
            var full = root + next;
            // lstat, not stat: the link itself is what matters. A missing component is
            // treated like a plain one (later mkdir creates it, a read fails as "not found").
            var target = Libc.TryLStat(full, out var st) && st.IsSymlink ? new FileInfo(full).LinkTarget : null;
            if (target is null)
            {
                // Plain file, directory, or not there at all: take it as is.
                current = next;
                continue;
            }
            if (++linksWalked > MaxSymlinks)
                throw new IOException($"SecureJoin {root}/{unsafePath}: too many levels of symbolic links");
            remaining = target + "/" + remaining;
            if (target.StartsWith('/')) current = "";
        }
        return current.Length == 0 ? root : root + current;
    }

    /// <summary>
    /// mkdir -p of <paramref name="containerPath"/> inside the rootfs, new directories mode 0755
    /// and owned by <paramref name="uid"/>:<paramref name="gid"/>; existing ones are left alone.
    /// </summary>
    public static string MkdirAll(string root, string containerPath, uint uid, uint gid)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException();
        var hostPath = SecureJoin(root, containerPath);
        if (Directory.Exists(hostPath)) return hostPath;
        if (File.Exists(hostPath))
            throw new InvalidParameterException($"Cannot mkdir: {containerPath} is not a directory");

        // SecureJoin resolved every existing component, so from the deepest existing ancestor
        // down, the rest are plain names that we create ourselves.
        var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var missing = new Stack<string>();
        var p = hostPath;
        for (; p.Length > rootFull.Length && !Path.Exists(p); p = Path.GetDirectoryName(p)!)
            missing.Push(p);
        if (!Directory.Exists(p))
            throw new InvalidParameterException($"Cannot mkdir: {containerPath} is not a directory");
        while (missing.Count > 0)
        {
            var dir = missing.Pop();
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            Libc.LChownOrThrow(dir, uid, gid);
        }
        return hostPath;
    }
}
