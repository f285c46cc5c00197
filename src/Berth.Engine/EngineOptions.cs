namespace Berth.Engine;

/// <summary>Where the engine keeps things and which programs it runs.</summary>
/// <param name="DataRoot">--data-root: persistent state (berth.db, content, layers, containers).</param>
/// <param name="ExecRoot">--exec-root: runtime state (shim sockets, runtime state dir).</param>
/// <param name="RuntimePath">OCI runtime binary, runc by default.</param>
/// <param name="ShimPath">berth-shim binary.</param>
/// <remarks>
/// Modes (Berth.Core.Interop.FileModes; CVE-2021-41091): root only. Both roots 0710, every
/// directory berthd makes under them 0700, the database, bundles and state files 0600, logs
/// 0640, each created with its mode (no window where it is readable by others); berthd tightens
/// roots made by older builds at start. Exceptions are what a container sees through its mounts:
/// its upper dir (its "/") and layer diff dirs 0755, hostname/hosts/resolv.conf 0644.
/// </remarks>
public sealed record EngineOptions(string DataRoot, string ExecRoot, string RuntimePath, string ShimPath)
{
    public string DatabasePath => Path.Combine(DataRoot, "berth.db");
    public string ContentRoot => Path.Combine(DataRoot, "content");
    public string LayersRoot => Path.Combine(DataRoot, "layers");
    public string ContainersRoot => Path.Combine(DataRoot, "containers");
    public string RuntimeRoot => Path.Combine(ExecRoot, "runtime");
    public string ShimSocketsRoot => Path.Combine(ExecRoot, "s");

    /// <summary>cgroup parent of every container (runc's cgroupsPath prefix).</summary>
    public string CgroupParent { get; init; } = "/berth";
}
