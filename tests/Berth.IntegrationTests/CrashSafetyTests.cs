using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// berthd killed (SIGKILL) at points of a container's start, by a --runtime wrapper around
/// runc that kills it before or after one runtime command when armed; the next berthd must
/// show the true state and `rm -f` must end everything the container has.
/// </summary>
public sealed class CrashSafetyTests
{
    /// <summary>A daemon whose runtime is a wrapper that, when armed for COMMAND, SIGKILLs berthd before or after `runc COMMAND`.</summary>
    private sealed class CrashingRuntime
    {
        public CrashingRuntime(BerthDaemon daemon)
        {
            Daemon = daemon;
            Script = Path.Combine(daemon.Root, "crashing-runc");
            var runc = new[] { "/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc" }.First(File.Exists);
            File.WriteAllText(Script, $$"""
                #!/bin/sh
                # Armed by a file "<command> <before|after>"; fires once.
                armed="{{ArmFile}}"
                cmd=""
                for a in "$@"; do case "$a" in run|create|start|delete|kill|state) cmd="$a"; break;; esac; done
                if [ -f "$armed" ] && [ "$(cut -d' ' -f1 "$armed")" = "$cmd" ]; then
                  when="$(cut -d' ' -f2 "$armed")"; rm -f "$armed"
                  if [ "$when" = before ]; then kill -9 "$(cat {{PidFile}})"; fi
                  {{runc}} "$@"; rc=$?
                  if [ "$when" = after ]; then kill -9 "$(cat {{PidFile}})"; fi
                  exit $rc
                fi
                exec {{runc}} "$@"
                """);
            File.SetUnixFileMode(Script, (UnixFileMode)0b111_101_101);
            daemon.ExtraArgs.AddRange(["--runtime", Script]);
        }

        public BerthDaemon Daemon { get; }
        public string Script { get; }
        public string ArmFile => Path.Combine(Daemon.Root, "crash-armed");
        public string PidFile => Path.Combine(Daemon.Root, "berthd-pid");

        public async Task StartAsync()
        {
            await Daemon.StartAsync();
            await File.WriteAllTextAsync(PidFile, Daemon.Pid.ToString());
        }

        public void Arm(string command, string when) => File.WriteAllText(ArmFile, $"{command} {when}");
    }

    private static async Task<CrashingRuntime> StartAsync()
    {
        var daemon = new BerthDaemon();
        var runtime = new CrashingRuntime(daemon);
        await runtime.StartAsync();
        await daemon.ImportBusyboxAsync("busybox:latest");
        return runtime;
    }

