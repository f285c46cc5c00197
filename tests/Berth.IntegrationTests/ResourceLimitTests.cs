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

    private Task<string> DockerOk(params string[] args) => Ok("docker", args);

    /// <summary>Runs the berth or the docker CLI; both send the same create request.</summary>
    private async Task<string> Ok(string cli, params string[] args)
    {
        var result = cli == "docker" ? await Daemon.Docker(args) : await Daemon.Berth(args);
        Assert.True(result.ExitCode == 0, $"{cli} {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    private Task<string> RunAndRead(string cli, string[] flags, string v1File, string v2File) =>
        Ok(cli, ["run", "--rm", .. flags, "busybox", "sh", "-c", $"cat {v1File} 2>/dev/null || cat {v2File}"]);

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task MemoryLimitAndReservationAreTheContainersCgroupSettings(string cli)
    {
        var limit = await RunAndRead(cli, ["-m", "24m"], "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max");
        Assert.Equal((24 * 1024 * 1024).ToString(), limit.Trim());
        var reservation = await RunAndRead(cli, ["--memory-reservation", "12m"], "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes", "/sys/fs/cgroup/memory.low");
        Assert.Equal((12 * 1024 * 1024).ToString(), reservation.Trim());
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task PidsLimitIsTheContainersCgroupLimit(string cli)
    {
        var value = await RunAndRead(cli, ["--pids-limit", "17"], "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max");
        Assert.Equal("17", value.Trim());
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task CpusBecomeACfsQuotaOfA100msPeriod(string cli)
    {
        var value = await RunAndRead(cli, ["--cpus", "0.5"], "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu.max");
        Assert.Contains(value.Trim(), new[] { "50000", "50000 100000" });
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task UlimitsAndOomScoreAdjReachTheProcess(string cli)
    {
        var output = await Ok(cli, "run", "--rm", "--ulimit", "nofile=1024:2048", "--ulimit", "nproc=300", "--oom-score-adj", "500",
            "busybox", "sh", "-c", "ulimit -Sn; ulimit -Hn; ulimit -u; cat /proc/self/oom_score_adj");
        Assert.Equal(["1024", "2048", "300", "500"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task DnsSearchAndOptionsReplaceTheHostsInResolvConf(string cli)
    {
        var output = await Ok(cli, "run", "--rm", "--dns", "192.0.2.53", "--dns-search", "corp.example", "--dns-option", "ndots:3",
            "busybox", "cat", "/etc/resolv.conf");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("nameserver 192.0.2.53", lines);
        Assert.Contains("search corp.example", lines);
        Assert.Contains("options ndots:3", lines);
        Assert.Single(lines, l => l.StartsWith("search", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task OutOfRangeLimitsAreRefusedWithDockersWords(string cli)
    {
        var oom = cli == "docker"
            ? await Daemon.Docker("run", "--rm", "--oom-score-adj", "1001", "busybox", "true")
            : await Daemon.Berth("run", "--rm", "--oom-score-adj", "1001", "busybox", "true");
        Assert.Equal(125, oom.ExitCode);
        Assert.Contains("Invalid value 1001, range for oom score adj is [-1000, 1000]", oom.Stderr);
        var reservation = cli == "docker"
            ? await Daemon.Docker("run", "--rm", "-m", "16m", "--memory-reservation", "32m", "busybox", "true")
            : await Daemon.Berth("run", "--rm", "-m", "16m", "--memory-reservation", "32m", "busybox", "true");
        Assert.Equal(125, reservation.ExitCode);
        Assert.Contains("Minimum memory limit can not be less than memory reservation limit", reservation.Stderr);
    }

    [Fact]
    public async Task SystempathsUnconfinedLeavesProcUnmasked()
    {
        // /proc/keys exists on every kernel with keys support (kcore and sched_debug may be absent).
        const string probe = "[ -c /proc/keys ] && echo masked || echo visible";
        Assert.Equal("masked", (await Ok("berth", "run", "--rm", "busybox", "sh", "-c", probe)).Trim());
        Assert.Equal("visible", (await Ok("berth", "run", "--rm", "--security-opt", "systempaths=unconfined", "busybox", "sh", "-c", probe)).Trim());
    }

    [Fact]
    public async Task CapabilitiesAreDockersDefaultsChangedByCapAddAndCapDrop()
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
        Assert.Equal(changed, await Effective(Ok("berth", "run", "--rm", "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "busybox", "cat", "/proc/self/status")));
        Assert.Equal((defaults | 1UL << NetAdmin) & ~(1UL << Chown), changed);
        Assert.Equal(0UL, await Effective(DockerOk("run", "--rm", "--cap-drop", "ALL", "busybox", "cat", "/proc/self/status")));
        Assert.NotEqual(0UL, defaults & 1UL << NetRaw);
    }

    [Fact]
    public async Task AContainerKilledByTheOomKillerExits137WithOOMKilled()
    {
        var name = DaemonFixture.UniqueName("oom");
        // tail keeps the whole of an endless line in memory: the 16 MiB limit (no swap) stops it.
        var run = await Daemon.Berth("run", "--name", name, "-m", "16m", "--memory-swap", "16m", "busybox", "sh", "-c", "tail /dev/zero");
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
