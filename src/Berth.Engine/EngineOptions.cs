namespace Berth.Engine;

/// <summary>Where the engine keeps things and which programs it runs.</summary>
/// <param name="DataRoot">--data-root: persistent state (berth.db, content, layers, containers).</param>
/// <param name="ExecRoot">--exec-root: runtime state (shim sockets, runtime state dir).</param>
/// <param name="RuntimePath">OCI runtime binary, runc by default.</param>
/// <param name="ShimPath">berth-shim binary.</param>
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
