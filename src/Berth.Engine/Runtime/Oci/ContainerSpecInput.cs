namespace Berth.Engine.Runtime.Oci;

/// <summary>A bind mount into the container (hosts, hostname, resolv.conf, volumes, -v binds).</summary>
public sealed record BindMount(string Source, string Destination, bool ReadOnly = false, string Propagation = "rprivate");

/// <summary>
/// Everything the container service decides about a container that the OCI runtime spec
/// needs. <see cref="OciSpecBuilder"/> turns it into the bundle's config.json with Docker's
/// default profile (capabilities, seccomp, masked paths, mounts, devices).
/// </summary>
public sealed record ContainerSpecInput
{
    public required string Id { get; init; }
    /// <summary>The mounted root filesystem (overlay mount point).</summary>
    public required string RootfsPath { get; init; }
    /// <summary>Entrypoint + Cmd, already merged.</summary>
    public required IReadOnlyList<string> Args { get; init; }
    /// <summary>Config.Env (image env merged with the user's); the builder adds PATH, HOSTNAME, TERM, HOME where docker does.</summary>
    public required IReadOnlyList<string> Env { get; init; }
    /// <summary>Working directory; "" means "/". Created in the rootfs when missing, owned by the user.</summary>
    public string WorkingDir { get; init; } = "";
    /// <summary>Docker user spec: "", "name", "uid", "name:group", "uid:gid"; resolved against the rootfs's /etc/passwd and /etc/group.</summary>
    public string User { get; init; } = "";
    public required string Hostname { get; init; }
    public string Domainname { get; init; } = "";
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public bool ReadonlyRootfs { get; init; }
    public bool Privileged { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    public IReadOnlyList<string> GroupAdd { get; init; } = [];
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
    public long Memory { get; init; }
    public long MemorySwap { get; init; }
    public long CpuShares { get; init; }
    public long NanoCpus { get; init; }
    public long PidsLimit { get; init; }
    public long MemoryReservation { get; init; }
    /// <summary>The init's /proc/self/oom_score_adj (-1000 … 1000).</summary>
    public int OomScoreAdj { get; init; }
    /// <summary>--ulimit limits by docker's name ("nofile"…); they replace the defaults of the same name.</summary>
    public IReadOnlyList<Berth.Engine.Containers.Ulimit> Ulimits { get; init; } = [];
    public long ShmSize { get; init; } = 64 * 1024 * 1024;
    /// <summary>"seccomp=unconfined", "no-new-privileges" … as in HostConfig.SecurityOpt.</summary>
    public IReadOnlyList<string> SecurityOpt { get; init; } = [];
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();
    /// <summary>HostConfig.MaskedPaths; null means docker's defaults (<see cref="OciDefaults.MaskedPaths"/>), empty means none.</summary>
    public IReadOnlyList<string>? MaskedPaths { get; init; }
    /// <summary>HostConfig.ReadonlyPaths; null means docker's defaults (<see cref="OciDefaults.ReadonlyPaths"/>), empty means none.</summary>
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }
}
