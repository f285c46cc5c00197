using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// json-file's max-size and max-file (the log rotates; `logs` reads across the kept files, and
/// `logs -f` follows a rotation) and the none driver, through both CLIs.
/// </summary>
public sealed class LogDriverTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private BerthDaemon Daemon => fixture.Daemon;

    private Task<CommandResult> Cli(string cli, params string[] args) => cli == "docker" ? Daemon.Docker(args) : Daemon.Berth(args);

    private async Task<string> Ok(string cli, params string[] args)
    {
        var result = await Cli(cli, args);
        Assert.True(result.ExitCode == 0, $"{cli} {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task MaxSizeRotatesTheLogAndLogsReadsTheFilesThatAreKept(string cli)
    {
        var name = DaemonFixture.UniqueName("rotate");
        // 400 records of ~80 bytes with 2 kB files, 3 kept: the oldest records are gone.
        await Ok(cli, "run", "--name", name, "--log-opt", "max-size=2k", "--log-opt", "max-file=3",
            "busybox", "sh", "-c", "i=1; while [ $i -le 400 ]; do echo line-$i; i=$((i+1)); done");
        var logPath = (await Daemon.InspectAsync(name)).GetProperty("LogPath").GetString()!;
        Assert.True(File.Exists(logPath + ".1") && File.Exists(logPath + ".2"), "the log was not rotated");
        Assert.False(File.Exists(logPath + ".3"), "more files kept than max-file");
        foreach (var file in new[] { logPath, logPath + ".1", logPath + ".2" })
            Assert.True(new FileInfo(file).Length < 2000 + 200, $"{file} is {new FileInfo(file).Length} bytes");

        var lines = (await Ok(cli, "logs", name)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("line-400", lines[^1]);
        Assert.DoesNotContain("line-1", lines);
        // What is kept is one unbroken run of the latest lines, across the three files.
        var first = int.Parse(lines[0]["line-".Length..]);
        Assert.Equal(Enumerable.Range(first, 400 - first + 1).Select(i => $"line-{i}"), lines);
        Assert.Equal(["line-396", "line-397", "line-398", "line-399", "line-400"],
            (await Ok(cli, "logs", "--tail", "5", name)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var tail = (await Ok(cli, "logs", "--tail", "60", name)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(341, 60).Select(i => $"line-{i}"), tail);
        await Ok(cli, "rm", name);
    }

    [Fact]
    public async Task LogsFollowContinuesAcrossARotation()
    {
        var name = DaemonFixture.UniqueName("follow-rotate");
        var shared = Path.Combine(Daemon.Root, "rotate-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(shared);
        // A first line, then (once the follower is attached) enough lines to rotate twice.
        await Ok("berth", "run", "-d", "--name", name, "-v", $"{shared}:/host", "--log-opt", "max-size=1k", "--log-opt", "max-file=5",
            "busybox", "sh", "-c", "echo first; while [ ! -e /host/go ]; do sleep 0.05; done; i=1; while [ $i -le 60 ]; do echo more-$i; i=$((i+1)); done");
        await Daemon.WaitForLogLineAsync(name, "first");
        await using var follow = Daemon.StartBerth("logs", "-f", name);
        // Once it has printed the first line, the follower has read the first file to its end.
        await follow.WaitForStdoutAsync(stdout => stdout.Contains("first\n"));
        await File.WriteAllTextAsync(Path.Combine(shared, "go"), "", TestContext.Current.CancellationToken);
        var result = await follow.WaitForExitAsync();
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["first", .. Enumerable.Range(1, 60).Select(i => $"more-{i}")], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await Ok("berth", "rm", name);
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("docker")]
    public async Task TheNoneDriverKeepsNoLog(string cli)
    {
        var name = DaemonFixture.UniqueName("nolog");
        Assert.Equal("still printed\n", await Ok(cli, "run", "--name", name, "--log-driver", "none", "busybox", "echo", "still printed"));
        Assert.Equal("", (await Daemon.InspectAsync(name)).GetProperty("LogPath").GetString());
        var logs = await Cli(cli, "logs", name);
        Assert.NotEqual(0, logs.ExitCode);
        Assert.Contains("configured logging driver does not support reading", logs.Stderr);
        await Ok(cli, "rm", name);
    }

    [Theory]
    [InlineData("berth", "--log-opt", "max-size=abc", "invalid size: 'abc'")]
    [InlineData("docker", "--log-opt", "max-file=0", "max-file cannot be less than 1")]
    [InlineData("docker", "--log-opt", "colour=blue", "unknown log opt 'colour' for json-file log driver")]
    [InlineData("berth", "--log-driver", "syslog", "log driver \"syslog\" is not supported by berthd")]
    public async Task BadLogSettingsAreRefusedAtCreate(string cli, string flag, string value, string message)
    {
        var result = await Cli(cli, "create", flag, value, "busybox", "true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }
}
