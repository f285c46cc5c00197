using Berth.Core.Interop;
using Berth.Layers;
using Berth.Layers.Overlay;

namespace Berth.Engine.Containers;

/// <summary>
/// A container's directory: containers/&lt;id&gt;/ holds the overlay upper and work dirs, the
/// rootfs mount point, the files bind-mounted over /etc/hostname, /etc/hosts and
/// /etc/resolv.conf, the json-file log, the bundle's config.json and the shim's exit file.
/// </summary>
public sealed class ContainerFilesystem(EngineOptions options, ILayerStore layers) : IContainerFilesystem
{
    public string Dir(string id) => Path.Combine(options.ContainersRoot, id);
    public string BundleDir(string id) => Dir(id);
    public string RootfsPath(string id) => Path.Combine(Dir(id), "rootfs");
    public string LogPath(string id) => Path.Combine(Dir(id), id + "-json.log");
    public string HostnamePath(string id) => Path.Combine(Dir(id), "hostname");
    public string HostsPath(string id) => Path.Combine(Dir(id), "hosts");
    public string ResolvConfPath(string id) => Path.Combine(Dir(id), "resolv.conf");
    public string ExitFilePath(string id) => Path.Combine(Dir(id), "exit.json");
    /// <summary>
    /// A fresh socket path for each run: an exiting shim lingers briefly and removes its socket,
    /// which must never be the socket of the next run of the same container.
    /// </summary>
    public string NewShimSocketPath(string id) =>
        Path.Combine(options.ShimSocketsRoot, $"{id[..12]}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}.sock");
    public IReadOnlyList<string> ShimSocketPaths(string id) =>
        Directory.Exists(options.ShimSocketsRoot) ? Directory.GetFiles(options.ShimSocketsRoot, $"{id[..12]}-*.sock") : [];
    public string UpperDir(string id) => Path.Combine(Dir(id), "upper");
    public string WorkDir(string id) => Path.Combine(Dir(id), "work");

    /// <summary>Creates the container's directory with empty upper/work dirs at create time.</summary>
    public void Create(Container container)
    {
        // Root only (see FileModes): config.json holds the env, the upper dir what the container wrote.
        FileModes.CreateDirectory(Dir(container.Id));
        // The upper dir's mode is the mode of the container's "/".
        FileModes.CreateDirectory(UpperDir(container.Id), FileModes.ContainerDirectory);
        FileModes.CreateDirectory(WorkDir(container.Id));
        FileModes.CreateDirectory(RootfsPath(container.Id));
        using (new FileStream(LogPath(container.Id), FileModes.Create(FileMode.Create, FileAccess.Write, FileModes.LogFile))) { }
    }

    /// <summary>Mounts the rootfs (idempotent) and writes the /etc files for this run.</summary>
    public void Prepare(Container container, Berth.Core.Digests.Digest? chainId)
    {
        var id = container.Id;
        var rootfs = RootfsPath(id);
        if (!IsMountPoint(rootfs))
        {
            var lowerDirs = chainId is { } chain ? layers.GetLowerDirs(chain) : [EmptyLowerDir()];
            OverlayMount.Mount(lowerDirs, UpperDir(id), WorkDir(id), rootfs);
        }
        EnsureMountPointDirectories(rootfs);
        var hostname = container.Config.Hostname;
        WriteAtomic(HostnamePath(id), hostname + "\n");
        WriteAtomic(HostsPath(id), HostsFile(hostname, container.HostConfig.ExtraHosts));
        var hostResolvConf = File.Exists("/etc/resolv.conf") ? File.ReadAllLines("/etc/resolv.conf") : [];
        WriteAtomic(ResolvConfPath(id), ResolvConfFile.Build(hostResolvConf, container.HostConfig.Dns, container.HostConfig.DnsSearch, container.HostConfig.DnsOptions));
    }

    /// <summary>
    /// /proc and /sys are plain directories in every container, whatever the image has there, as
    /// docker's init layer makes them: runc refuses to mount proc or sysfs onto a symlink ("must
    /// be mounted on ordinary directory"), and following the link could lead out of the root. A
    /// symlink (or file) is unlinked, never followed, and a 0755 directory takes its place in the
    /// upper dir.
    /// </summary>
    private static void EnsureMountPointDirectories(string rootfs)
    {
        foreach (var name in (ReadOnlySpan<string>)["proc", "sys"])
        {
            var path = Path.Combine(rootfs, name);
            if (!Libc.TryLStat(path, out var stat) || stat.IsDirectory) continue;
            File.Delete(path);
            FileModes.CreateDirectory(path, FileModes.ContainerDirectory);
        }
    }

    /// <summary>Unmounts the rootfs once the container has stopped.</summary>
    public void Release(string id)
    {
        var rootfs = RootfsPath(id);
        // Until nothing is mounted there (a mount may be stacked); Unmount throws when it cannot.
        while (IsMountPoint(rootfs)) OverlayMount.Unmount(rootfs, detach: true);
    }

    public void Delete(string id)
    {
        // Release leaves nothing mounted (or throws), so the delete never recurses into a mount.
        Release(id);
        var dir = Dir(id);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>Whether <paramref name="path"/> is a mount point (field 5 of /proc/self/mountinfo).</summary>
    private static bool IsMountPoint(string path)
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ', 6);
            if (fields.Length > 4 && fields[4] == path) return true;
        }
        return false;
    }

    private string EmptyLowerDir()
    {
        var path = Path.Combine(options.ContainersRoot, ".empty");
        FileModes.CreateDirectory(path);
        return path;
    }

    private static string HostsFile(string hostname, IReadOnlyList<string>? extraHosts)
    {
        var text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
        foreach (var entry in extraHosts ?? [])
        {
            var colon = entry.IndexOf(':');
            if (colon > 0) text += $"{entry[(colon + 1)..]}\t{entry[..colon]}\n";
        }
        return text;
    }

    private static void WriteAtomic(string path, string content)
    {
        var temp = path + ".tmp";
        // Bind-mounted into the container, where any user reads it.
        FileModes.WriteAllText(temp, content, FileModes.ContainerFile);
        File.Move(temp, path, overwrite: true);
    }
}
