using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>Helpers for tests that own their daemon (and kill or restart it).</summary>
internal static class OwnDaemon
{
    public static async Task<string> Ok(this BerthDaemon daemon, params string[] args)
    {
        var result = await daemon.Berth(args);
        Assert.True(result.ExitCode == 0, $"berth {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    public static bool ProcessExists(int pid) => pid > 0 && Directory.Exists($"/proc/{pid}") && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    public static string Cmdline(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// Runs a container whose PID 1 prints a line for every SIGUSR1 it gets and exits 0 on SIGTERM,
    /// so the test can make it log while berthd is down. Returns its host PID.
    /// </summary>
    public static async Task<int> RunSignalledContainerAsync(this BerthDaemon daemon, string name)
    {
        await daemon.Ok("run", "-d", "--name", name, "busybox", "sh", "-c",
            "trap 'echo usr1-$((n=n+1))' USR1; trap 'echo bye; exit 0' TERM; echo started; while true; do sleep 0.1; done");
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await daemon.Berth("logs", name)).Stdout.Contains("started")),
            "the container never logged");
        var pid = (await daemon.InspectAsync(name)).GetProperty("State").GetProperty("Pid").GetInt32();
        Assert.True(ProcessExists(pid), $"container pid {pid} does not exist");
        return pid;
    }
}

/// <summary>berthd crashes (SIGKILL) while a container runs; a new berthd adopts the container.</summary>
public sealed class DaemonCrashTests
{
    [Fact]
    public async Task ContainersSurviveAKilledDaemonAndAreAdoptedByTheNext()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = DaemonFixture.UniqueName("survivor");
        var pid = await daemon.RunSignalledContainerAsync(name);
        var inspected = await daemon.InspectAsync(name);
        var id = inspected.GetProperty("Id").GetString()!;
        var logPath = inspected.GetProperty("LogPath").GetString()!;
        var exited = DaemonFixture.UniqueName("exited");
        Assert.Equal(6, (await daemon.Berth("run", "--name", exited, "busybox", "sh", "-c", "exit 6")).ExitCode);

        await daemon.KillHardAsync();

        // The container runs on without berthd, and still writes its log (through its shim).
        Assert.True(OwnDaemon.ProcessExists(pid), "the container died with berthd");
        Assert.StartsWith("sh -c trap ", OwnDaemon.Cmdline(pid));
        Assert.Equal(0, Interop.Kill(pid, 10)); // SIGUSR1 → "usr1-1" in the log
        // The trap has run once its line is in the json-file log, which the shim writes without berthd.
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(File.ReadAllText(logPath).Contains("usr1-1"))),
            "the shim did not log the trap's line while berthd was down: " + File.ReadAllText(logPath));
        Assert.True(OwnDaemon.ProcessExists(pid));

        await daemon.StartAsync();

        var info = await daemon.InspectAsync(name);
        var state = info.GetProperty("State");
        Assert.Equal(id, info.GetProperty("Id").GetString());
        Assert.Equal("running", state.GetProperty("Status").GetString());
        Assert.True(state.GetProperty("Running").GetBoolean());
        Assert.Equal(pid, state.GetProperty("Pid").GetInt32());
        Assert.Equal($"{name} running\n", await daemon.Ok("ps", "--filter", "name=" + name, "--format", "{{.Names}} {{.State}}"));
        // A container that had exited before the crash is still exited, with its code.
        Assert.Equal("exited 6\n", await daemon.Ok("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", exited));

        // Logs written while berthd was down are there; a follow streams on until the stop.
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await daemon.Berth("logs", name)).Stdout.Contains("usr1-1")),
            "the line logged while berthd was down is missing: " + (await daemon.Berth("logs", name)).Stdout);
        var follow = daemon.Berth("logs", "-f", name);
        Assert.Equal(0, Interop.Kill(pid, 10)); // "usr1-2", logged with the new berthd
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await daemon.Berth("logs", name)).Stdout.Contains("usr1-2")));

        Assert.Equal(name + "\n", await daemon.Ok("stop", name));
        var followed = await follow;
        Assert.Equal(0, followed.ExitCode);
        Assert.Equal("started\nusr1-1\nusr1-2\nbye\n", followed.Stdout);

        var stopped = (await daemon.InspectAsync(name)).GetProperty("State");
        Assert.Equal("exited", stopped.GetProperty("Status").GetString());
        Assert.Equal(0, stopped.GetProperty("ExitCode").GetInt32());
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(!OwnDaemon.ProcessExists(pid))), "the container process outlived stop");
        Assert.Equal("0\n", await daemon.Ok("wait", name));

        // The adopted container can run again and be removed.
        await daemon.Ok("start", name);
        Assert.Equal(name + "\n", await daemon.Ok("rm", "-f", name));
        await daemon.Ok("rm", exited);
    }

    [Fact]
    public async Task AContainerThatExitsWhileBerthdIsDownIsRecordedAsExited()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = DaemonFixture.UniqueName("exits-alone");
        await daemon.Ok("run", "-d", "--name", name, "busybox", "sh", "-c", "trap 'exit 9' USR1; echo ready; while true; do sleep 0.1; done");
        await daemon.WaitForLogLineAsync(name, "ready");
        var pid = (await daemon.InspectAsync(name)).GetProperty("State").GetProperty("Pid").GetInt32();

        await daemon.KillHardAsync();
        Assert.Equal(0, Interop.Kill(pid, 10));
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(!OwnDaemon.ProcessExists(pid))), "the container did not exit");

        await daemon.StartAsync();
        Assert.Equal("exited 9\n", await daemon.Ok("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name));
        Assert.Equal("9\n", await daemon.Ok("wait", name));
        await daemon.Ok("rm", name);
    }
}

