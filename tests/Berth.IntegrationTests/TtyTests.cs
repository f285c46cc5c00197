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
    public async Task TheContainersTerminalHasTheUsersSizeFromTheStart()
    {
        var berth = await InTerminal($"{BerthDaemon.BerthPath} run --rm -it busybox stty size");
        Assert.Contains("33 120", berth.Stdout);
        Assert.SkipWhen(BerthDaemon.DockerCli is null, "berth's half passed; the docker CLI's half needs the docker CLI (BERTH_DOCKER_CLI)");
        var viaDocker = await InTerminal($"{BerthDaemon.DockerCli} run --rm -it busybox stty size");
        Assert.Contains("33 120", viaDocker.Stdout);
    }

    [Fact]
    public async Task AnInteractiveShellReadsTypedLinesAndExitsWithItsCode()
    {
        var result = await InTerminal($"{BerthDaemon.BerthPath} run --rm -it busybox sh; echo rc=$?", "echo typed-$((1+2))\nexit 5\n");
        Assert.Contains("typed-3", result.Stdout);
        Assert.Contains("rc=5", result.Stdout);
    }

    // Drives a program on a pty the way a user does: waits for the shell's prompt before typing
    // (input typed earlier is echoed by the pty itself, before any program sets raw mode).
    private const string PtyDriver = """
        import os, pty, select, sys, time
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "xterm"
            os.execvp(sys.argv[1], sys.argv[1:])
        out = b""
        def until(token, seconds=20):
            global out
            end = time.time() + seconds
            while token not in out and time.time() < end:
                if select.select([fd], [], [], 0.1)[0]:
                    try: data = os.read(fd, 4096)
                    except OSError: return
                    if not data: return
                    out += data
        until(b"# ")
        os.write(fd, b"echo once-$((2*3))\r")
        until(b"once-6\r\n")
        os.write(fd, b"exit 4\r")
        until(b"\0")
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(out.decode("latin-1") + "\nrc=%d\n" % os.waitstatus_to_exitcode(status))
        """;

    [Fact]
    public async Task TheCliLeavesEchoToTheContainerAndSendsNoTerminalModesOfItsOwn()
    {
        // Only the container's terminal echoes a typed line (once); the CLI neither echoes nor
        // line-edits it, and writes nothing to the terminal itself (no keypad mode, ESC[?1h ESC=).
        var result = await ProcessRunner.RunAsync("python3", ["-c", PtyDriver, BerthDaemon.BerthPath, "-H", Daemon.Host, "run", "--rm", "-it", "busybox", "sh"],
            new Dictionary<string, string>());
        Assert.Contains("rc=4", result.Stdout);
        Assert.Contains("once-6", result.Stdout);
        Assert.Equal(1, Occurrences(result.Stdout, "echo once-$((2*3))"));
        Assert.DoesNotContain("\u001b[?1h", result.Stdout);
        Assert.DoesNotContain("\u001b=", result.Stdout);
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
