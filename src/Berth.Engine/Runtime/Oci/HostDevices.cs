using Berth.Core.Interop;

namespace Berth.Engine.Runtime.Oci;

/// <summary>
/// The host's device nodes for a privileged container (containerd's oci.HostDevices, which
/// moby uses): every char/block device under /dev, same path, mode and owner; not followed
/// through symlinks, and skipping the per-container filesystems runc mounts itself.
/// Listed on every privileged start, since devices come and go.
/// </summary>
internal static class HostDevices
{
    private static readonly HashSet<string> s_skipDirs = ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"];

    public static List<RuntimeDevice> List(string root = "/dev")
    {
        var devices = new List<RuntimeDevice>();
        Walk(root, devices);
        return devices;
    }

    private static void Walk(string dir, List<RuntimeDevice> devices)
    {
        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = new DirectoryInfo(dir).EnumerateFileSystemInfos();
        }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }

        foreach (var entry in entries)
        {
            if (!Libc.TryLStat(entry.FullName, out var st)) continue; // gone meanwhile
            if (st.IsDirectory)
            {
                if (!s_skipDirs.Contains(entry.Name)) Walk(entry.FullName, devices);
                continue;
            }
            if (entry.Name == "console") continue; // runc sets up the container's own console
            if (!st.IsCharDevice && !st.IsBlockDevice) continue;
            devices.Add(new RuntimeDevice
            {
                Type = st.IsCharDevice ? "c" : "b",
                Path = entry.FullName,
                Major = st.RDevMajor,
                Minor = st.RDevMinor,
                FileMode = st.Mode & 0xFFFu, // permission, setuid/setgid/sticky bits without the type
                Uid = st.Uid,
                Gid = st.Gid,
            });
        }
    }
}
