namespace Berth.Shim;

/// <summary>
/// Whether the kernel's OOM killer struck inside the container's memory cgroup: the "oom_kill"
/// count of the file berthd names (--oom-kill-file: memory.oom_control on v1 and hybrid hosts,
/// memory.events on pure v2). Read when the init has exited and before `runtime delete` removes
/// the cgroup; dockerd reports OOMKilled for an OOM kill of any process of the container, which
/// is what the count says too.
/// </summary>
internal sealed class OomKillCounter(string file)
{
    /// <summary>True when the count is above zero; false also when the file cannot be read.</summary>
    public bool Fired()
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                if (!line.StartsWith("oom_kill ", StringComparison.Ordinal)) continue;
                return long.TryParse(line.AsSpan("oom_kill ".Length), out var count) && count > 0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return false;
    }
}