    /// <summary>Host PIDs of the shims serving container <paramref name="id"/>.</summary>
    private static List<int> ShimsOf(string id) =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && OwnDaemon.Cmdline(pid) is var cmd && cmd.Contains("berth-shim") && cmd.Contains(id))
            .ToList();

    private static bool RuntimeHasState(BerthDaemon daemon, string id) => Directory.Exists(Path.Combine(daemon.ExecRoot, "runtime", id));

    private static bool CgroupExists(BerthDaemon daemon, string id) =>
        new[] { "pids", "memory", "cpu,cpuacct", "unified", "" }.Any(c => Directory.Exists(Path.Combine("/sys/fs/cgroup", c) + daemon.CgroupParent + "/" + id));

    private static bool RootfsMounted(BerthDaemon daemon, string id)
    {
        var rootfs = Path.Combine(daemon.DataRoot, "containers", id, "rootfs");
        return File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ') is { Length: > 4 } f && f[4] == rootfs);
    }

    /// <summary>After `rm -f`, nothing of the container is left: process, shim, runtime state, cgroup, mount.</summary>
    private static async Task AssertNothingLeftAsync(BerthDaemon daemon, string id, int pid)
    {
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(!OwnDaemon.ProcessExists(pid)), attempts: 50), $"container process {pid} outlived rm -f");
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(ShimsOf(id).Count == 0), attempts: 30), "a shim outlived rm -f");
        Assert.False(RuntimeHasState(daemon, id), "runc state outlived rm -f");
        Assert.False(CgroupExists(daemon, id), "the cgroup outlived rm -f");
        Assert.False(RootfsMounted(daemon, id), "the rootfs is still mounted");
    }

    [Theory]
    [InlineData("before")]
    [InlineData("after")]
    public async Task AKillAroundRuncRunLeavesAContainerTheNextBerthdShowsRunning(string when)
    {
        var runtime = await StartAsync();
        await using var daemon = runtime.Daemon;
        var name = DaemonFixture.UniqueName("crash-run");
        await daemon.Ok("create", "--name", name, "busybox", "sh", "-c", "echo ready; while true; do sleep 0.1; done");
        var id = (await daemon.InspectAsync(name)).GetProperty("Id").GetString()!;
        runtime.Arm("run", when);
        Assert.NotEqual(0, (await daemon.Berth("start", name)).ExitCode);
        await daemon.KillHardAsync();

        await runtime.StartAsync();
        var state = (await daemon.InspectAsync(name)).GetProperty("State");
        Assert.Equal("running", state.GetProperty("Status").GetString());
        var pid = state.GetProperty("Pid").GetInt32();
        Assert.True(OwnDaemon.ProcessExists(pid), $"inspect shows pid {pid}, which does not run");
        Assert.Contains(name, await daemon.Ok("ps", "--format", "{{.Names}}"));
        await daemon.WaitForLogLineAsync(name, "ready");

        // The adopted container stops and starts like any other.
        await daemon.Ok("stop", "-t", "1", name);
        await daemon.Ok("start", name);
        pid = (await daemon.InspectAsync(name)).GetProperty("State").GetProperty("Pid").GetInt32();
        await daemon.Ok("rm", "-f", name);
        await AssertNothingLeftAsync(daemon, id, pid);
    }

    [Fact]
    public async Task RmFAfterAKillAroundRuncRunEndsEverythingTheContainerHas()
    {
        var runtime = await StartAsync();
        await using var daemon = runtime.Daemon;
        var name = DaemonFixture.UniqueName("crash-rm");
        await daemon.Ok("create", "--name", name, "busybox", "sh", "-c", "while true; do sleep 0.1; done");
        var id = (await daemon.InspectAsync(name)).GetProperty("Id").GetString()!;
        runtime.Arm("run", "after");
        await daemon.Berth("start", name);
        await daemon.KillHardAsync();
        var pid = int.Parse(File.ReadAllText(Path.Combine(daemon.DataRoot, "containers", id, "init.pid")).Trim());
        Assert.True(OwnDaemon.ProcessExists(pid));

        await runtime.StartAsync();
        Assert.Equal(name + "\n", await daemon.Ok("rm", "-f", name));
        await AssertNothingLeftAsync(daemon, id, pid);
        // The name is free, and a new container of that name runs.
        await daemon.Ok("run", "--rm", "--name", name, "busybox", "true");
    }

    [Fact]
    public async Task AShimLaunchedButNeverStartedIsEndedByTheNextBerthdAndRmF()
    {
        var runtime = await StartAsync();
        await using var daemon = runtime.Daemon;
        var name = DaemonFixture.UniqueName("crash-create");
        // With a TTY the shim runs `runc create` at launch; berthd dies right after it.
        await daemon.Ok("create", "-t", "--name", name, "busybox", "sh", "-c", "sleep 1000");
        var id = (await daemon.InspectAsync(name)).GetProperty("Id").GetString()!;
        runtime.Arm("create", "after");
        await daemon.Berth("start", name);
        await daemon.KillHardAsync();
        // The shim may have died too, reporting to a berthd that was gone: then only the
        // runtime's created container is left. Either way the next berthd clears it.

        await runtime.StartAsync();
        Assert.Equal("created", (await daemon.InspectAsync(name)).GetProperty("State").GetProperty("Status").GetString());
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(ShimsOf(id).Count == 0), attempts: 30),
            "the never-started shim lingers after the restart");
        Assert.False(RuntimeHasState(daemon, id));

        // It starts normally now ("container with given ID already exists" before).
        await daemon.Ok("start", name);
        var pid = (await daemon.InspectAsync(name)).GetProperty("State").GetProperty("Pid").GetInt32();
        await daemon.Ok("rm", "-f", name);
        await AssertNothingLeftAsync(daemon, id, pid);
    }

    [Fact]
    public async Task RmFEndsAShimWhoseStartFailedAtOnce()
    {
        var runtime = await StartAsync();
        await using var daemon = runtime.Daemon;
        var name = DaemonFixture.UniqueName("failed-start");
        // With a TTY, `runc start` failing leaves a launched shim holding a created container.
        await daemon.Ok("create", "-t", "--name", name, "busybox", "sh", "-c", "sleep 1000");
        var id = (await daemon.InspectAsync(name)).GetProperty("Id").GetString()!;
        await File.WriteAllTextAsync(runtime.Script + ".fail-start", "", TestContext.Current.CancellationToken);
        File.WriteAllText(runtime.Script, File.ReadAllText(runtime.Script).Replace("exec ", "[ \"$cmd\" = start ] && [ -f \"$0.fail-start\" ] && { rm -f \"$0.fail-start\"; echo 'start refused' >&2; exit 1; }\nexec "));
        Assert.NotEqual(0, (await daemon.Berth("start", name)).ExitCode);
        await daemon.Ok("rm", "-f", name);
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(ShimsOf(id).Count == 0), attempts: 20), "the shim lingers after rm -f");
        Assert.False(RuntimeHasState(daemon, id));
    }

    [Fact]
    public async Task ACreatedAutoRemoveContainerIsRemovedByTheNextBerthd()
    {
        var runtime = await StartAsync();
        await using var daemon = runtime.Daemon;
        var name = DaemonFixture.UniqueName("crash-rm-created");
        await daemon.Ok("create", "--rm", "--name", name, "busybox", "true");
        await daemon.KillHardAsync();
        await runtime.StartAsync();
        Assert.Equal("", await daemon.Ok("ps", "-aq", "--filter", "name=" + name));
    }

    [Fact]
    public async Task TheRootfsIsMountedOnlyWhileTheContainerRunsAndAStoppedOneStillReads()
    {
        var runtime = await StartAsync();
        await using var daemon = runtime.Daemon;
        var name = DaemonFixture.UniqueName("mounts");
        await daemon.Ok("create", "--name", name, "busybox", "sh", "-c", "echo hello; echo data > /file; while true; do sleep 0.1; done");
        var id = (await daemon.InspectAsync(name)).GetProperty("Id").GetString()!;
        Assert.False(RootfsMounted(daemon, id), "mounted at create");
        await daemon.Ok("start", name);
        Assert.True(RootfsMounted(daemon, id), "not mounted while running");
        await daemon.WaitForLogLineAsync(name, "hello");
        await daemon.Ok("stop", "-t", "1", name);
        Assert.False(RootfsMounted(daemon, id), "still mounted after the stop");

        Assert.Equal("hello\n", await daemon.Ok("logs", name));
        var graph = (await daemon.InspectAsync(name)).GetProperty("GraphDriver").GetProperty("Data");
        Assert.Equal("data\n", File.ReadAllText(Path.Combine(graph.GetProperty("UpperDir").GetString()!, "file")));
        Assert.EndsWith("/rootfs", graph.GetProperty("MergedDir").GetString());

        // A container that exits on its own releases it too, and starts again with its files.
        await daemon.Ok("start", name);
        Assert.True(RootfsMounted(daemon, id));
        await daemon.Ok("kill", name);
        Assert.False(RootfsMounted(daemon, id));
        await daemon.Ok("rm", name);
    }
}
