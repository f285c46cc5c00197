namespace Berth.IntegrationTests.Harness;

/// <summary>Leaves the host as it was: unmounts everything below a test root, removes its cgroups and files.</summary>
public static class Cleanup
{
    public static async Task RemoveTreeAsync(string root, string cgroupParent)
    {
        // Deepest mounts first.
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4])
            .Where(mountPoint => mountPoint.StartsWith(root + "/", StringComparison.Ordinal))
            .OrderByDescending(mountPoint => mountPoint.Length)
            .ToList();
        foreach (var mountPoint in mounts)
            await ProcessRunner.RunAsync("umount", ["-l", mountPoint]);

        foreach (var hierarchy in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup").Append("/sys/fs/cgroup") : [])
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

    private static void TryRemoveDirectory(string dir)
    {
        try { Directory.Delete(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
