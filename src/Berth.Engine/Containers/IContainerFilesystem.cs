namespace Berth.Engine.Containers;

/// <summary>
/// A container's directory and root filesystem, as the lifecycle sees them. Lifecycle:
/// Create (at create: directory, empty upper/work, empty log) → Prepare (each start: rootfs
/// mounted, /etc files written) → Release (each exit: rootfs unmounted; idempotent) → Delete
/// (at remove: released, then the directory is gone). Paths are pure functions of the ID.
/// </summary>
public interface IContainerFilesystem
{
    string Dir(string id);
    string BundleDir(string id);
    string RootfsPath(string id);
    string LogPath(string id);
    string HostnamePath(string id);
    string HostsPath(string id);
    string ResolvConfPath(string id);
    string ExitFilePath(string id);
    string UpperDir(string id);
    string WorkDir(string id);

    /// <summary>A fresh socket path for one run of the container's shim.</summary>
    string NewShimSocketPath(string id);

    /// <summary>The sockets of every shim of the container that is still there (of any run).</summary>
    IReadOnlyList<string> ShimSocketPaths(string id);

    void Create(Container container);
    void Prepare(Container container, Berth.Core.Digests.Digest? chainId);
    void Release(string id);
    void Delete(string id);
}
