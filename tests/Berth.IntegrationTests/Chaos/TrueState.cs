using System.Text.Json;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests.Chaos;

/// <summary>
/// What must hold after berthd restarts from a crash, checked against the host itself (processes,
/// cgroups, the runtime's state, mounts, files) rather than against berthd's word. Each check
/// returns the violations it found, in words; an empty list is a true state.
/// </summary>
public static class TrueState
{
    /// <summary>How long the new berthd may take to settle what it found (recovery runs on).</summary>
    private const int SettleAttempts = 40;

    public sealed record ContainerView(string Id, string Name, string Status, bool Running, int Pid, bool AutoRemove);

    /// <summary>
    /// Every container's recorded state is the true one; no process, shim or runtime state lives
    /// without a container record; no --rm container that has exited is kept.
    /// </summary>
    public static async Task<List<string>> CheckContainersAsync(BerthDaemon daemon, string runtimeRoot)
    {
        List<string> violations = [];
        for (var attempt = 0; attempt < SettleAttempts; attempt++)
        {
            violations = await FindContainerViolationsAsync(daemon, runtimeRoot);
            if (violations.Count == 0) return violations;
            await Task.Delay(100);
        }
        return violations;
    }

    private static async Task<List<string>> FindContainerViolationsAsync(BerthDaemon daemon, string runtimeRoot)
    {
        var violations = new List<string>();
        var containers = await ListAsync(daemon);
        var ids = containers.Select(c => c.Id).ToHashSet();
        var runtime = await RuntimeStatesAsync(runtimeRoot);
        foreach (var c in containers)
        {
            var inRuntime = runtime.GetValueOrDefault(c.Id);
            if (c.AutoRemove && !c.Running && c.Status != "created")
                violations.Add($"--rm container {c.Name} kept as {c.Status}");
            if (c.Running)
            {
                if (!OwnDaemon.ProcessExists(c.Pid)) violations.Add($"{c.Name} is {c.Status} with pid {c.Pid}, which does not exist");
                else if (!CgroupOf(c.Pid).Contains(c.Id, StringComparison.Ordinal)) violations.Add($"{c.Name}'s pid {c.Pid} is not in its cgroup");
                if (inRuntime is not ("running" or "paused")) violations.Add($"{c.Name} is {c.Status} but the runtime says {inRuntime ?? "nothing"}");
            }
            else
            {
                if (inRuntime is "running" or "created" or "paused") violations.Add($"{c.Name} is {c.Status} but the runtime has it {inRuntime}");
                var live = ProcessesInCgroupOf(daemon.CgroupParent, c.Id);
                if (live.Count > 0) violations.Add($"{c.Name} is {c.Status} but processes {string.Join(',', live)} run in its cgroup");
            }
        }
        foreach (var (id, status) in runtime)
            if (!ids.Contains(id)) violations.Add($"the runtime has {id[..12]} ({status}) without a container record");
        foreach (var pid in ProcessesUnder(daemon.CgroupParent))
            if (!containers.Any(c => c.Running && CgroupOf(pid).Contains(c.Id, StringComparison.Ordinal)))
                violations.Add($"process {pid} ({OwnDaemon.Cmdline(pid)}) runs in {CgroupOf(pid).Trim()} without a running container");
        foreach (var (pid, id) in Shims(daemon.Root))
            if (!ids.Contains(id)) violations.Add($"shim {pid} of {id[..12]} runs without a container record");
        return violations;
    }

    /// <summary>After every container is removed: no shim, process, runtime state, cgroup or mount is left.</summary>
    public static async Task<List<string>> CheckNothingLeftAsync(BerthDaemon daemon, string runtimeRoot)
    {
        List<string> violations = [];
        for (var attempt = 0; attempt < SettleAttempts; attempt++)
        {
            violations = [];
            foreach (var (pid, id) in Shims(daemon.Root)) violations.Add($"shim {pid} of {id[..12]} left");
            foreach (var (id, status) in await RuntimeStatesAsync(runtimeRoot)) violations.Add($"runtime state of {id[..12]} ({status}) left");
            foreach (var pid in ProcessesUnder(daemon.CgroupParent)) violations.Add($"process {pid} ({OwnDaemon.Cmdline(pid)}) left");
            foreach (var dir in CgroupDirsUnder(daemon.CgroupParent)) violations.Add($"cgroup {dir} left");
            foreach (var mount in MountsUnder(daemon.DataRoot)) violations.Add($"mount {mount} left");
            var containers = Path.Combine(daemon.DataRoot, "containers");
            if (Directory.Exists(containers))
                foreach (var dir in Directory.GetDirectories(containers)) violations.Add($"container directory {Path.GetFileName(dir)[..12]} left");
            if (violations.Count == 0) return violations;
            await Task.Delay(100);
        }
        return violations;
    }

    /// <summary>With no image and no container, the content store and the layer store hold nothing (once the collector has run).</summary>
    public static async Task<List<string>> CheckNoContentLeftAsync(BerthDaemon daemon)
    {
        List<string> violations = [];
        for (var attempt = 0; attempt < SettleAttempts; attempt++)
        {
            violations = FindContent(daemon);
            if (violations.Count == 0) return violations;
            await Task.Delay(100);
        }
        return violations;
    }

