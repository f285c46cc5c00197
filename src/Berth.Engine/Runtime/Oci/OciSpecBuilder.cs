using System.Text.Json;
using Berth.Core.Errors;
using Berth.Core.Interop;
using Berth.Engine.Containers;

namespace Berth.Engine.Runtime.Oci;

/// <summary>
/// Builds a container's OCI runtime spec with Docker's default profile, following moby's
/// daemon/oci_linux.go createSpec, and writes it into the bundle.
/// </summary>
public static class OciSpecBuilder
{
    private static readonly HashSet<string> s_propagations = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];

    public static RuntimeSpec Build(ContainerSpecInput input) => Build(input, OciHostInfo.Current);

    /// <summary>
    /// Resolves the user against the rootfs and creates the working directory in it (the only
    /// side effect), then assembles the spec.
    /// </summary>
    public static RuntimeSpec Build(ContainerSpecInput input, OciHostInfo host)
    {
        if (input.Args.Count == 0)
            throw new InvalidParameterException("No command specified");
        var config = input.Config;
        var hostConfig = input.Host;
        var security = SecurityOptions.Parse(hostConfig.SecurityOpt ?? []);

        var user = UserResolver.Resolve(input.RootfsPath, config.User, hostConfig.GroupAdd ?? []);
        var cwd = WorkingDirectory(input, user);

        var caps = Capabilities.Resolve(hostConfig.CapAdd ?? [], hostConfig.CapDrop ?? [], hostConfig.Privileged, host.LastCap);
        // moby SetCapabilities: a non-root user gets only the bounding set, as after execve;
        // root gets effective and permitted too. Never inheritable/ambient (CVE-2022-24769).
        var capabilities = user.Uid == 0
            ? new RuntimeCapabilities { Bounding = caps, Effective = caps, Permitted = caps }
            : new RuntimeCapabilities { Bounding = caps };

        RuntimeSeccomp? seccomp = null;
        if (!hostConfig.Privileged && security.SeccompProfile != "unconfined")
        {
            seccomp = security.SeccompProfile is null or "builtin"
                ? SeccompProfiles.Default(caps, host)
                : SeccompProfiles.FromJson(security.SeccompProfile, caps, host);
        }

        var mounts = BuildMounts(input, out var rootfsPropagation);

        var namespaces = new List<RuntimeNamespace>(6)
        {
            new("mount"),
            new("network", string.IsNullOrEmpty(input.NetworkNamespacePath) ? null : input.NetworkNamespacePath),
            new("uts"),
            new("pid"),
            new("ipc"),
        };
        // Docker's default cgroupns mode: "private" on a unified (v2) host, "host" otherwise.
        if (host.CgroupV2) namespaces.Add(new("cgroup"));

        var sysctl = new Dictionary<string, string>();
        if (input.NetworkIsPrivate)
        {
            // Docker's defaults for a private network namespace: ping without CAP_NET_RAW and
            // low ports without CAP_NET_BIND_SERVICE (the defaults grant both anyway).
            if (OciHostInfo.SysctlExists("net.ipv4.ping_group_range")) sysctl["net.ipv4.ping_group_range"] = "0 2147483647";
            if (OciHostInfo.SysctlExists("net.ipv4.ip_unprivileged_port_start")) sysctl["net.ipv4.ip_unprivileged_port_start"] = "0";
        }
        foreach (var (k, v) in hostConfig.Sysctls ?? new Dictionary<string, string>()) sysctl[k] = v;

        var env = OciDefaults.Environment(config.Env ?? [], config.Hostname, config.Tty, user.Home);

        // moby getUser: the primary gid first, then the supplementary groups.
        var gids = new List<uint>(user.AdditionalGids.Count + 1) { user.Gid };
        foreach (var g in user.AdditionalGids)
            if (!gids.Contains(g)) gids.Add(g);

        return new RuntimeSpec
        {
            OciVersion = OciDefaults.OciVersion,
            Root = new RuntimeRoot(input.RootfsPath, hostConfig.ReadonlyRootfs),
            Hostname = config.Hostname,
            Domainname = config.Domainname.Length > 0 ? config.Domainname : null,
            Mounts = mounts,
            Process = new RuntimeProcess
            {
                Terminal = config.Tty,
                User = new RuntimeUser { Uid = user.Uid, Gid = user.Gid, AdditionalGids = gids },
                Args = input.Args,
                Env = env,
                Cwd = cwd,
                Capabilities = capabilities,
                Rlimits = ContainerResources.Rlimits(hostConfig, host),
                NoNewPrivileges = security.NoNewPrivileges,
                OomScoreAdj = hostConfig.OomScoreAdj,
                // No apparmorProfile: Berth does not load docker-default, and naming an
                // unloaded profile makes runc fail.
            },
            Linux = new RuntimeLinux
            {
                Namespaces = namespaces,
                CgroupsPath = input.CgroupsPath,
                Resources = ContainerResources.ToRuntime(hostConfig),
                Devices = hostConfig.Privileged ? HostDevices.List() : null,
                Sysctl = sysctl.Count > 0 ? sysctl : null,
                Seccomp = seccomp,
                RootfsPropagation = rootfsPropagation,
                MaskedPaths = hostConfig.Privileged ? null : hostConfig.MaskedPaths ?? OciDefaults.MaskedPaths,
                ReadonlyPaths = hostConfig.Privileged ? null : hostConfig.ReadonlyPaths ?? OciDefaults.ReadonlyPaths,
            },
        };
    }

    /// <summary>
    /// Writes bundleDir/config.json atomically (temp file, rename). No fsync: the bundle is
    /// rewritten at every start and read by the runtime at once, so it never has to survive a
    /// crash, and an fsync per start is measurable on the `run` path.
    /// </summary>
    public static async Task WriteAsync(RuntimeSpec spec, string bundleDir, CancellationToken cancellationToken)
    {
        FileModes.CreateDirectory(bundleDir);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(spec, OciJsonContext.Default.RuntimeSpec);
        var final = Path.Combine(bundleDir, "config.json");
        var temp = Path.Combine(bundleDir, ".config.json." + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            // 0600: the spec carries the container's environment.
            await using (var fs = new FileStream(temp, FileModes.Create(FileMode.CreateNew, FileAccess.Write, FileModes.PrivateFile, FileShare.None, 1)))
            {
                await fs.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
            File.Move(temp, final, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The spec as config.json bytes (what WriteAsync writes).</summary>
    public static byte[] Serialize(RuntimeSpec spec) => JsonSerializer.SerializeToUtf8Bytes(spec, OciJsonContext.Default.RuntimeSpec);

    private static string WorkingDirectory(ContainerSpecInput input, ResolvedUser user)
    {
        var workingDir = input.Config.WorkingDir;
        if (workingDir.Length == 0) return "/";
        if (!workingDir.StartsWith('/'))
            throw new InvalidParameterException($"the working directory '{workingDir}' is invalid, it needs to be an absolute path");
        var cwd = CleanPath(workingDir);
        RootfsPath.MkdirAll(input.RootfsPath, cwd, user.Uid, user.Gid);
        return cwd;
    }

    /// <summary>Go's filepath.Clean for absolute paths: no "//", ".", "..", or trailing slash.</summary>
    internal static string CleanPath(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/'))
        {
            if (p is "" or ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }

    private static List<RuntimeMount> BuildMounts(ContainerSpecInput input, out string? rootfsPropagation)
    {
        rootfsPropagation = null;
        var userDestinations = new HashSet<string>(input.Mounts.Count);
        foreach (var m in input.Mounts) userDestinations.Add(CleanPath(m.Destination));
        var userDev = userDestinations.Contains("/dev");

        var mounts = new List<RuntimeMount>(7 + input.Mounts.Count);
        foreach (var m in OciDefaults.Mounts(input.Host.ShmSize))
        {
            // A user mount replaces the default at that place; a user /dev replaces all of /dev/*.
            if (userDestinations.Contains(m.Destination)) continue;
            if (userDev && m.Destination.StartsWith("/dev/", StringComparison.Ordinal)) continue;
            var mount = m;
            if (input.Host.ReadonlyRootfs && m.Destination is not ("/proc" or "/dev/pts" or "/dev/shm" or "/dev/mqueue" or "/dev") && !m.Options!.Contains("ro"))
                mount = mount with { Options = [.. m.Options!, "ro"] };
            if (input.Host.Privileged && m.Type is "sysfs" or "cgroup")
                mount = mount with { Options = m.Options!.Where(static o => o != "ro").ToArray() };
            mounts.Add(mount);
        }

        // Parents before children (moby sorts by path depth), otherwise a later mount hides an earlier one.
        foreach (var m in input.Mounts.OrderBy(static m => CleanPath(m.Destination).Count(static c => c == '/')))
        {
            var options = new List<string>(3) { "rbind" };
            if (m.ReadOnly) options.Add("ro");
            if (!string.IsNullOrEmpty(m.Propagation))
            {
                if (!s_propagations.Contains(m.Propagation))
                    throw new InvalidParameterException($"invalid mount propagation: \"{m.Propagation}\" for {m.Destination}");
                options.Add(m.Propagation);
                // Shared or slave mounts only propagate if the rootfs mount lets them through.
                if (m.Propagation is "shared" or "rshared")
                    rootfsPropagation = "shared";
                else if (m.Propagation is "slave" or "rslave" && rootfsPropagation is null)
                    rootfsPropagation = "rslave";
            }
            mounts.Add(new RuntimeMount { Destination = m.Destination, Type = "bind", Source = m.Source, Options = options });
        }
        return mounts;
    }
}

/// <summary>HostConfig.SecurityOpt as docker's parseSecurityOpt reads it.</summary>
internal readonly record struct SecurityOptions(bool NoNewPrivileges, string? SeccompProfile)
{
    public static SecurityOptions Parse(IReadOnlyList<string> options)
    {
        var noNewPrivileges = false;
        string? seccomp = null;
        foreach (var opt in options)
        {
            if (opt == "no-new-privileges") { noNewPrivileges = true; continue; }
            if (opt == "disable") continue; // SELinux label option: no SELinux here
            // "=" is the separator; ":" is docker's deprecated one, still accepted.
            var sep = opt.IndexOf('=') is var e and >= 0 ? e : opt.IndexOf(':');
            if (sep < 0) throw new InvalidParameterException($"invalid --security-opt 1: \"{opt}\"");
            var (key, value) = (opt[..sep], opt[(sep + 1)..]);
            switch (key)
            {
                case "label":
                case "apparmor":
                    break; // neither SELinux nor AppArmor is used by Berth
                case "seccomp":
                    seccomp = value;
                    break;
                case "no-new-privileges":
                    noNewPrivileges = ParseGoBool(value) ?? throw new InvalidParameterException($"invalid --security-opt 2: \"{opt}\"");
                    break;
                default:
                    throw new InvalidParameterException($"invalid --security-opt 2: \"{opt}\"");
            }
        }
        return new SecurityOptions(noNewPrivileges, seccomp);
    }

    private static bool? ParseGoBool(string s) => s switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };
}
