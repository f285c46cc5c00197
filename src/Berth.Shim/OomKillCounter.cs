using System.Text.Json;

namespace Berth.Shim;

/// <summary>
/// Whether the kernel's OOM killer struck inside the container's memory cgroup: the "oom_kill"
/// count of memory.oom_control (v1 and hybrid hosts) or memory.events (pure v2). Read when the
/// init has exited and before `runtime delete` removes the cgroup; dockerd reports OOMKilled for
/// an OOM kill of any process of the container, which is what the count says too.
/// </summary>
internal sealed class OomKillCounter
{
    private readonly string _file;

    private OomKillCounter(string file) => _file = file;

    /// <summary>The counter of the bundle's cgroup (its config.json's linux.cgroupsPath, cgroupfs form); null when there is none.</summary>
    public static OomKillCounter? ForBundle(string bundle, string cgroupRoot = "/sys/fs/cgroup")
    {
        try
        {
            using var spec = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "config.json")));
            if (!spec.RootElement.TryGetProperty("linux", out var linux)
                || !linux.TryGetProperty("cgroupsPath", out var pathElement)
                || pathElement.GetString() is not { Length: > 1 } path
                || !path.StartsWith('/'))
                return null;
            var unified = File.Exists(Path.Combine(cgroupRoot, "cgroup.controllers"));
            return new OomKillCounter(unified
                ? Path.Combine(cgroupRoot, path.TrimStart('/'), "memory.events")
                : Path.Combine(cgroupRoot, "memory", path.TrimStart('/'), "memory.oom_control"));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>True when the count is above zero; false also when the file cannot be read.</summary>
    public bool Fired()
    {
        try
        {
            foreach (var line in File.ReadLines(_file))
            {
                if (!line.StartsWith("oom_kill ", StringComparison.Ordinal)) continue;
                return long.TryParse(line.AsSpan("oom_kill ".Length), out var count) && count > 0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return false;
    }
}
