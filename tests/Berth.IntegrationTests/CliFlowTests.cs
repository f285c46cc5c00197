using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// The everyday docker workflow — version, info, import, images, run, ps, logs, stop, start,
/// restart, kill, wait, rm, rename, inspect, rmi, tag, history, save | load — against a real
/// berthd. Runs twice: with the reference docker CLI 28 (<see cref="DockerCliTests"/>) and with
/// berth (<see cref="BerthCliTests"/>); each has its own daemon, so the two run in parallel.
/// </summary>
public abstract partial class CliFlows(DaemonFixture fixture)
{
    protected BerthDaemon Daemon => fixture.Daemon;

    /// <summary>The CLI under test: "docker" or "berth".</summary>
    protected abstract string Tool { get; }

    protected Task<CommandResult> Cli(params string[] args) => CliWithInput(null, args);

    protected Task<CommandResult> CliWithInput(Stream? stdin, params string[] args) =>
        Tool == "docker" ? Daemon.DockerWithInput(stdin, args) : Daemon.BerthWithInput(stdin, args);

    protected Task<JsonElement> Inspect(string name) => Daemon.InspectAsync(name, docker: Tool == "docker");

    protected static string Name(string prefix) => DaemonFixture.UniqueName(prefix);

    /// <summary>Runs the command and asserts it succeeded, returning its stdout.</summary>
    protected async Task<string> Ok(params string[] args)
    {
        var result = await Cli(args);
        Assert.True(result.ExitCode == 0, $"{Tool} {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex ImageIdPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex ContainerIdPattern();

    /// <summary>RFC 3339 in UTC with a fraction of a second (Go's RFC3339Nano drops trailing zeros).</summary>
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z$")]
    private static partial Regex Rfc3339NanoPattern();

    /// <summary>docker logs -t: RFC3339NanoFixed (always nine digits), a space, the line.</summary>
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (.*)$")]
    private static partial Regex TimestampedLinePattern();

    // ---- engine ----------------------------------------------------------------------------

    [Fact]
    public async Task VersionReportsTheServersApiVersion()
    {
        var all = await Ok("version");
        Assert.Contains("Server:", all);
        Assert.Equal("1.47", (await Ok("version", "--format", "{{.Server.APIVersion}}")).Trim());
        Assert.False(string.IsNullOrWhiteSpace(await Ok("version", "--format", "{{.Server.Version}}")));
    }

    [Fact]
    public async Task InfoDescribesTheDaemon()
    {
        var all = await Ok("info");
        Assert.Contains("Server Version:", all);
        Assert.Contains("Containers:", all);
        Assert.Contains("Images:", all);
        var images = int.Parse((await Ok("info", "--format", "{{.Images}}")).Trim());
        Assert.True(images >= 1, $"info counts {images} images; busybox was imported");
        Assert.Equal("linux", (await Ok("info", "--format", "{{.OSType}}")).Trim());
    }

    // ---- images ----------------------------------------------------------------------------

    [Fact]
    public async Task ImportPrintsTheImageIdAndImagesListsIt()
    {
        var repo = Name("imported");
        using var tar = new MemoryStream(await BusyboxRootfs.TarAsync());
        var result = await CliWithInput(tar, "import", "-", repo + ":v1");
        Assert.True(result.ExitCode == 0, result.ToString());
        var id = result.Stdout.Trim();
        Assert.Matches(ImageIdPattern(), id);

        var rows = Lines(await Ok("images", "--format", "{{.Repository}}|{{.Tag}}|{{.ID}}", repo));
        Assert.Equal([$"{repo}|v1|{id["sha256:".Length..][..12]}"], rows);
        Assert.Equal(id, (await Ok("image", "inspect", "--format", "{{.Id}}", repo + ":v1")).Trim());
        await Ok("rmi", repo + ":v1");
    }

    [Fact]
    public async Task ImagesListsBusyboxInATable()
    {
        var table = Lines(await Ok("images"));
        Assert.Matches(@"^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$", table[0]);
        Assert.Contains(table, row => Regex.IsMatch(row, @"^busybox\s+latest\s+[0-9a-f]{12}\s+"));
    }

    [Fact]
    public async Task TagAddsANameForTheSameImage()
    {
        var repo = Name("tagged");
        var busybox = (await Ok("image", "inspect", "--format", "{{.Id}}", "busybox")).Trim();
        Assert.Equal("", await Ok("tag", "busybox", repo + ":one"));
        Assert.Equal(busybox, (await Ok("image", "inspect", "--format", "{{.Id}}", repo + ":one")).Trim());
        Assert.Contains($"{repo}:one", Lines(await Ok("images", "--format", "{{.Repository}}:{{.Tag}}")));
        Assert.Contains(repo + ":one", (await Inspect(repo + ":one")).GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        // Tagging over an existing tag moves it.
        await Ok("tag", "busybox", repo + ":two");
        Assert.Equal("", await Ok("tag", repo + ":two", repo + ":one"));
        Assert.Equal(busybox, (await Ok("image", "inspect", "--format", "{{.Id}}", repo + ":one")).Trim());
        await Ok("rmi", repo + ":one", repo + ":two");
        Assert.DoesNotContain(repo, await Ok("images"));
        Assert.Equal(busybox, (await Ok("image", "inspect", "--format", "{{.Id}}", "busybox")).Trim());
    }

    [Fact]
    public async Task ImagesWithARepositoryListsOnlyThatRepository()
    {
        var repo = Name("only");
        await Ok("tag", "busybox", repo + ":one");
        try
        {
            Assert.Equal([$"{repo}:one"], Lines(await Ok("images", "--format", "{{.Repository}}:{{.Tag}}", repo)));
            Assert.Equal([$"{repo}:one"], Lines(await Ok("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=" + repo)));
        }
        finally
        {
            await Cli("rmi", repo + ":one");
        }
    }

    [Fact]
    public async Task RmiUntagsAndDeletesOnlyTheLastName()
    {
        var repo = Name("rmi");
        using var tar = new MemoryStream(await BusyboxRootfs.TarAsync());
        var imported = await CliWithInput(tar, "import", "-", repo + ":a");
        Assert.True(imported.ExitCode == 0, imported.ToString());
        var id = imported.Stdout.Trim();
        await Ok("tag", repo + ":a", repo + ":b");

        // Another tag remains: only Untagged.
        var first = await Ok("rmi", repo + ":a");
        Assert.Equal([$"Untagged: {repo}:a"], Lines(first));
        Assert.Equal(id, (await Ok("image", "inspect", "--format", "{{.Id}}", repo + ":b")).Trim());

        // The last tag: Untagged, then Deleted with the image ID.
        var last = Lines(await Ok("rmi", repo + ":b"));
        Assert.Equal($"Untagged: {repo}:b", last[0]);
        Assert.Contains($"Deleted: {id}", last);
        Assert.All(last.Skip(1), line => Assert.StartsWith("Deleted: sha256:", line));
        var gone = await Cli("image", "inspect", repo + ":b");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("No such image", gone.Stderr);

        // The layer it shared with busybox is still there for busybox.
        Assert.Equal("still here\n", await Ok("run", "--rm", "busybox", "echo", "still here"));
    }

    [Fact]
    public async Task RmiOfAnUnknownImageFails()
    {
        var name = Name("nosuch");
        var result = await Cli("rmi", name);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"No such image: {name}", result.Stderr);
    }

    [Fact]
    public async Task HistoryShowsTheImportedLayer()
    {
        var rows = Lines(await Ok("history", "busybox"));
        Assert.Matches(@"^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$", rows[0]);
        Assert.True(rows.Length >= 2, string.Join('\n', rows));
        var busybox = (await Ok("image", "inspect", "--format", "{{.Id}}", "busybox")).Trim();
        Assert.StartsWith(busybox["sha256:".Length..][..12], rows[1]);
        Assert.Contains("Imported from -", rows[1]);
    }

    [Fact]
    public async Task SavePipedToLoadKeepsTheImageId()
    {
        var repo = Name("saved");
        using var tar = new MemoryStream(await BusyboxRootfs.TarAsync());
        var imported = await CliWithInput(tar, "import", "-", repo + ":v1");
        Assert.True(imported.ExitCode == 0, imported.ToString());
        var id = imported.Stdout.Trim();
        var archive = Path.Combine(Daemon.Root, repo + ".tar");

        var save = await Daemon.ShellAsync($"\"${Tool.ToUpperInvariant()}\" save {repo}:v1 > '{archive}'");
        Assert.True(save.ExitCode == 0, save.ToString());
        await Ok("rmi", repo + ":v1");
        Assert.NotEqual(0, (await Cli("image", "inspect", repo + ":v1")).ExitCode);

        var load = await Daemon.ShellAsync($"cat '{archive}' | \"${Tool.ToUpperInvariant()}\" load");
        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Contains($"Loaded image: {repo}:v1", load.Stdout);
        Assert.Equal(id, (await Ok("image", "inspect", "--format", "{{.Id}}", repo + ":v1")).Trim());
        Assert.Equal("loaded\n", await Ok("run", "--rm", repo + ":v1", "echo", "loaded"));

        // A straight pipe too, while the image exists (load replaces nothing, same ID).
        var pipe = await Daemon.ShellAsync($"\"${Tool.ToUpperInvariant()}\" save {repo}:v1 | \"${Tool.ToUpperInvariant()}\" load");
        Assert.True(pipe.ExitCode == 0, pipe.ToString());
        Assert.Equal(id, (await Ok("image", "inspect", "--format", "{{.Id}}", repo + ":v1")).Trim());
        await Ok("rmi", repo + ":v1");
        File.Delete(archive);
    }

    // ---- run -------------------------------------------------------------------------------

    [Fact]
    public async Task RunRmPassesOutputAndExitCode()
    {
        var echo = await Cli("run", "--rm", "busybox", "echo", "hello", "world");
        Assert.Equal(0, echo.ExitCode);
        Assert.Equal("hello world\n", echo.Stdout);

        var name = Name("exit7");
        var exit = await Cli("run", "--rm", "--name", name, "busybox", "sh", "-c", "echo before; exit 7");
        Assert.Equal(7, exit.ExitCode);
        Assert.Equal("before\n", exit.Stdout);
        // --rm: the container is gone once run returns.
        Assert.DoesNotContain(name, await Ok("ps", "-a", "--format", "{{.Names}}"));
    }

    [Fact]
    public async Task RunDetachedShowsUpInPs()
    {
        var name = Name("detached");
        var id = (await Ok("run", "-d", "--name", name, "busybox", "sleep", "300")).Trim();
        Assert.Matches(ContainerIdPattern(), id);

        var rows = Lines(await Ok("ps"));
        Assert.Matches(@"^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$", rows[0]);
        var row = Assert.Single(rows, r => r.EndsWith(" " + name, StringComparison.Ordinal));
        Assert.StartsWith(id[..12], row);
        Assert.Contains(" Up ", row);
        Assert.Contains("busybox", row);
        Assert.Contains("\"sleep 300\"", row);

        Assert.Equal($"{name}|running", (await Ok("ps", "--filter", "name=" + name, "--format", "{{.Names}}|{{.State}}")).Trim());
        Assert.Equal(id, (await Ok("ps", "-q", "--no-trunc", "--filter", "name=" + name)).Trim());
        await Ok("rm", "-f", name);
        Assert.Equal("", await Ok("ps", "-a", "-q", "--filter", "name=" + name));
    }

    // ---- logs ------------------------------------------------------------------------------

    [Fact]
    public async Task LogsAllTailAndTimestamps()
    {
        var name = Name("logs");
        // stdout only: the order of lines across stdout and stderr (two pipes) is not defined.
        await Ok("run", "-d", "--name", name, "busybox", "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done");
        Assert.Equal("0", (await Ok("wait", name)).Trim());

        var all = await Cli("logs", name);
        Assert.Equal(0, all.ExitCode);
        Assert.Equal("line1\nline2\nline3\nline4\nline5\n", all.Stdout);
        Assert.Equal("", all.Stderr);

        Assert.Equal("line4\nline5\n", (await Cli("logs", "--tail", "2", name)).Stdout);
        Assert.Equal("line5\n", (await Cli("logs", "-n", "1", name)).Stdout);
        Assert.Equal("", (await Cli("logs", "--tail", "0", name)).Stdout);
        Assert.Equal(all.Stdout, (await Cli("logs", "--tail", "all", name)).Stdout);
        Assert.Equal(all.Stdout, (await Cli("logs", "--tail", "50", name)).Stdout);

        var stamped = await Cli("logs", "-t", name);
        var lines = Lines(stamped.Stdout);
        Assert.Equal(5, lines.Length);
        for (var i = 0; i < 5; i++)
        {
            var match = TimestampedLinePattern().Match(lines[i]);
            Assert.True(match.Success, $"not RFC3339NanoFixed-prefixed: '{lines[i]}'");
            Assert.Equal($"line{i + 1}", match.Groups[1].Value);
        }
        await Ok("rm", name);
    }

    [Fact]
    public async Task LogsKeepStdoutAndStderrApart()
    {
        var name = Name("streams");
        Assert.Equal(0, (await Cli("run", "--name", name, "busybox", "sh", "-c", "echo out; echo err >&2")).ExitCode);
        var logs = await Cli("logs", name);
        Assert.Equal(0, logs.ExitCode);
        Assert.Equal("out\n", logs.Stdout);
        Assert.Equal("err\n", logs.Stderr);
        var stamped = await Cli("logs", "-t", name);
        Assert.Matches(TimestampedLinePattern(), stamped.Stderr.TrimEnd('\n'));
        Assert.EndsWith(" err\n", stamped.Stderr);
        await Ok("rm", name);
    }

    [Fact]
    public async Task LogsFollowEndsWhenTheContainerExits()
    {
        var name = Name("follow");
        // Runs until the test stops it, so the follow normally attaches to a running container;
        // the expected output is the same either way.
        await Ok("run", "-d", "--name", name, "busybox", "sh", "-c", "trap 'echo last; exit 3' TERM; echo first; while true; do sleep 0.1; done");
        var follow = Cli("logs", "-f", name);
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await Cli("logs", name)).Stdout.Contains("first")));
        await Ok("stop", name);
        var result = await follow;
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("first\nlast\n", result.Stdout);
        Assert.Equal("3", (await Ok("wait", name)).Trim());
        await Ok("rm", name);
    }

    // ---- lifecycle -------------------------------------------------------------------------

    [Fact]
    public async Task StopKillsAContainerThatIgnoresSigtermWith137()
    {
        var name = Name("stubborn");
        // sleep as PID 1 has no handler for SIGTERM, so the kernel drops it.
        await Ok("run", "-d", "--name", name, "busybox", "sleep", "300");
        Assert.Equal(name + "\n", await Ok("stop", "-t", "1", name));
        var state = (await Inspect(name)).GetProperty("State");
        Assert.Equal("exited", state.GetProperty("Status").GetString());
        Assert.False(state.GetProperty("Running").GetBoolean());
        Assert.Equal(137, state.GetProperty("ExitCode").GetInt32());
        Assert.Equal("137", (await Ok("wait", name)).Trim());
        await Ok("rm", name);
    }

    [Fact]
    public async Task StopLetsAContainerThatTrapsSigtermExit0()
    {
        var name = Name("polite");
        await Ok("run", "-d", "--name", name, "busybox", "sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done");
        await Daemon.WaitForLogLineAsync(name, "ready");
        Assert.Equal(name + "\n", await Ok("stop", name));
        var state = (await Inspect(name)).GetProperty("State");
        Assert.Equal("exited", state.GetProperty("Status").GetString());
        Assert.Equal(0, state.GetProperty("ExitCode").GetInt32());
        await Ok("rm", name);
    }

    [Fact]
    public async Task StartRestartAndKill()
    {
        var name = Name("cycle");
        await Ok("run", "-d", "--name", name, "busybox", "sleep", "300");
        await Ok("stop", "-t", "0", name);
        var stopped = (await Inspect(name)).GetProperty("State");
        Assert.Equal("exited", stopped.GetProperty("Status").GetString());

        Assert.Equal(name + "\n", await Ok("start", name));
        var started = (await Inspect(name)).GetProperty("State");
        Assert.Equal("running", started.GetProperty("Status").GetString());
        Assert.True(started.GetProperty("Pid").GetInt32() > 0);
        Assert.Equal(0, started.GetProperty("ExitCode").GetInt32());

        Assert.Equal(name + "\n", await Ok("restart", "-t", "1", name));
        var restarted = (await Inspect(name)).GetProperty("State");
        Assert.Equal("running", restarted.GetProperty("Status").GetString());
        Assert.NotEqual(started.GetProperty("Pid").GetInt32(), restarted.GetProperty("Pid").GetInt32());
        Assert.NotEqual(started.GetProperty("StartedAt").GetString(), restarted.GetProperty("StartedAt").GetString());

        Assert.Equal(name + "\n", await Ok("kill", name));
        Assert.Equal("137\n", await Ok("wait", name));
        var killed = (await Inspect(name)).GetProperty("State");
        Assert.Equal("exited", killed.GetProperty("Status").GetString());
        Assert.Equal(137, killed.GetProperty("ExitCode").GetInt32());
        await Ok("rm", name);
    }

    [Fact]
    public async Task KillWithASignalTheContainerHandles()
    {
        var name = Name("usr1");
        await Ok("run", "-d", "--name", name, "busybox", "sh", "-c", "trap 'echo got usr1; exit 5' USR1; echo ready; while true; do sleep 0.1; done");
        await Daemon.WaitForLogLineAsync(name, "ready");
        Assert.Equal(name + "\n", await Ok("kill", "-s", "USR1", name));
        Assert.Equal("5\n", await Ok("wait", name));
        Assert.Equal("ready\ngot usr1\n", (await Cli("logs", name)).Stdout);
        await Ok("rm", name);
    }

    [Fact]
    public async Task WaitPrintsTheExitCode()
    {
        var name = Name("wait");
        await Ok("run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 0.2; exit 3");
        Assert.Equal("3\n", await Ok("wait", name));
        // Waiting on an exited container answers at once with the recorded code.
        Assert.Equal("3\n", await Ok("wait", name));
        await Ok("rm", name);
    }

    [Fact]
    public async Task RmRemovesAndRefusesARunningContainer()
    {
        var name = Name("rm");
        await Ok("run", "-d", "--name", name, "busybox", "sleep", "300");
        var refused = await Cli("rm", name);
        Assert.NotEqual(0, refused.ExitCode);
        // dockerd 20.10: "You cannot remove a running container ID. Stop the container before attempting removal or force remove";
        // dockerd 25+: "cannot remove container "/NAME": container is running: stop the container before removing or force remove".
        Assert.Contains("remove a running container", refused.Stderr.Replace("cannot remove container \"/" + name + "\": container is running", "remove a running container"));
        Assert.Contains("force remove", refused.Stderr);
        Assert.Equal("running", (await Inspect(name)).GetProperty("State").GetProperty("Status").GetString());

        Assert.Equal(name + "\n", await Ok("rm", "-f", name));
        Assert.DoesNotContain(name, await Ok("ps", "-a", "--format", "{{.Names}}"));
        var gone = await Cli("inspect", name);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains($"No such object: {name}", gone.Stderr);
        var again = await Cli("rm", name);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"No such container: {name}", again.Stderr);
    }

    [Fact]
    public async Task RenameChangesTheNameOnly()
    {
        var old = Name("old");
        var renamed = Name("new");
        var id = (await Ok("create", "--name", old, "busybox", "true")).Trim();
        Assert.Equal("", await Ok("rename", old, renamed));
        var info = await Inspect(renamed);
        Assert.Equal("/" + renamed, info.GetProperty("Name").GetString());
        Assert.Equal(id, info.GetProperty("Id").GetString());
        Assert.NotEqual(0, (await Cli("inspect", old)).ExitCode);
        // The old name is free again.
        await Ok("create", "--name", old, "busybox", "true");
        var taken = await Cli("rename", old, renamed);
        Assert.NotEqual(0, taken.ExitCode);
        Assert.Contains("already in use", taken.Stderr);
        await Ok("rm", old, renamed);
    }

    [Fact]
    public async Task InspectFollowsCreatedRunningExited()
    {
        var name = Name("inspect");
        var image = await ImportWithPathAsync();
        var id = (await Ok("create", "--name", name, "-e", "MINE=1", image, "sh", "-c", "sleep 0.5; exit 4")).Trim();
        var created = await Inspect(name);
        Assert.Equal(id, created.GetProperty("Id").GetString());
        Assert.Matches(ContainerIdPattern(), id);
        Assert.Equal("/" + name, created.GetProperty("Name").GetString());
        Assert.Equal("created", created.GetProperty("State").GetProperty("Status").GetString());
        Assert.Equal(["sh", "-c", "sleep 0.5; exit 4"], created.GetProperty("Config").GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(image, created.GetProperty("Config").GetProperty("Image").GetString());
        // The image's ENV merged with the container's own.
        var env = created.GetProperty("Config").GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", env);
        Assert.Contains("MINE=1", env);
        Assert.Equal("0001-01-01T00:00:00Z", created.GetProperty("State").GetProperty("StartedAt").GetString());
        Assert.StartsWith("sha256:", created.GetProperty("Image").GetString());

        await Ok("start", name);
        var running = await Inspect(name);
        // The exit can come first on a busy machine; both are fine, but the start time is set.
        var status = running.GetProperty("State").GetProperty("Status").GetString();
        Assert.Contains(status, new[] { "running", "exited" });
        Assert.Matches(Rfc3339NanoPattern(), running.GetProperty("State").GetProperty("StartedAt").GetString()!);

        Assert.Equal("4\n", await Ok("wait", name));
        var exited = await Inspect(name);
        var state = exited.GetProperty("State");
        Assert.Equal("exited", state.GetProperty("Status").GetString());
        Assert.Equal(4, state.GetProperty("ExitCode").GetInt32());
        Assert.False(state.GetProperty("Running").GetBoolean());
        Assert.Equal(0, state.GetProperty("Pid").GetInt32());
        var startedAt = state.GetProperty("StartedAt").GetString()!;
        var finishedAt = state.GetProperty("FinishedAt").GetString()!;
        Assert.Matches(Rfc3339NanoPattern(), startedAt);
        Assert.Matches(Rfc3339NanoPattern(), finishedAt);
        Assert.True(DateTimeOffset.Parse(finishedAt) >= DateTimeOffset.Parse(startedAt), $"{startedAt} .. {finishedAt}");
        Assert.Equal("exited|4", (await Ok("inspect", "--format", "{{.State.Status}}|{{.State.ExitCode}}", name)).Trim());
        await Ok("rm", name);
        await Ok("rmi", image);
    }

    /// <summary>busybox as Docker Hub has it: with ENV PATH in its config (the fixture's import has none).</summary>
    private async Task<string> ImportWithPathAsync()
    {
        var image = Name("withpath") + ":latest";
        using var tar = new MemoryStream(await BusyboxRootfs.TarAsync());
        var result = await CliWithInput(tar, "import", "-c", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "-c", "CMD [\"sh\"]", "-", image);
        Assert.True(result.ExitCode == 0, result.ToString());
        return image;
    }

    [Fact]
    public async Task InspectARunningContainer()
    {
        var name = Name("running");
        await Ok("run", "-d", "--name", name, "busybox", "sleep", "300");
        var state = (await Inspect(name)).GetProperty("State");
        Assert.Equal("running", state.GetProperty("Status").GetString());
        Assert.True(state.GetProperty("Running").GetBoolean());
        Assert.True(state.GetProperty("Pid").GetInt32() > 0);
        Assert.Equal("0001-01-01T00:00:00Z", state.GetProperty("FinishedAt").GetString());
        Assert.Matches(Rfc3339NanoPattern(), state.GetProperty("StartedAt").GetString()!);
        await Ok("rm", "-f", name);
    }
}

