namespace Berth.Engine.Runtime.Oci;

/// <summary>Files of a container's cgroup (cgroupfs layout, the cgroupsPath berthd gives runc).</summary>
public static class CgroupFiles
{
    private const string Root = "/sys/fs/cgroup";

    /// <summary>
    /// The file whose "oom_kill N" line counts the OOM killer's kills in the container:
    /// memory.events on a pure v2 host, the memory hierarchy's memory.oom_control on v1 and hybrid.
    /// </summary>
    public static string OomKillCounter(string cgroupsPath, OciHostInfo host) => host.CgroupV2
        ? Path.Combine(Root, cgroupsPath.TrimStart('/'), "memory.events")
        : Path.Combine(Root, "memory", cgroupsPath.TrimStart('/'), "memory.oom_control");
}
