using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// berthd against an unprivileged host user and against abusive clients: nothing under the data
/// root or the exec root is reachable by a host user (CVE-2021-41091 class), error texts keep
/// host paths to berthd's log, JSON bodies are capped, a burst of connects is queued, and images
/// whose /proc or /sys is a symlink run as on dockerd.
/// </summary>
public sealed class HostHardeningTests
{
    private const string Nobody = "65534";

    /// <summary>Runs a /bin/sh script as uid/gid 65534 without supplementary groups.</summary>
    private static Task<CommandResult> AsNobodyAsync(string script) =>
        ProcessRunner.RunAsync("setpriv", ["--reuid=" + Nobody, "--regid=" + Nobody, "--clear-groups", "/bin/sh", "-c", script],
            new Dictionary<string, string> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" }, timeout: TimeSpan.FromMinutes(2));

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    private static async Task<string> RunDetachedAsync(BerthDaemon daemon, params string[] args)
    {
        var result = await daemon.Berth(["run", "-d", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Trim();
    }

    [Fact]
    public async Task FreshDataRootIsUnreachableForHostUsers()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        await AssertUnreachableAsync(daemon);
    }

    [Fact]
    public async Task DataRootMade0755ByAnOlderBuildIsTightenedAtStart()
    {
        await using var daemon = new BerthDaemon();
        // An older build made everything 0755/0644: the tree exists before berthd first starts...
        foreach (var dir in new[] { "content", "layers", "containers", "image" })
            Directory.CreateDirectory(Path.Combine(daemon.DataRoot, dir));
        Directory.CreateDirectory(daemon.ExecRoot);
        await ChmodTreeOpenAsync(daemon);
        await daemon.StartAsync();
        await daemon.ImportBusyboxAsync("busybox:latest");
        await AssertUnreachableAsync(daemon);

        // ... and it ran containers: their files too were world-readable. Restarting tightens it.
        await daemon.StopAsync();
        await ChmodTreeOpenAsync(daemon);
        var open = await AsNobodyAsync($"cat {Quote(Path.Combine(daemon.DataRoot, "berth.db"))} >/dev/null && echo readable");
        Assert.Contains("readable", open.Stdout); // the simulation really opened it
        await daemon.StartAsync();
        await AssertUnreachableAsync(daemon);
    }

    private static async Task ChmodTreeOpenAsync(BerthDaemon daemon)
    {
        var result = await ProcessRunner.RunAsync("chmod", ["-R", "go+rX", daemon.DataRoot, daemon.ExecRoot]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>
    /// Runs a container with secrets in its env and a setuid copy of busybox in its upper dir,
    /// then checks as uid 65534 that no path under either root can be listed, read, executed
    /// or even stat'ed, while the container still runs (also as a non-root container user).
    /// </summary>
    private static async Task AssertUnreachableAsync(BerthDaemon daemon)
    {
        var name = DaemonFixture.UniqueName("suid");
        var id = await RunDetachedAsync(daemon, "--name", name, "-e", "SECRET=hunter2", "busybox",
            "sh", "-c", "cp /bin/busybox /sp && chmod 4755 /sp && echo ready && sleep 300");
        await daemon.WaitForLogLineAsync(name, "ready");
        var user = DaemonFixture.UniqueName("user");
        var asUser = await daemon.Berth("run", "--rm", "--name", user, "--user", "1000:1000", "busybox", "sh", "-c", "id -u; cat /etc/hosts >/dev/null && ls / >/dev/null && echo fine");
        Assert.True(asUser.ExitCode == 0 && asUser.Stdout.Contains("fine"), asUser.ToString());

        var dataRoot = daemon.DataRoot;
        var container = Path.Combine(dataRoot, "containers", id);
        Assert.True(File.Exists(Path.Combine(container, "upper", "sp")), "the setuid file is in the upper dir");
        var layers = Directory.GetDirectories(Path.Combine(dataRoot, "layers")).Where(d => Path.GetFileName(d) != "tmp").ToList();
        Assert.NotEmpty(layers);
        var shimSockets = Directory.GetFiles(Path.Combine(daemon.ExecRoot, "s"));
        Assert.NotEmpty(shimSockets);

        List<string> paths =
        [
            Path.Combine(container, "config.json"), Path.Combine(container, id + "-json.log"), Path.Combine(container, "hosts"),
            Path.Combine(container, "upper"), Path.Combine(container, "upper", "sp"), Path.Combine(container, "rootfs", "sp"),
            Path.Combine(container, "rootfs", "bin", "busybox"), Path.Combine(dataRoot, "berth.db"), Path.Combine(dataRoot, "berth.db-wal"),
            Path.Combine(layers[0], "diff", "bin", "busybox"), daemon.Socket, .. shimSockets,
        ];
        // Every entry down to two levels under each root, whatever its name.
        foreach (var root in new[] { dataRoot, daemon.ExecRoot })
            foreach (var entry in Directory.EnumerateFileSystemEntries(root))
            {
                paths.Add(entry);
                if (Directory.Exists(entry) && new DirectoryInfo(entry).LinkTarget is null)
                    paths.AddRange(Directory.EnumerateFileSystemEntries(entry).Take(20));
            }

        var script = new StringBuilder("set -u\n");
        foreach (var root in new[] { dataRoot, daemon.ExecRoot })
            script.Append($"ls {Quote(root)} >/dev/null 2>&1 && echo \"LISTED {root}\"\ncd {Quote(root)} 2>/dev/null && echo \"ENTERED {root}\"\n");
        foreach (var path in paths.Distinct())
            script.Append($"stat {Quote(path)} >/dev/null 2>&1 && echo \"REACHABLE {path}\"\n");
        foreach (var setuid in new[] { Path.Combine(container, "upper", "sp"), Path.Combine(container, "rootfs", "sp") })
            script.Append($"{Quote(setuid)} id -u 2>/dev/null && echo \"EXECUTED {setuid}\"\n");
        script.Append($"cat {Quote(Path.Combine(container, "config.json"))} 2>/dev/null | grep -q hunter2 && echo \"READ SECRET\"\n");
        script.Append("echo checked\n");
        var result = await AsNobodyAsync(script.ToString());
        Assert.True(result.ExitCode == 0 && result.Stdout.Trim() == "checked", $"as uid {Nobody}:\n{result}");

        // Sanity: root sees the secret and the setuid bit, so the checks above were not vacuous.
        Assert.Contains("hunter2", await File.ReadAllTextAsync(Path.Combine(container, "config.json")));
        Assert.True((File.GetUnixFileMode(Path.Combine(container, "upper", "sp")) & UnixFileMode.SetUser) != 0);
        Assert.Equal("710", Mode(dataRoot));
        Assert.Equal("710", Mode(daemon.ExecRoot));
        Assert.Equal("700", Mode(Path.Combine(dataRoot, "containers")));
        Assert.Equal("600", Mode(Path.Combine(dataRoot, "berth.db")));
        var rm = await daemon.Berth("rm", "-f", name);
        Assert.True(rm.ExitCode == 0, rm.ToString());
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path) & 0xFFF, 8);

    [Fact]
    public async Task ErrorsNameNoHostPathsOfTheDataRoot()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        using var http = daemon.CreateHttpClient();
        var name = DaemonFixture.UniqueName("nopath");
        var created = await daemon.Berth("create", "--name", name, "busybox", "true");
        Assert.True(created.ExitCode == 0, created.ToString());
        var id = created.Stdout.Trim();
        // Sabotage from the host: the overlay mount fails, and the kernel's error names the path.
        Directory.Delete(Path.Combine(daemon.DataRoot, "containers", id, "upper"), recursive: true);
        using var response = await http.PostAsync($"/containers/{id}/start", null, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode >= 400, body);
        using var document = JsonDocument.Parse(body);
        var message = document.RootElement.GetProperty("message").GetString()!;
        Assert.DoesNotContain(daemon.Root, message);
        Assert.DoesNotContain(daemon.Root, (await daemon.Berth("start", name)).Stderr);
        Assert.Contains(daemon.DataRoot, await daemon.ReadLogAsync()); // the full text stays in the log
    }

    [Fact]
    public async Task A200MBLabelIsRefusedWith413WithoutBufferingIt()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        const long labelSize = 200L * 1024 * 1024;
        var head = Encoding.UTF8.GetBytes("{\"Image\":\"busybox\",\"Labels\":{\"big\":\"");
        var tail = Encoding.UTF8.GetBytes("\"}}");

        foreach (var chunked in new[] { false, true })
        {
            var (status, body) = await PostStreamedAsync(daemon.Socket, "/v1.47/containers/create", head, labelSize, tail, chunked);
            Assert.True(status == 413, $"chunked={chunked}: {status} {body}");
            using var document = JsonDocument.Parse(body);
            Assert.Contains("request body too large", document.RootElement.GetProperty("message").GetString());
        }

        // berthd read at most a few MB of it.
        var hwm = File.ReadLines($"/proc/{daemon.Pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kb = long.Parse(hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.True(kb < 150 * 1024, hwm);
        // A normal create still works, and archives above the limit still stream in (import).
        var run = await daemon.Berth("run", "--rm", "--label", "small=" + new string('x', 1000), "busybox", "true");
        Assert.True(run.ExitCode == 0, run.ToString());
        var tar = await BigTarAsync(daemon.Root, 8 * 1024 * 1024);
        var import = await daemon.BerthWithInput(new MemoryStream(tar), "import", "-", DaemonFixture.UniqueName("imp") + ":1");
        Assert.True(import.ExitCode == 0, import.ToString());
    }

    private static async Task<byte[]> BigTarAsync(string workDir, int size)
    {
        var dir = Path.Combine(workDir, "big-rootfs");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, "blob"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(size));
        var tarPath = Path.Combine(workDir, "big.tar");
        var result = await ProcessRunner.RunAsync("tar", ["-C", dir, "-cf", tarPath, "."]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return await File.ReadAllBytesAsync(tarPath);
    }

    /// <summary>
    /// POSTs head + <paramref name="fillSize"/> 'x' bytes + tail, generated while sending (never
    /// held in memory), over a raw connection; returns the status and body of the answer, which
    /// may come before the body is sent (the write side then fails and is ignored).
    /// </summary>
    private static async Task<(int Status, string Body)> PostStreamedAsync(string socketPath, string path, byte[] head, long fillSize, byte[] tail, bool chunked)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var total = head.Length + fillSize + tail.Length;
        var headers = $"POST {path} HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\n"
            + (chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {total}\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers));
        using var stop = new CancellationTokenSource();
        var sender = Task.Run(async () =>
        {
            var fill = new byte[64 * 1024];
            Array.Fill(fill, (byte)'x');
            async Task Send(ReadOnlyMemory<byte> data)
            {
                if (chunked) await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), stop.Token);
                await stream.WriteAsync(data, stop.Token);
                if (chunked) await stream.WriteAsync("\r\n"u8.ToArray(), stop.Token);
            }
            try
            {
                await Send(head);
                for (long sent = 0; sent < fillSize; sent += fill.Length)
                    await Send(fill.AsMemory(0, (int)Math.Min(fill.Length, fillSize - sent)));
                await Send(tail);
                if (chunked) await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // berthd answered and closed before taking the rest: expected.
            }
        });

        var response = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0) break;
            response.Write(buffer, 0, n);
            if (TryParseResponse(response.ToArray(), out var parsed)) { await stop.CancelAsync(); await sender; return parsed; }
        }
        await stop.CancelAsync();
        await sender;
        Assert.True(TryParseResponse(response.ToArray(), out var last), "incomplete response: " + Encoding.UTF8.GetString(response.ToArray()));
        return last;
    }

    /// <summary>Parses a complete HTTP/1.1 response with Content-Length or chunked body.</summary>
    private static bool TryParseResponse(byte[] data, out (int Status, string Body) result)
    {
        result = default;
        var text = Encoding.UTF8.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1]);
        var body = text[(end + 4)..];
        var length = lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            var n = int.Parse(length.Split(':')[1].Trim());
            if (body.Length < n) return false;
            result = (status, body[..n]);
            return true;
        }
        if (lines.Any(l => l.StartsWith("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)))
        {
            if (!body.Contains("\r\n0\r\n\r\n", StringComparison.Ordinal) && !body.StartsWith("0\r\n\r\n", StringComparison.Ordinal)) return false;
            var decoded = new StringBuilder();
            var at = 0;
            while (true)
            {
                var crlf = body.IndexOf("\r\n", at, StringComparison.Ordinal);
                var size = Convert.ToInt32(body[at..crlf], 16);
                if (size == 0) break;
                decoded.Append(body, crlf + 2, size);
                at = crlf + 2 + size + 2;
            }
            result = (status, decoded.ToString());
            return true;
        }
        return false;
    }

    [Fact]
    public async Task ABurstOf2000ConnectsIsQueuedAndAnswered()
    {
        await using var daemon = new BerthDaemon();
        await daemon.StartAsync();
        const int count = 2000;
        var sockets = new List<Socket>(count);
        var refused = 0;
        try
        {
            var endpoint = new UnixDomainSocketEndPoint(daemon.Socket);
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
                try
                {
                    socket.Connect(endpoint);
                    sockets.Add(socket);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain or SocketError.InProgress)
                {
                    refused++;
                    socket.Dispose();
                }
            }
            Assert.Equal(0, refused);

            var request = Encoding.ASCII.GetBytes("GET /_ping HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n\r\n");
            var answers = await Task.WhenAll(sockets.Select(async socket =>
            {
                socket.Blocking = true;
                await socket.SendAsync(request);
                var response = new MemoryStream();
                var buffer = new byte[1024];
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                int n;
                while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) response.Write(buffer, 0, n);
                return Encoding.ASCII.GetString(response.ToArray());
            }));
            var bad = answers.Where(a => !(TryParseResponse(Encoding.UTF8.GetBytes(a), out var r) && r.Status == 200 && r.Body == "OK")).ToList();
            Assert.True(bad.Count == 0, $"{bad.Count} of {count} without OK, e.g. {bad.FirstOrDefault()}");
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }

    [Fact]
    public async Task ImagesWhoseProcAndSysAreSymlinksRunAsOnDockerd()
    {
        await using var daemon = new BerthDaemon();
        await daemon.StartAsync();
        var outside = "/berth-it-outside-" + Guid.NewGuid().ToString("N")[..8];
        var tar = await SymlinkedProcTarAsync(daemon.Root, outside);
        var image = DaemonFixture.UniqueName("symproc") + ":1";
        var import = await daemon.BerthWithInput(new MemoryStream(tar), "import", "-c", "CMD [\"sh\"]", "-", image);
        Assert.True(import.ExitCode == 0, import.ToString());

        for (var i = 0; i < 2; i++) // the second run finds the directories already in place
        {
            var name = DaemonFixture.UniqueName("symproc");
            var run = await daemon.Berth("run", "--name", name, image, "sh", "-c",
                "test -d /proc -a ! -L /proc -a -d /sys -a ! -L /sys && head -1 /proc/self/status && ls /sys/class >/dev/null && echo fine");
            Assert.True(run.ExitCode == 0 && run.Stdout.Contains("Name:") && run.Stdout.Contains("fine"), run.ToString());
            var again = await daemon.Berth("start", "-a", name);
            Assert.True(again.ExitCode == 0 && again.Stdout.Contains("fine"), again.ToString());
            Assert.Equal(0, (await daemon.Berth("rm", name)).ExitCode);
        }
        // The links were never followed out of the root.
        Assert.False(Directory.Exists(outside) || File.Exists(outside));
        Assert.False(Directory.Exists(outside + "-sys") || File.Exists(outside + "-sys"));
    }

    /// <summary>The busybox rootfs with /proc → an absolute path outside and /sys → a relative one climbing out.</summary>
    private static async Task<byte[]> SymlinkedProcTarAsync(string workDir, string outside)
    {
        var rootfs = Path.Combine(workDir, "symproc-rootfs");
        Directory.CreateDirectory(rootfs);
        var tarPath = Path.Combine(workDir, "symproc.tar");
        var script = $"set -e; '{Path.Combine(BerthDaemon.BinDir, "..", "scripts", "lib", "busybox-rootfs")}' | tar -C {Quote(rootfs)} -xf -; "
            + $"rmdir {Quote(rootfs)}/proc {Quote(rootfs)}/sys; ln -s {Quote(outside)} {Quote(rootfs)}/proc; "
            + $"ln -s ../../../../..{outside}-sys {Quote(rootfs)}/sys; tar --numeric-owner -C {Quote(rootfs)} -cf {Quote(tarPath)} .";
        var result = await ProcessRunner.RunAsync("/bin/bash", ["-c", script]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return await File.ReadAllBytesAsync(tarPath);
    }
}
