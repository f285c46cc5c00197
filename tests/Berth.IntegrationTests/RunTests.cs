using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>`run` through berth: output, exit codes and docker's error codes.</summary>
public sealed class RunTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private BerthDaemon Daemon => fixture.Daemon;

    [Fact]
    public async Task RunRmPrintsTheContainersOutput()
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
    public async Task RunExitsWithTheContainersCode(string script, int expected)
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "sh", "-c", script);
        Assert.Equal(expected, result.ExitCode);
    }

    [Fact]
    public async Task RunOfAMissingCommandExits127()
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "no-such-command");
        Assert.Equal(127, result.ExitCode);
        Assert.Contains("executable file not found", result.Stderr);
    }

    [Fact]
    public async Task AContainerThatCannotStartStaysCreatedWithTheErrorAndStartsNothing()
    {
        var name = DaemonFixture.UniqueName("nostart");
        Assert.Equal(0, (await Daemon.Berth("create", "--name", name, "busybox", "no-such-command")).ExitCode);
        var start = await Daemon.Docker("start", name);
        Assert.Equal(1, start.ExitCode);
        Assert.Contains("executable file not found", start.Stderr);
        var state = (await Daemon.InspectAsync(name)).GetProperty("State");
        Assert.Equal("created", state.GetProperty("Status").GetString());
        Assert.Equal(127, state.GetProperty("ExitCode").GetInt32());
        Assert.Contains("executable file not found", state.GetProperty("Error").GetString());
        // Nothing of the failed run is left: not in the runtime, and the container can go.
        var id = (await Daemon.InspectAsync(name)).GetProperty("Id").GetString()!;
        Assert.False(Directory.Exists(Path.Combine(Daemon.ExecRoot, "runtime", id)), "runtime state left behind");
        Assert.Equal(0, (await Daemon.Berth("rm", name)).ExitCode);
    }

    [Fact]
    public async Task AContainerStartsAgainAfterItsImageIsForceRemoved()
    {
        // docker rmi -f deletes an image that only stopped containers use; they keep its layers
        // and start as before (berthd answered 404 No such image).
        var image = DaemonFixture.UniqueName("rmi-f") + ":latest";
        await Daemon.ImportBusyboxAsync(image);
        var name = DaemonFixture.UniqueName("orphan");
        Assert.Equal(0, (await Daemon.Berth("create", "--name", name, image, "echo", "still here")).ExitCode);
        var rmi = await Daemon.Berth("rmi", "-f", image);
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        Assert.Contains("Deleted: sha256:", rmi.Stdout);

        var start = await Daemon.Berth("start", "-a", name);
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal("still here\n", start.Stdout);
        Assert.Equal(0, (await Daemon.Berth("rm", name)).ExitCode);
    }

    [Fact]
    public async Task RunOfANonExecutableFileExits126()
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "/etc/passwd");
        Assert.Equal(126, result.ExitCode);
    }

    [Fact]
    public async Task RunOfAMissingImageExits125()
    {
        var result = await Daemon.Berth("run", "--rm", "no-such-image-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(125, result.ExitCode);
    }

    [Fact]
    public async Task RunWithStdinPipesItToTheContainer()
    {
        using var input = new MemoryStream("line one\nline two\n"u8.ToArray());
        var result = await Daemon.BerthWithInput(input, "run", "--rm", "-i", "busybox", "wc", "-l");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("2", result.Stdout.Trim());
    }

    [Fact]
    public async Task StderrAndStdoutArriveOnTheirOwnStreams()
    {
        var result = await Daemon.Berth("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
        Assert.Equal("out\n", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
    }
}
