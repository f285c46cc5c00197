using Xunit;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Core.Errors;
using Berth.Core.Shim;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Tests.Shim;

/// <summary>berth-shim against the real runc with a busybox root filesystem (needs root).</summary>
public sealed class ShimTests(ShimFixture fixture) : IClassFixture<ShimFixture>
{
    private static readonly Regex GoTime = new(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$");
    private readonly ShimLauncher _launcher = new(fixture.ShimPath);

    private static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task OutputLandsInTheJsonLogWithStreamAndTime()
    {
        using var c = fixture.NewContainer(["sh", "-c", "echo hello; echo 'oops \"q\" <&>' >&2; printf 'no newline'"]);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        await shim.StartAsync(Timeout());
        var exit = await shim.WaitAsync(Timeout());
        Assert.Equal(0, exit.ExitCode);

        var lines = c.ReadLog().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        var stdout = lines.Where(l => l.GetProperty("stream").GetString() == "stdout").Select(l => l.GetProperty("log").GetString()).ToList();
        var stderr = lines.Where(l => l.GetProperty("stream").GetString() == "stderr").Select(l => l.GetProperty("log").GetString()).ToList();
        Assert.Equal(["hello\n", "no newline"], stdout);
        Assert.Equal(["oops \"q\" <&>\n"], stderr);
        Assert.All(lines, l => Assert.Matches(GoTime, l.GetProperty("time").GetString()!));
        // docker's writer escapes <, > and & and orders the keys log, stream, time.
        Assert.Contains(@"{""log"":""oops \""q\"" \u003c\u0026\u003e\n"",""stream"":""stderr"",""time"":""", c.ReadLog());
    }

    [Fact]
    public async Task AttachGetsFramedStdoutAndStderr()
    {
        using var c = fixture.NewContainer(["sh", "-c", "echo out1; echo err1 >&2; echo out2"]);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        await using var attach = await shim.AttachAsync(false, true, true, Timeout());
        await shim.StartAsync(Timeout());
        var (stdout, stderr) = await AttachReader.ReadFramesAsync(attach.Output, Timeout());
        Assert.Equal("out1\nout2\n", stdout);
        Assert.Equal("err1\n", stderr);
        Assert.Equal(0, (await shim.WaitAsync(Timeout())).ExitCode);
    }

    [Fact]
    public async Task StdinThroughAttachReachesCatAndStdinOnceClosesIt()
    {
        using var c = fixture.NewContainer(["cat"], stdin: true, stdinOnce: true);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        await using var attach = await shim.AttachAsync(true, true, true, Timeout());
        await shim.StartAsync(Timeout());
        await attach.WriteStdinAsync("line one\nline two\n"u8.ToArray(), Timeout());
        await attach.CloseStdinAsync();
        var (stdout, _) = await AttachReader.ReadFramesAsync(attach.Output, Timeout());
        Assert.Equal("line one\nline two\n", stdout);
        Assert.Equal(0, (await shim.WaitAsync(Timeout())).ExitCode);
    }

    [Fact]
    public async Task ExitCodeIsReportedAndTheExitFileWritten()
    {
        using var c = fixture.NewContainer(["sh", "-c", "exit 7"]);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        Assert.Equal("created", (await shim.StateAsync(Timeout())).Status);
        await shim.StartAsync(Timeout());
        var exit = await shim.WaitAsync(Timeout());
        Assert.Equal(7, exit.ExitCode);
        Assert.False(exit.OomKilled);

        var state = await shim.StateAsync(Timeout());
        Assert.Equal(("exited", 7), (state.Status, state.ExitCode));
        Assert.NotNull(state.StartedAt);
        Assert.Equal(exit.FinishedAt, state.FinishedAt);

        var file = ShimClient.ReadExitFile(c.Options.ExitFilePath);
        Assert.Equal(exit, file);
        Assert.False(File.Exists(c.Options.ExitFilePath + ".tmp"));
        await AssertConflict(() => shim.KillAsync(9, Timeout()));
    }

    [Fact]
    public async Task KillWithSigkillGives137()
    {
        using var c = fixture.NewContainer(["sleep", "1000"]);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        await shim.StartAsync(Timeout());
        Assert.Equal("running", (await shim.StateAsync(Timeout())).Status);
        await shim.KillAsync(9, Timeout());
        Assert.Equal(137, (await shim.WaitAsync(Timeout())).ExitCode);
    }

    [Fact]
    public async Task MissingExecutableFailsTheLaunchWithTheRuntimeMessage()
    {
        using var c = fixture.NewContainer(["nope"]);
        var e = await Assert.ThrowsAsync<ShimFailureException>(() => _launcher.LaunchAsync(c.Options, Timeout()));
        Assert.Contains("executable file not found", e.Message);
        Assert.Equal(ShimFailure.CommandNotFound, e.Failure);
        Assert.Equal(127, e.StartExitCode);
        // Nothing left behind: the runtime's state is gone, the socket removed.
        Assert.DoesNotContain(c.Options.ContainerId, ShimFixture.Run(ShimFixture.Runc, "--root", fixture.RuntimeRoot, "list").Output);
        Assert.False(File.Exists(c.Options.SocketPath));
    }

    [Fact]
    public async Task ContainerSurvivesTheClientAndANewClientReconnects()
    {
        using var c = fixture.NewContainer(["sh", "-c", "echo started; sleep 1000"]);
        int pid;
        {
            var first = await new ShimLauncher(fixture.ShimPath).LaunchAsync(c.Options, Timeout());
            await first.StartAsync(Timeout());
            pid = (await first.StateAsync(Timeout())).Pid;
            // The first client (and launcher) are simply dropped, as when berthd dies.
        }
        var again = new ShimLauncher(fixture.ShimPath).Connect(c.Options.SocketPath);
        var state = await again.StateAsync(Timeout());
        Assert.Equal(("running", pid), (state.Status, state.Pid));
        Assert.True(Directory.Exists($"/proc/{pid}"));

        var wait = again.WaitAsync(Timeout());
        // The shim still says running after the wait went out, and the wait has not answered.
        Assert.Equal("running", (await again.StateAsync(Timeout())).Status);
        Assert.False(wait.IsCompleted);
        // (SIGKILL: a pid namespace's init ignores SIGTERM without a handler, as sh has none.)
        await again.KillAsync(9, Timeout());
        Assert.Equal(137, (await wait).ExitCode);
        Assert.Equal(137, ShimClient.ReadExitFile(c.Options.ExitFilePath)?.ExitCode);
        Assert.Contains("started", c.ReadLog());
    }

    [Fact]
    public async Task TtyAttachGetsRawOutputAndResizeWorks()
    {
        using var c = fixture.NewContainer(["sh", "-c", "sleep 0.3; stty size; echo done"], tty: true);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        await using var attach = await shim.AttachAsync(false, true, true, Timeout());
        await shim.StartAsync(Timeout());
        await shim.ResizeAsync(33, 120, Timeout());
        var output = await AttachReader.ReadRawAsync(attach.Output, Timeout());
        Assert.Equal("33 120\r\ndone\r\n", output);
        Assert.Equal(0, (await shim.WaitAsync(Timeout())).ExitCode);
        Assert.Contains(@"""log"":""done\r\n"",""stream"":""stdout""", c.ReadLog());
    }

    [Fact]
    public async Task LongLinesSplitAt16kAndEveryLineIsLogged()
    {
        using var c = fixture.NewContainer(["sh", "-c", "seq 1 200000; head -c 40000 /dev/zero | tr '\\0' x; echo"]);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        await shim.StartAsync(Timeout());
        Assert.Equal(0, (await shim.WaitAsync(Timeout())).ExitCode);

        var lines = File.ReadAllLines(c.Options.LogPath);
        Assert.Equal(200_003, lines.Length);
        Assert.StartsWith(@"{""log"":""1\n"",""stream"":""stdout""", lines[0]);
        Assert.StartsWith(@"{""log"":""200000\n""", lines[199_999]);
        var tail = lines[^3..].Select(l => JsonDocument.Parse(l).RootElement.GetProperty("log").GetString()!).ToArray();
        Assert.Equal([16384, 16384, 40000 - 32768 + 1], tail.Select(t => t.Length));
        Assert.EndsWith("\n", tail[2]);
        Assert.False(tail[0].EndsWith('\n'));
    }

    [Fact]
    public async Task RunAtStartCreatesNothingUntilStartThenRunsWithOneRuntimeCall()
    {
        using var c = fixture.NewContainer(["sh", "-c", "echo ran; exit 3"], runAtStart: true);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        var before = await shim.StateAsync(Timeout());
        Assert.Equal(("created", 0), (before.Status, before.Pid));
        Assert.False(Directory.Exists(Path.Combine(fixture.RuntimeRoot, c.Options.ContainerId)), "nothing may exist in the runtime before start");
        // No init yet: a kill must be refused, never sent as kill(0, …) to the shim's own group.
        await AssertConflict(() => shim.KillAsync(9, Timeout()));

        await using var attach = await shim.AttachAsync(false, true, true, Timeout());
        var started = await shim.StartAsync(Timeout());
        Assert.True(started.Pid > 0);
        Assert.NotNull(started.StartedAt);
        var (stdout, _) = await AttachReader.ReadFramesAsync(attach.Output, Timeout());
        Assert.Equal("ran\n", stdout);
        Assert.Equal(3, (await shim.WaitAsync(Timeout())).ExitCode);
    }

    [Fact]
    public async Task RunAtStartOfAMissingCommandFailsTheStartAndLeavesNothing()
    {
        using var c = fixture.NewContainer(["no-such-command"], runAtStart: true);
        var shim = await _launcher.LaunchAsync(c.Options, Timeout());
        await using var attach = await shim.AttachAsync(false, true, true, Timeout());
        var error = await Assert.ThrowsAsync<ShimFailureException>(() => shim.StartAsync(Timeout()));
        Assert.Contains("executable file not found", error.Message);
        Assert.Equal(ShimFailure.CommandNotFound, error.Failure);
        // The attached client sees the end of the output, and the runtime keeps no state.
        await AttachReader.ReadFramesAsync(attach.Output, Timeout());
        Assert.False(Directory.Exists(Path.Combine(fixture.RuntimeRoot, c.Options.ContainerId)));
        await AssertConflict(() => shim.StartAsync(Timeout()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AContainerNeverStartedIsDeletedAndItsShimExitsAfterTheStartTimeout(bool runAtStart)
    {
        using var c = fixture.NewContainer(["true"], runAtStart: runAtStart, startTimeoutSeconds: 1);
        await _launcher.LaunchAsync(c.Options, Timeout());
        // The shim removes its socket when it exits (bounded poll, not a timing assertion).
        for (var i = 0; i < 150 && File.Exists(c.Options.SocketPath); i++) await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(File.Exists(c.Options.SocketPath), "the shim is still serving");
        Assert.False(Directory.Exists(Path.Combine(fixture.RuntimeRoot, c.Options.ContainerId)), "runtime state left behind");
    }

    private static async Task AssertConflict(Func<Task> request)
    {
        var e = await Assert.ThrowsAsync<ShimFailureException>(request);
        Assert.Equal(ShimFailure.Conflict, e.Failure);
        Assert.Equal(ErrorKind.Conflict, e.Kind);
    }
}
