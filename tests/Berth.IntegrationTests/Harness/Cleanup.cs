namespace Berth.IntegrationTests.Harness;

/// <summary>Leaves the host as it was: unmounts everything below a test root, removes its cgroups and files.</summary>
public static class Cleanup
{
    public static async Task RemoveTreeAsync(string root, string? cgroupParent)
    {
        // A test that failed while its daemon was down leaves containers and shims behind:
        // end them (by PID: processes in our cgroups, and processes whose command line names our root).
        await KillLeftoversAsync(root, cgroupParent);

        // Deepest mounts first.
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(mountPoint => mountPoint.StartsWith(root + "/", StringComparison.Ordinal))
            .OrderByDescending(mountPoint => mountPoint.Length)
            .ToList();
        foreach (var mountPoint in mounts)
            await ProcessRunner.RunAsync("umount", ["-l", mountPoint]);

        foreach (var hierarchy in CgroupHierarchies(cgroupParent))
        {
            var dir = hierarchy + cgroupParent;
            if (!Directory.Exists(dir)) continue;
            foreach (var child in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
                TryRemoveDirectory(child);
            TryRemoveDirectory(dir);
        }

        if (Directory.Exists(root))
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { await ProcessRunner.RunAsync("rm", ["-rf", root]); }
        }
    }

    private static async Task KillLeftoversAsync(string root, string? cgroupParent)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var pids = new HashSet<int>();
            foreach (var hierarchy in CgroupHierarchies(cgroupParent))
            {
                var dir = hierarchy + cgroupParent;
                if (!Directory.Exists(dir)) continue;
                foreach (var procs in Directory.GetFiles(dir, "cgroup.procs", SearchOption.AllDirectories))
                {
                    try
                    {
                        foreach (var line in File.ReadAllLines(procs))
                            if (int.TryParse(line, out var pid)) pids.Add(pid);
                    }
                    catch (IOException) { }
                }
            }
            foreach (var proc in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(proc), out var pid) || pid == Environment.ProcessId) continue;
                try
                {
                    var cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                    if (cmdline.Contains(root + "/", StringComparison.Ordinal)) pids.Add(pid);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
            if (pids.Count == 0) return;
            foreach (var pid in pids) Interop.Kill(pid, 9);
            await Task.Delay(100);
        }
    }

    /// <summary>Every cgroup hierarchy (v1 controllers and the unified one); none without a parent to clean.</summary>
    private static IEnumerable<string> CgroupHierarchies(string? cgroupParent) =>
        cgroupParent is null || !Directory.Exists("/sys/fs/cgroup") ? [] : Directory.GetDirectories("/sys/fs/cgroup").Append("/sys/fs/cgroup");

    private static void TryRemoveDirectory(string dir)
    {
        try { Directory.Delete(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
