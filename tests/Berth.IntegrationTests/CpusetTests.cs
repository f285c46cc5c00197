using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// --cpuset-cpus (HostConfig.CpusetCpus) as the container sees it, as inspect shows it, and
/// refused in dockerd 20.10's words, through both the berth and the docker CLI.
/// </summary>
public sealed class CpusetTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private BerthDaemon Daemon => fixture.Daemon;

    private async Task<CommandResult> Cli(string cli, params string[] args) =>
        cli == "docker" ? await Daemon.Docker(args) : await Daemon.Berth(args);

    private static string HostCpus() =>
        (File.Exists("/sys/fs/cgroup/cpuset/cpuset.cpus") ? File.ReadAllText("/sys/fs/cgroup/cpuset/cpuset.cpus") : File.ReadAllText("/sys/fs/cgroup/cpuset.cpus.effective")).Trim();

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task TheContainerRunsOnlyOnTheCpusGiven(string cli)
    {
        var cpu = Environment.ProcessorCount > 1 ? "1" : "0";
        var result = await Cli(cli, "run", "--rm", "--cpuset-cpus", cpu, "busybox", "sh", "-c",
            "grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null || cat /sys/fs/cgroup/cpuset.cpus");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([$"Cpus_allowed_list:\t{cpu}", cpu], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task InspectShowsTheCpuset(string cli)
    {
        var name = "cpuset-" + cli + "-" + Guid.NewGuid().ToString("N")[..8];
        var created = await Cli(cli, "create", "--name", name, "--cpuset-cpus", "0", "busybox", "true");
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            var inspect = await Cli(cli, "inspect", "--format", "{{.HostConfig.CpusetCpus}}", name);
            Assert.Equal("0", inspect.Stdout.Trim());
        }
        finally
        {
            await Daemon.Berth("rm", "-f", name);
        }
    }

    [Theory]
    [InlineData("berth", "1-x")]
    [InlineData("docker", "1-x")]
    [InlineData("berth", "3-1")]
    [InlineData("docker", ",")]
    public async Task AMalformedListIsRefusedInDockerdsWords(string cli, string cpus)
    {
        var result = await Cli(cli, "run", "--rm", "--cpuset-cpus", cpus, "busybox", "true");
        Assert.Equal(125, result.ExitCode);
        Assert.Contains($"Invalid value {cpus} for cpuset cpus", result.Stderr);
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task CpusTheHostDoesNotHaveAreRefusedInDockerdsWords(string cli)
    {
        var result = await Cli(cli, "run", "--rm", "--cpuset-cpus", "0-4095", "busybox", "true");
        Assert.Equal(125, result.ExitCode);
        Assert.Contains($"Requested CPUs are not available - requested 0-4095, available: {HostCpus()}", result.Stderr);
    }
}
