using Berth.Engine.Containers;

namespace Berth.Engine.Runtime.Oci;

/// <summary>A bind mount into the container (hosts, hostname, resolv.conf, volumes, -v binds).</summary>
public sealed record BindMount(string Source, string Destination, bool ReadOnly = false, string Propagation = "rprivate");

/// <summary>
/// What <see cref="OciSpecBuilder"/> needs to write a container's config.json: the container's
/// own config and host config as the domain holds them (no field is copied), plus what berthd
/// decides at each start (the mounted rootfs, the resolved mounts, the namespace to join, the
/// cgroup).
/// </summary>
public sealed record ContainerSpecInput
{
    public required string Id { get; init; }
    /// <summary>The mounted root filesystem (overlay mount point).</summary>
    public required string RootfsPath { get; init; }
    /// <summary>Entrypoint + Cmd, already merged.</summary>
    public required IReadOnlyList<string> Args { get; init; }
    /// <summary>
    /// The process settings: Env (the builder adds PATH, HOSTNAME, TERM, HOME where docker
    /// does), User (resolved against the rootfs), WorkingDir ("" is "/"; created when
    /// missing), Hostname, Domainname, Tty.
    /// </summary>
    public required ContainerConfig Config { get; init; }
    /// <summary>Privileges, capabilities, security options, sysctls, paths, shm size and resources.</summary>
    public ContainerHostConfig Host { get; init; } = new();
    /// <summary>Every bind mount: the /etc files berthd writes and the user's, resolved.</summary>
    public IReadOnlyList<BindMount> Mounts { get; init; } = [];
    /// <summary>Path of an existing network namespace to join; null creates a new one (loopback only).</summary>
    public string? NetworkNamespacePath { get; init; }
    /// <summary>
    /// True when the network namespace is this container's own (new, or one Berth created for
    /// it: docker's "private" network modes); false when joining the host's or another
    /// container's. Docker adds its default net.ipv4 sysctls only in the private case.
    /// </summary>
    public bool NetworkIsPrivate { get; init; } = true;
    /// <summary>cgroupsPath for runc, e.g. "/berth/&lt;id&gt;".</summary>
    public required string CgroupsPath { get; init; }
}
