using Berth.Core.Errors;
using Berth.Engine.Runtime.Oci;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Turns a container's record into a bundle ready for its shim: rootfs mounted, the /etc files
/// written, config.json written from the container's own config (mounts, namespaces, cgroup).
/// Contract: on success the bundle is complete; on failure the caller releases the rootfs
/// (the launcher does, whatever the exception).
/// </summary>
public sealed class BundlePreparer(EngineOptions options, ContainerIndex index, IContainerFilesystem filesystem)
{
    public async Task PrepareAsync(Container container, Berth.Core.Digests.Digest? chainId, CancellationToken cancellationToken)
    {
        filesystem.Prepare(container, chainId);
        var spec = OciSpecBuilder.Build(SpecInput(container));
        await OciSpecBuilder.WriteAsync(spec, filesystem.BundleDir(container.Id), cancellationToken);
    }

    /// <summary>runc's cgroupsPath of the container, e.g. "/berth/&lt;id&gt;".</summary>
    public string CgroupsPath(string id) => $"{options.CgroupParent}/{id}";

    private ContainerSpecInput SpecInput(Container container)
    {
        var id = container.Id;
        var host = container.HostConfig;
        return new ContainerSpecInput
        {
            Id = id,
            RootfsPath = filesystem.RootfsPath(id),
            Args = [container.Path, .. container.Args],
            Config = container.Config,
            Host = host,
            Mounts =
            [
                new BindMount(filesystem.ResolvConfPath(id), "/etc/resolv.conf"),
                new BindMount(filesystem.HostnamePath(id), "/etc/hostname"),
                new BindMount(filesystem.HostsPath(id), "/etc/hosts"),
                .. UserMounts(host),
            ],
            NetworkNamespacePath = NetworkNamespaceOf(host.NetworkMode),
            // Namespace sysctls are set only in a namespace of the container's own.
            NetworkIsPrivate = host.NetworkMode != "host" && !host.NetworkMode.StartsWith("container:", StringComparison.Ordinal),
            CgroupsPath = CgroupsPath(id),
        };
    }

    /// <summary>Bind mounts the user asked for; a missing -v source directory is created, as docker does.</summary>
    private static IEnumerable<BindMount> UserMounts(ContainerHostConfig host)
    {
        var binds = host.Binds?.Count ?? 0;
        var index = 0;
        foreach (var mount in ContainerMounts.Resolve(host))
        {
            if (index++ < binds && !File.Exists(mount.Source)) Directory.CreateDirectory(mount.Source);
            yield return new BindMount(mount.Source, mount.Destination, mount.ReadOnly, mount.Propagation);
        }
    }

    /// <summary>host: berthd's own namespace; container:NAME: that running container's; otherwise a new one.</summary>
    private string? NetworkNamespaceOf(string mode)
    {
        if (mode == "host") return $"/proc/{Environment.ProcessId}/ns/net";
        if (!mode.StartsWith("container:", StringComparison.Ordinal)) return null;
        var other = index.Resolve(mode["container:".Length..]).Container;
        if (!other.State.Running || other.State.Pid == 0)
            throw new ConflictException($"cannot join network of a non running container: {other.Id}");
        return $"/proc/{other.State.Pid}/ns/net";
    }
}