/// <summary>Edges of the same workflow: repeated and failing operations, multi-argument commands, big streams.</summary>
public abstract partial class CliFlows
{
    [Fact]
    public async Task StoppingAStoppedAndStartingARunningContainerSucceed()
    {
        var name = Name("idem");
        await Ok("run", "-d", "--name", name, "busybox", "sleep", "300");
        Assert.Equal(name + "\n", await Ok("start", name));
        await Ok("stop", "-t", "0", name);
        Assert.Equal(name + "\n", await Ok("stop", name));
        Assert.Equal("exited", (await Inspect(name)).GetProperty("State").GetProperty("Status").GetString());
        // restart of an exited container starts it.
        Assert.Equal(name + "\n", await Ok("restart", "-t", "0", name));
        Assert.Equal("running", (await Inspect(name)).GetProperty("State").GetProperty("Status").GetString());
        await Ok("rm", "-f", name);
    }

    [Fact]
    public async Task KillOfAStoppedContainerIsAConflict()
    {
        var name = Name("notrunning");
        await Ok("create", "--name", name, "busybox", "true");
        var result = await Cli("kill", name);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Container {(await Inspect(name)).GetProperty("Id").GetString()} is not running", result.Stderr);
        await Ok("rm", name);
    }

    [Fact]
    public async Task RmOfSeveralReportsEachAndFailsForTheMissingOne()
    {
        var a = Name("multi-a");
        var b = Name("multi-b");
        var missing = Name("multi-missing");
        await Ok("create", "--name", a, "busybox", "true");
        await Ok("create", "--name", b, "busybox", "true");
        var result = await Cli("rm", a, missing, b);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"{a}\n{b}\n", result.Stdout);
        Assert.Contains($"No such container: {missing}", result.Stderr);
        Assert.Equal("", await Ok("ps", "-aq", "--filter", "name=multi-"));
    }

    [Fact]
    public async Task WaitOnSeveralPrintsEachCode()
    {
        var a = Name("wait-a");
        var b = Name("wait-b");
        await Task.WhenAll(
            Ok("run", "-d", "--name", a, "busybox", "sh", "-c", "exit 1"),
            Ok("run", "-d", "--name", b, "busybox", "sh", "-c", "sleep 0.3; exit 2"));
        Assert.Equal("1\n2\n", await Ok("wait", a, b));
        await Ok("rm", a, b);
    }

    [Fact]
    public async Task PsAllShowsExitedContainersWithTheirCode()
    {
        var name = Name("exited");
        Assert.Equal(7, (await Cli("run", "--name", name, "busybox", "sh", "-c", "exit 7")).ExitCode);
        Assert.DoesNotContain(name, await Ok("ps", "--format", "{{.Names}}"));
        var row = (await Ok("ps", "-a", "--filter", "name=" + name, "--format", "{{.Names}}|{{.Status}}|{{.State}}")).Trim();
        Assert.StartsWith($"{name}|Exited (7) ", row);
        Assert.EndsWith("|exited", row);
        Assert.Equal(name + "\n", await Ok("ps", "-a", "--filter", "status=exited", "--filter", "name=" + name, "--format", "{{.Names}}"));
        Assert.Equal("", await Ok("ps", "-a", "--filter", "status=running", "--filter", "name=" + name, "--format", "{{.Names}}"));
        await Ok("rm", name);
    }

    [Fact]
    public async Task RunWithATakenNameFailsWith125()
    {
        var name = Name("dup");
        await Ok("create", "--name", name, "busybox", "true");
        var result = await Cli("run", "--name", name, "busybox", "true");
        Assert.Equal(125, result.ExitCode);
        Assert.Contains($"The container name \"/{name}\" is already in use", result.Stderr);
        await Ok("rm", name);
    }

    [Fact]
    public async Task CreateThenStartAttachedPrintsOutputAndExitCode()
    {
        var name = Name("attach");
        await Ok("create", "--name", name, "busybox", "sh", "-c", "echo attached; echo to-err >&2; exit 12");
        Assert.Equal("created", (await Inspect(name)).GetProperty("State").GetProperty("Status").GetString());
        var result = await Cli("start", "-a", name);
        Assert.Equal(12, result.ExitCode);
        Assert.Equal("attached\n", result.Stdout);
        Assert.Equal("to-err\n", result.Stderr);
        await Ok("rm", name);
    }

    [Fact]
    public async Task DetachedRmContainerIsRemovedWhenItExits()
    {
        var name = Name("autorm");
        await Ok("run", "-d", "--rm", "--name", name, "busybox", "sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done");
        Assert.Equal("running", (await Inspect(name)).GetProperty("State").GetProperty("Status").GetString());
        await Daemon.WaitForLogLineAsync(name, "ready");
        await Ok("stop", name);
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await Cli("inspect", name)).ExitCode != 0), "--rm container still exists");
    }

    [Fact]
    public async Task RmiOfAnImageUsedByAContainerIsRefused()
    {
        var repo = Name("inuse");
        using var tar = new MemoryStream(await BusyboxRootfs.TarAsync());
        var id = (await CliWithInput(tar, "import", "-", repo + ":v1")).Stdout.Trim();
        var name = Name("user");
        await Ok("create", "--name", name, repo + ":v1", "true");

        // By ID, with a container using it: 409, and nothing is untagged.
        var byId = await Cli("rmi", id);
        Assert.Equal(1, byId.ExitCode);
        Assert.Contains("conflict", byId.Stderr);
        Assert.Contains("is being used by stopped container", byId.Stderr);
        Assert.Equal(id, (await Ok("image", "inspect", "--format", "{{.Id}}", repo + ":v1")).Trim());

        // By its last tag: refused as well ("container ID is using its referenced image").
        var byTag = await Cli("rmi", repo + ":v1");
        Assert.Equal(1, byTag.ExitCode);
        Assert.Contains("container " + (await Inspect(name)).GetProperty("Id").GetString()![..12], byTag.Stderr);

        await Ok("rm", name);
        await Ok("rmi", repo + ":v1");
    }

    [Fact]
    public async Task ImageInspectDescribesTheImportedImage()
    {
        var image = await Inspect("busybox");
        Assert.StartsWith("sha256:", image.GetProperty("Id").GetString());
        Assert.Equal("linux", image.GetProperty("Os").GetString());
        Assert.False(string.IsNullOrEmpty(image.GetProperty("Architecture").GetString()));
        Assert.Equal(["busybox:latest"], image.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()!));
        Assert.Equal("layers", image.GetProperty("RootFS").GetProperty("Type").GetString());
        var layers = image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Single(layers);
        Assert.StartsWith("sha256:", layers[0]);
        Assert.Equal(["sh"], image.GetProperty("Config").GetProperty("Cmd").EnumerateArray().Select(c => c.GetString()!));
        Assert.True(image.GetProperty("Size").GetInt64() > 1_000_000);
    }

    [Fact]
    public async Task BigOutputArrivesWhole()
    {
        var output = await Ok("run", "--rm", "busybox", "seq", "1", "200000");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(200000, lines.Length);
        Assert.Equal("200000", lines[^1]);

        var name = Name("biglog");
        Assert.Equal(0, (await Cli("run", "--name", name, "busybox", "seq", "1", "100000")).ExitCode);
        var logs = await Cli("logs", "--tail", "1", name);
        Assert.Equal("100000\n", logs.Stdout);
        Assert.Equal(100000, (await Cli("logs", name)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        await Ok("rm", name);
    }

    /// <summary>
    /// Hangs (2 full-suite runs in 3 with the docker CLI; 1 in 16 parallel runs on an idle daemon): the container stays "Created"
    /// because berth-shim blocks writing the attached stdin into the not-yet-started container's
    /// stdin pipe, and the start never reaches runc.
    /// </summary>
    [Fact]
    public async Task BigStdinArrivesWhole()
    {
        var payload = new byte[4 * 1024 * 1024];
        new Random(42).NextBytes(payload);
        // Several at once: on an idle machine one run in 16 or so wedges (docker CLI).
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            using var input = new MemoryStream(payload);
            return await CliWithInput(input, "run", "--rm", "-i", "busybox", "wc", "-c");
        }));
        foreach (var result in results)
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(payload.Length.ToString(), result.Stdout.Trim());
        }
    }

    [Fact]
    public async Task ManyContainersAtOnceEachGetTheirOwnExitCode()
    {
        var runs = Enumerable.Range(1, 12).Select(i => Cli("run", "--rm", "busybox", "sh", "-c", $"echo n{i}; exit {i}")).ToList();
        var results = await Task.WhenAll(runs);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(results[i].ExitCode == i + 1, $"run {i + 1}: {results[i]}");
            Assert.Equal($"n{i + 1}\n", results[i].Stdout);
        }
    }

    [Fact]
    public async Task StopSignalFromCreateAndFromTheFlag()
    {
        var name = Name("stopsig");
        await Ok("run", "-d", "--name", name, "--stop-signal", "USR1", "busybox", "sh", "-c", "trap 'exit 11' USR1; trap 'exit 22' USR2; echo ready; while true; do sleep 0.1; done");
        Assert.Equal("USR1", (await Inspect(name)).GetProperty("Config").GetProperty("StopSignal").GetString());
        await Daemon.WaitForLogLineAsync(name, "ready");
        await Ok("stop", name);
        Assert.Equal("11\n", await Ok("wait", name));
        await Ok("start", name);
        await Daemon.WaitForLogLineAsync(name, "ready", times: 2);
        await Ok("stop", "-s", "USR2", name);
        Assert.Equal("22\n", await Ok("wait", name));
        await Ok("rm", name);
    }

    [Fact]
    public async Task RenameOfARunningContainerKeepsItRunning()
    {
        var old = Name("live-old");
        var renamed = Name("live-new");
        await Ok("run", "-d", "--name", old, "busybox", "sleep", "300");
        await Ok("rename", old, renamed);
        Assert.Equal($"{renamed}|running\n", await Ok("ps", "--filter", "name=" + renamed, "--format", "{{.Names}}|{{.State}}"));
        Assert.Equal("", await Ok("ps", "-a", "--filter", "name=" + old, "--format", "{{.Names}}"));
        Assert.Equal(renamed + "\n", await Ok("rm", "-f", renamed));
    }

    [Fact]
    public async Task LogsSinceAndUntilSelectByTime()
    {
        var name = Name("since");
        await Ok("run", "-d", "--name", name, "busybox", "sh", "-c", "trap 'echo late; exit 0' USR1; echo early; while true; do sleep 0.1; done");
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await Cli("logs", name)).Stdout.Contains("early")));
        var stamped = (await Cli("logs", "-t", name)).Stdout;
        var earlyTime = DateTimeOffset.Parse(stamped.Split(' ')[0]);
        // The CLI sends whole seconds for RFC 3339 times without a fraction: the cut is in a later
        // second than "early", and "late" in a later second than the cut.
        await ClockPassesSecondOfAsync(earlyTime);
        var cut = DateTimeOffset.UtcNow;
        await ClockPassesSecondOfAsync(cut);
        await Ok("kill", "-s", "USR1", name);
        await Ok("wait", name);
        var since = cut.ToString("yyyy-MM-ddTHH:mm:ssZ");
        Assert.Equal("late\n", (await Cli("logs", "--since", since, name)).Stdout);
        Assert.Equal("early\n", (await Cli("logs", "--until", since, name)).Stdout);
        Assert.True(earlyTime < cut);
        await Ok("rm", name);
    }

    /// <summary>Returns once the wall clock reads a later whole second than <paramref name="time"/>'s (it polls the clock).</summary>
    private static async Task ClockPassesSecondOfAsync(DateTimeOffset time)
    {
        var second = time.ToUnixTimeSeconds();
        while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() <= second) await Task.Delay(20, TestContext.Current.CancellationToken);
    }
}

/// <summary>The workflow with the reference docker CLI 28.</summary>
public sealed class DockerCliTests(DaemonFixture fixture) : CliFlows(fixture), IClassFixture<DaemonFixture>
{
    protected override string Tool => "docker";
}

/// <summary>The same workflow with berth.</summary>
public sealed class BerthCliTests(DaemonFixture fixture) : CliFlows(fixture), IClassFixture<DaemonFixture>
{
    protected override string Tool => "berth";
}
