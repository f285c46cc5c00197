using System.Text.Json;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// What a process sees inside a container: its own PID, UTS and network namespaces, its own
/// writable layer over an unchanged image, and the user, environment, working directory,
/// entrypoint, hostname and labels given on the command line.
/// </summary>
public sealed class IsolationTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private BerthDaemon Daemon => fixture.Daemon;

    private static string Name(string prefix) => DaemonFixture.UniqueName(prefix);

    private async Task<string> Ok(params string[] args)
    {
        var result = await Daemon.Berth(args);
        Assert.True(result.ExitCode == 0, $"berth {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    private async Task<string> DockerOk(params string[] args)
    {
        var result = await Daemon.Docker(args);
        Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task PsSeesOnlyTheContainersProcessesWithTheCommandAsPid1()
    {
        // Another container running at the same time must stay invisible.
        var neighbour = Name("neighbour");
        await Ok("run", "-d", "--name", neighbour, "busybox", "sleep", "300");
        try
        {
            var rows = Lines(await Ok("run", "--rm", "busybox", "ps", "-o", "pid,args"));
            Assert.Equal("PID   COMMAND", rows[0].TrimEnd());
            Assert.Equal(["1 ps -o pid,args"], rows.Skip(1).Select(r => string.Join(' ', r.Split(' ', StringSplitOptions.RemoveEmptyEntries))));

            var shell = Lines(await Ok("run", "--rm", "busybox", "sh", "-c", "sleep 30 & ps -o pid,args; kill %1"));
            var processes = shell.Skip(1).Select(r => string.Join(' ', r.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
            Assert.Equal("1 sh -c sleep 30 & ps -o pid,args; kill %1", processes[0]);
            Assert.Equal(3, processes.Count); // sh, sleep, ps
            Assert.DoesNotContain(processes, p => p.Contains("sleep 300"));
        }
        finally
        {
            await Daemon.Berth("rm", "-f", neighbour);
        }
    }

    [Fact]
    public async Task HostnameIsTheShortIdAndInHOSTNAME()
    {
        var name = Name("hostname");
        var output = Lines(await Ok("run", "--name", name, "busybox", "sh", "-c", "hostname; echo $HOSTNAME; cat /etc/hostname"));
        var id = (await Daemon.InspectAsync(name)).GetProperty("Id").GetString()!;
        Assert.Equal(id[..12], output[0]);
        Assert.Equal(id[..12], output[1]);
        Assert.Equal(id[..12], output[2]);
        Assert.Equal(id[..12], (await Daemon.InspectAsync(name)).GetProperty("Config").GetProperty("Hostname").GetString());
        await Ok("rm", name);
    }

    [Fact]
    public async Task HostnameFlagSetsHostnameAndHOSTNAME()
    {
        var name = Name("named-host");
        var output = Lines(await Ok("run", "--name", name, "--hostname", "box.example", "busybox", "sh", "-c", "hostname; echo $HOSTNAME"));
        Assert.Equal(["box.example", "box.example"], output);
        Assert.Equal("box.example", (await Daemon.InspectAsync(name)).GetProperty("Config").GetProperty("Hostname").GetString());
        await Ok("rm", name);
    }

    [Fact]
    public async Task NetworkNamespaceHasOnlyLoopback()
    {
        var links = Lines(await Ok("run", "--rm", "busybox", "ip", "-o", "link"));
        var names = links.Select(l => l.Split(':')[1].Trim()).ToList();
        Assert.Equal(["lo"], names);
        // Not the host's: the host has more than loopback.
        Assert.True(Directory.GetDirectories("/sys/class/net").Length > 1);
    }

    [Fact]
    public async Task WritesStayInTheContainersOwnLayer()
    {
        var writer = Name("writer");
        // The writer keeps running while another container of the same image looks for its file.
        await Ok("run", "-d", "--name", writer, "busybox", "sh", "-c", "echo secret > /tmp/note; echo x > /etc/extra; rm /etc/group; sleep 300");
        try
        {
            Assert.True(await DaemonExtensions.EventuallyAsync(async () =>
                File.Exists(Path.Combine("/proc", (await Daemon.InspectAsync(writer)).GetProperty("State").GetProperty("Pid").GetInt32().ToString(), "root", "etc", "extra"))),
                "the writer never wrote its file");

            var other = await Daemon.Berth("run", "--rm", "busybox", "sh", "-c", "cat /tmp/note; test -e /etc/extra && echo extra; test -e /etc/group && echo group");
            Assert.Equal(0, other.ExitCode);
            Assert.Equal("group\n", other.Stdout);
            Assert.Contains("No such file", other.Stderr);

            // Stop the writer: its own layer keeps its changes; the image does not.
            await Ok("stop", "-t", "0", writer);
            var fresh = await Daemon.Berth("run", "--rm", "busybox", "sh", "-c", "ls /tmp; cat /etc/group | head -1; test -e /etc/extra || echo no-extra");
            Assert.Equal("root:x:0:\nno-extra\n", fresh.Stdout);

            var diff = await Daemon.Berth("run", "--rm", "busybox", "ls", "-A", "/tmp");
            Assert.Equal("", diff.Stdout);
        }
        finally
        {
            await Daemon.Berth("rm", "-f", writer);
        }
    }

    [Fact]
    public async Task ARestartedContainerKeepsItsOwnChanges()
    {
        var name = Name("keeps");
        await Ok("run", "--name", name, "busybox", "sh", "-c", "echo kept >> /root/state; cat /root/state");
        await Ok("start", name);
        Assert.Equal("0\n", await Ok("wait", name));
        Assert.Equal("kept\nkept\nkept\n", await Ok("logs", name));
        await Ok("rm", name);
        Assert.NotEqual(0, (await Daemon.Berth("run", "--rm", "busybox", "test", "-e", "/root/state")).ExitCode);
    }

    [Fact]
    public async Task WorkdirIsCreated()
    {
        var output = Lines(await Ok("run", "--rm", "-w", "/new/dir/deeper", "busybox", "sh", "-c", "pwd; test -d /new/dir/deeper && echo dir"));
        Assert.Equal(["/new/dir/deeper", "dir"], output);
        Assert.Equal("/\n", await Ok("run", "--rm", "busybox", "pwd"));
    }

    [Theory]
    [InlineData(null, "0 0 /root")]
    [InlineData("nobody", "65534 65534 /nonexistent")]
    [InlineData("daemon", "1 1 /usr/sbin")]
    [InlineData("65534", "65534 65534 /nonexistent")]
    [InlineData("1:65534", "1 65534 /usr/sbin")]
    [InlineData("4242", "4242 0 /")]
    public async Task UserSetsUidGidAndHOMEFromPasswd(string? user, string expected)
    {
        var args = new List<string> { "run", "--rm" };
        if (user is not null) args.AddRange(["-u", user]);
        args.AddRange(["busybox", "sh", "-c", "echo $(id -u) $(id -g) $HOME"]);
        Assert.Equal(expected + "\n", await Ok([.. args]));
    }

    [Fact]
    public async Task EnvAndEnvFileSetTheEnvironment()
    {
        var file = Path.Combine(Daemon.Root, Name("env") + ".list");
        await File.WriteAllTextAsync(file, "# a comment\nFROM_FILE=one\nSPACED=two words\nOVERRIDDEN=file\n\n", TestContext.Current.CancellationToken);
        try
        {
            var output = await Ok("run", "--rm", "--env-file", file, "-e", "FOO=bar", "-e", "OVERRIDDEN=flag", "-e", "EMPTY=",
                "busybox", "sh", "-c", "echo \"$FOO|$FROM_FILE|$SPACED|$OVERRIDDEN|${EMPTY-unset}|$PATH\"");
            Assert.Equal("bar|one|two words|flag||/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", output);

            var name = Name("env");
            await Ok("create", "--name", name, "--env-file", file, "-e", "FOO=bar", "busybox", "true");
            var env = (await Daemon.InspectAsync(name)).GetProperty("Config").GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
            // The fixture's busybox has no ENV, so only what was given (docker does the same).
            Assert.Equal(["FROM_FILE=one", "SPACED=two words", "OVERRIDDEN=file", "FOO=bar"], env);
            await Ok("rm", name);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task EntrypointReplacesTheProgram()
    {
        Assert.Equal("hi there\n", await Ok("run", "--rm", "--entrypoint", "echo", "busybox", "hi", "there"));
        var name = Name("entry");
        await Ok("create", "--name", name, "--entrypoint", "/bin/echo", "busybox", "x");
        var config = (await Daemon.InspectAsync(name)).GetProperty("Config");
        Assert.Equal(["/bin/echo"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(["x"], config.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("/bin/echo", (await Daemon.InspectAsync(name)).GetProperty("Path").GetString());
        await Ok("rm", name);
    }

    [Fact]
    public async Task LabelsShowInInspectAndFilterPs()
    {
        var name = Name("labels");
        await Ok("create", "--name", name, "-l", "com.example.team=infra", "-l", "flag", "--label", "empty=", "busybox", "true");
        var labels = (await Daemon.InspectAsync(name)).GetProperty("Config").GetProperty("Labels");
        Assert.Equal("infra", labels.GetProperty("com.example.team").GetString());
        Assert.Equal("", labels.GetProperty("flag").GetString());
        Assert.Equal("", labels.GetProperty("empty").GetString());
        Assert.Equal(name + "\n", await Ok("ps", "-a", "--filter", "label=com.example.team=infra", "--format", "{{.Names}}"));
        Assert.Equal("infra\n", await DockerOk("inspect", "--format", "{{index .Config.Labels \"com.example.team\"}}", name));
        await Ok("rm", name);
    }

    [Fact]
    public async Task InteractivePipesStdinWithBothClis()
    {
        using (var input = new MemoryStream("hello stdin\nsecond\n"u8.ToArray()))
        {
            var result = await Daemon.BerthWithInput(input, "run", "--rm", "-i", "busybox", "tr", "a-z", "A-Z");
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("HELLO STDIN\nSECOND\n", result.Stdout);
        }
        using (var input = new MemoryStream("hello stdin\nsecond\n"u8.ToArray()))
        {
            var result = await Daemon.DockerWithInput(input, "run", "--rm", "-i", "busybox", "sh", "-c", "tr a-z A-Z; exit 3");
            Assert.Equal(3, result.ExitCode);
            Assert.Equal("HELLO STDIN\nSECOND\n", result.Stdout);
        }
        // Without -i the container gets no stdin (EOF at once).
        using (var input = new MemoryStream("ignored\n"u8.ToArray()))
        {
            var result = await Daemon.DockerWithInput(input, "run", "--rm", "busybox", "wc", "-c");
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("0", result.Stdout.Trim());
        }
    }

    [Fact]
    public async Task DockerCliGetsTheSameIsolation()
    {
        var name = Name("dockeriso");
        var output = Lines(await DockerOk("run", "--name", name, "-u", "nobody", "-w", "/made/here", "-e", "X=y", "busybox",
            "sh", "-c", "hostname; id -u; pwd; echo $X $HOME; ip -o link | wc -l"));
        var id = (await Daemon.InspectAsync(name, docker: true)).GetProperty("Id").GetString()!;
        Assert.Equal([id[..12], "65534", "/made/here", "y /nonexistent", "1"], output);
        await DockerOk("rm", name);
    }
}