    private static List<string> FindContent(BerthDaemon daemon)
    {
        var violations = new List<string>();
        foreach (var dir in new[] { "content/blobs/sha256", "content/ingest", "layers", "layers/tmp" })
        {
            var path = Path.Combine(daemon.DataRoot, dir);
            if (!Directory.Exists(path)) continue;
            // layers/tmp is the layer store's working directory: only what is in it counts.
            foreach (var entry in Directory.EnumerateFileSystemEntries(path).Where(e => dir != "layers" || Path.GetFileName(e) != "tmp"))
                violations.Add($"{dir}/{Path.GetFileName(entry)} left with no image or container holding it");
        }
        return violations;
    }

    public static async Task<List<ContainerView>> ListAsync(BerthDaemon daemon)
    {
        var ids = await daemon.Berth("ps", "-aq", "--no-trunc");
        if (ids.ExitCode != 0) throw new InvalidOperationException("ps failed: " + ids);
        var list = new List<ContainerView>();
        foreach (var id in ids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var result = await daemon.Berth("inspect", id);
            if (result.ExitCode != 0) continue; // removed meanwhile (auto-remove)
            using var document = JsonDocument.Parse(result.Stdout);
            var c = document.RootElement[0];
            var state = c.GetProperty("State");
            list.Add(new ContainerView(id, c.GetProperty("Name").GetString()!.TrimStart('/'), state.GetProperty("Status").GetString()!,
                state.GetProperty("Running").GetBoolean(), state.GetProperty("Pid").GetInt32(),
                c.GetProperty("HostConfig").GetProperty("AutoRemove").GetBoolean()));
        }
        return list;
    }

    /// <summary>The runtime's own view: container ID → status, from `runc list` over berthd's runtime root.</summary>
    public static async Task<Dictionary<string, string>> RuntimeStatesAsync(string runtimeRoot)
    {
        var states = new Dictionary<string, string>();
        if (!Directory.Exists(runtimeRoot)) return states;
        var result = await ProcessRunner.RunAsync("runc", ["--root", runtimeRoot, "list", "--format", "json"]);
        if (result.ExitCode != 0 || string.IsNullOrWhiteSpace(result.Stdout) || result.Stdout.Trim() == "null") return states;
        using var document = JsonDocument.Parse(result.Stdout);
        foreach (var entry in document.RootElement.EnumerateArray())
            states[entry.GetProperty("id").GetString()!] = entry.GetProperty("status").GetString()!;
        return states;
    }

    private static string CgroupOf(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cgroup"); }
        catch (IOException) { return ""; }
    }

    private static IEnumerable<string> Hierarchies() => Directory.GetDirectories("/sys/fs/cgroup").Append("/sys/fs/cgroup");

    private static List<int> ProcessesUnder(string cgroupParent) => Pids(CgroupDirsUnder(cgroupParent, includeParent: true));

    private static List<int> ProcessesInCgroupOf(string cgroupParent, string id) =>
        Pids(CgroupDirsUnder(cgroupParent).Where(d => d.Contains(id, StringComparison.Ordinal)));

    private static List<int> Pids(IEnumerable<string> dirs)
    {
        var pids = new HashSet<int>();
        foreach (var dir in dirs)
        {
            try
            {
                foreach (var line in File.ReadAllLines(Path.Combine(dir, "cgroup.procs")))
                    if (int.TryParse(line, out var pid) && OwnDaemon.ProcessExists(pid)) pids.Add(pid);
            }
            catch (IOException) { }
        }
        return [.. pids];
    }

    /// <summary>Cgroup directories below the parent in every hierarchy (the parent itself only when asked).</summary>
    private static List<string> CgroupDirsUnder(string cgroupParent, bool includeParent = false)
    {
        var dirs = new List<string>();
        foreach (var hierarchy in Hierarchies())
        {
            var parent = hierarchy + cgroupParent;
            if (!Directory.Exists(parent)) continue;
            if (includeParent) dirs.Add(parent);
            try { dirs.AddRange(Directory.GetDirectories(parent, "*", SearchOption.AllDirectories)); }
            catch (DirectoryNotFoundException) { }
        }
        return dirs;
    }

    private static List<string> MountsUnder(string root) =>
        File.ReadAllLines("/proc/self/mountinfo").Select(line => line.Split(' ')[4])
            .Where(mountPoint => mountPoint.StartsWith(root + "/", StringComparison.Ordinal)).ToList();

    /// <summary>berth-shim processes of this test's daemon: PID → the container ID they serve.</summary>
    private static List<(int Pid, string Id)> Shims(string root)
    {
        var shims = new List<(int, string)>();
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid) || !OwnDaemon.ProcessExists(pid)) continue;
            string[] argv;
            try { argv = File.ReadAllText(Path.Combine(proc, "cmdline")).Split('\0'); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (argv.Length < 3 || !argv[0].EndsWith("berth-shim", StringComparison.Ordinal)) continue;
            if (!argv.Any(a => a.StartsWith(root + "/", StringComparison.Ordinal))) continue;
            var at = Array.IndexOf(argv, "--id");
            if (at >= 0 && at + 1 < argv.Length) shims.Add((pid, argv[at + 1]));
        }
        return shims;
    }
}
