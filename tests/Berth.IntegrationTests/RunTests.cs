using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>`run` through berth: output, exit codes and docker's error codes.</summary>
public sealed class RunTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private BerthDaemon Daemon => fixture.Daemon;

    [Fact]
    public async Task Run_rm_prints_the_containers_output()
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "echo", "hello from berth");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hello from berth\n", result.Stdout);
    }

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 7", 7)]
    // The container's PID 1 cannot be SIGKILLed from inside its own PID namespace (the kernel
    // drops it, as under docker), so a child shell kills itself and PID 1 passes its status on.
    [InlineData("sh -c 'kill -9 $$'; exit $?", 137)]
    public async Task Run_exits_with_the_containers_code(string script, int expected)
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "sh", "-c", script);
        Assert.Equal(expected, result.ExitCode);
    }

    [Fact]
    public async Task Run_of_a_missing_command_exits_127()
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "no-such-command");
        Assert.Equal(127, result.ExitCode);
        Assert.Contains("executable file not found", result.Stderr);
    }

    [Fact]
    public async Task Run_of_a_non_executable_file_exits_126()
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "/etc/passwd");
        Assert.Equal(126, result.ExitCode);
    }

    [Fact]
    public async Task Run_of_a_missing_image_exits_125()
    {
        var result = await Daemon.Berth("run", "--rm", "no-such-image-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(125, result.ExitCode);
    }

    [Fact]
    public async Task Run_with_stdin_pipes_it_to_the_container()
    {
        using var input = new MemoryStream("line one\nline two\n"u8.ToArray());
        var result = await Daemon.BerthWithInput(input, "run", "--rm", "-i", "busybox", "wc", "-l");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("2", result.Stdout.Trim());
    }

    [Fact]
    public async Task Stderr_and_stdout_arrive_on_their_own_streams()
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
        Assert.Equal("out\n", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
    }
}
