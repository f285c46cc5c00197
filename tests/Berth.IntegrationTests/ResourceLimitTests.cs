using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// Resource limits and capabilities as the container sees them (its own cgroup files and
/// /proc/self/status), and the OOM killer reported the way dockerd reports it. The cgroup
/// files are read at their v1 path, else at the v2 one, so the tests hold on either host.
/// </summary>
public sealed class ResourceLimitTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private BerthDaemon Daemon => fixture.Daemon;

    private async Task<string> DockerOk(params string[] args)
    {
        var result = await Daemon.Docker(args);
        Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    private Task<string> RunAndRead(string[] flags, string v1File, string v2File) =>
        DockerOk(["run", "--rm", .. flags, "busybox", "sh", "-c", $"cat {v1File} 2>/dev/null || cat {v2File}"]);

    [Fact]
    public async Task Memory_limit_is_the_containers_cgroup_limit()
    {
        var value = await RunAndRead(["-m", "24m"], "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max");
        Assert.Equal((24 * 1024 * 1024).ToString(), value.Trim());
    }

    [Fact]
    public async Task Pids_limit_is_the_containers_cgroup_limit()
    {
        var value = await RunAndRead(["--pids-limit", "17"], "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max");
        Assert.Equal("17", value.Trim());
    }

    [Fact]
    public async Task Cpus_become_a_cfs_quota_of_a_100ms_period()
    {
        var value = await RunAndRead(["--cpus", "0.5"], "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu.max");
        Assert.Contains(value.Trim(), new[] { "50000", "50000 100000" });
    }

    [Fact]
    public async Task Capabilities_are_dockers_defaults_changed_by_cap_add_and_cap_drop()
    {
        static async Task<ulong> Effective(Task<string> status)
        {
            var line = (await status).Split('\n').Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            return Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16);
        }
        const int NetAdmin = 12, Chown = 0, NetRaw = 13;
        var defaults = await Effective(DockerOk("run", "--rm", "busybox", "cat", "/proc/self/status"));
        Assert.Equal(0xa80425fbUL, defaults); // docker's 14 default capabilities
        var changed = await Effective(DockerOk("run", "--rm", "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "busybox", "cat", "/proc/self/status"));
        Assert.Equal((defaults | 1UL << NetAdmin) & ~(1UL << Chown), changed);
        Assert.Equal(0UL, await Effective(DockerOk("run", "--rm", "--cap-drop", "ALL", "busybox", "cat", "/proc/self/status")));
        Assert.NotEqual(0UL, defaults & 1UL << NetRaw);
    }

    [Fact]
    public async Task A_container_killed_by_the_oom_killer_exits_137_with_OOMKilled()
    {
        var name = DaemonFixture.UniqueName("oom");
        // tail keeps the whole of an endless line in memory: the 16 MiB limit (no swap) stops it.
        var run = await Daemon.Docker("run", "--name", name, "-m", "16m", "--memory-swap", "16m", "busybox", "sh", "-c", "tail /dev/zero");
        Assert.Equal(137, run.ExitCode);
        var state = (await Daemon.InspectAsync(name, docker: true)).GetProperty("State");
        Assert.True(state.GetProperty("OOMKilled").GetBoolean());
        Assert.Equal(137, state.GetProperty("ExitCode").GetInt32());
        await DockerOk("rm", name);

        var calm = DaemonFixture.UniqueName("calm");
        await DockerOk("run", "--name", calm, "-m", "16m", "busybox", "true");
        Assert.False((await Daemon.InspectAsync(calm, docker: true)).GetProperty("State").GetProperty("OOMKilled").GetBoolean());
        await DockerOk("rm", calm);
    }
}
