using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>`run -it` on a real pseudo-terminal (util-linux `script`): raw mode, size, exit code.</summary>
public sealed class TtyTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private BerthDaemon Daemon => fixture.Daemon;

    private Task<CommandResult> InTerminal(string command, string? input = null) =>
        ProcessRunner.RunAsync("/usr/bin/script", ["-qc", $"stty rows 33 cols 120; {command}", "/dev/null"],
            new Dictionary<string, string> { ["BERTH_HOST"] = Daemon.Host, ["DOCKER_HOST"] = Daemon.Host, ["DOCKER_CONFIG"] = Path.Combine(Daemon.Root, "docker-config") },
            input is null ? null : new MemoryStream(System.Text.Encoding.ASCII.GetBytes(input)));

    [Fact]
    public async Task The_containers_terminal_has_the_users_size_from_the_start()
    {
        var berth = await InTerminal($"{BerthDaemon.BerthPath} run --rm -it busybox stty size");
        Assert.Contains("33 120", berth.Stdout);
        if (BerthDaemon.DockerCli is { } docker)
        {
            var viaDocker = await InTerminal($"{docker} run --rm -it busybox stty size");
            Assert.Contains("33 120", viaDocker.Stdout);
        }
    }

    [Fact]
    public async Task An_interactive_shell_reads_typed_lines_and_exits_with_its_code()
    {
        var result = await InTerminal($"{BerthDaemon.BerthPath} run --rm -it busybox sh; echo rc=$?", "echo typed-$((1+2))\nexit 5\n");
        Assert.Contains("typed-3", result.Stdout);
        Assert.Contains("rc=5", result.Stdout);
    }
}