/// <summary>A --rm container whose exit berthd missed is removed by the next berthd, as dockerd does on restore.</summary>
public sealed class DaemonCrashAutoRemoveTests
{
    [Fact]
    public async Task AnAutoRemoveContainerThatExitedWhileBerthdWasDownIsRemoved()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = DaemonFixture.UniqueName("autorm-crash");
        await daemon.Ok("run", "-d", "--rm", "--name", name, "busybox", "sh", "-c", "trap 'exit 0' USR1; echo ready; while true; do sleep 0.1; done");
        await daemon.WaitForLogLineAsync(name, "ready");
        var pid = (await daemon.InspectAsync(name)).GetProperty("State").GetProperty("Pid").GetInt32();

        await daemon.KillHardAsync();
        Assert.Equal(0, Interop.Kill(pid, 10));
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(!OwnDaemon.ProcessExists(pid))), "the container did not exit");

        await daemon.StartAsync();
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await daemon.Berth("inspect", name)).ExitCode != 0),
            "the --rm container is still there: " + (await daemon.Berth("ps", "-a")).Stdout);
        Assert.Equal("", await daemon.Ok("ps", "-aq", "--filter", "name=" + name));
    }

    [Fact]
    public async Task AnAdoptedAutoRemoveContainerIsRemovedWhenItStops()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = DaemonFixture.UniqueName("autorm-adopted");
        await daemon.Ok("run", "-d", "--rm", "--name", name, "busybox", "sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done");
        await daemon.WaitForLogLineAsync(name, "ready");
        var pid = (await daemon.InspectAsync(name)).GetProperty("State").GetProperty("Pid").GetInt32();

        await daemon.KillHardAsync();
        await daemon.StartAsync();
        Assert.Equal(pid, (await daemon.InspectAsync(name)).GetProperty("State").GetProperty("Pid").GetInt32());

        Assert.Equal(name + "\n", await daemon.Ok("stop", name));
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await daemon.Berth("inspect", name)).ExitCode != 0),
            "the adopted --rm container was not removed after it stopped");
        Assert.False(OwnDaemon.ProcessExists(pid));
    }
}

/// <summary>berthd stopped with SIGTERM leaves its containers running.</summary>
public sealed class DaemonShutdownTests
{
    [Fact]
    public async Task SigtermLeavesContainersRunningForTheNextBerthd()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = DaemonFixture.UniqueName("stays");
        var pid = await daemon.RunSignalledContainerAsync(name);
        var berthd = daemon.Pid;

        await daemon.StopAsync();
        Assert.False(OwnDaemon.ProcessExists(berthd), "berthd did not exit on SIGTERM");
        Assert.False(File.Exists(daemon.Socket), "berthd left its socket behind");
        Assert.True(OwnDaemon.ProcessExists(pid), "SIGTERM of berthd stopped the container");

        await daemon.StartAsync();
        var state = (await daemon.InspectAsync(name)).GetProperty("State");
        Assert.Equal("running", state.GetProperty("Status").GetString());
        Assert.Equal(pid, state.GetProperty("Pid").GetInt32());

        Assert.Equal(name + "\n", await daemon.Ok("stop", name));
        Assert.Equal("started\nbye\n", await daemon.Ok("logs", name));
        Assert.Equal("0\n", await daemon.Ok("wait", name));
        await daemon.Ok("rm", name);
    }
}

/// <summary>One data root, one berthd.</summary>
public sealed class DataRootLockTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    [Fact]
    public async Task ASecondBerthdOnTheSameDataRootRefusesToStart()
    {
        var daemon = fixture.Daemon;
        var otherExec = Path.Combine(daemon.Root, "exec2");
        var result = await ProcessRunner.RunAsync(Path.Combine(BerthDaemon.BinDir, "berthd"),
            ["--host", "unix://" + Path.Combine(otherExec, "berth.sock"), "--data-root", daemon.DataRoot, "--exec-root", otherExec,
             "--cgroup-parent", daemon.CgroupParent + "-second"],
            timeout: TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(daemon.DataRoot, result.Stderr);
        Assert.Contains("in use", result.Stderr);

        // The first daemon is unaffected.
        Assert.Equal("still serving\n", await daemon.Ok("run", "--rm", "busybox", "echo", "still serving"));
        Assert.False(File.Exists(Path.Combine(otherExec, "berth.sock")));
    }

    [Fact]
    public async Task TheRefusalNamesTheOwningPid()
    {
        var daemon = fixture.Daemon;
        var otherExec = Path.Combine(daemon.Root, "exec3");
        var result = await ProcessRunner.RunAsync(Path.Combine(BerthDaemon.BinDir, "berthd"),
            ["--host", "unix://" + Path.Combine(otherExec, "berth.sock"), "--data-root", daemon.DataRoot, "--exec-root", otherExec],
            timeout: TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"(pid {daemon.Pid})", result.Stderr);
    }
}
