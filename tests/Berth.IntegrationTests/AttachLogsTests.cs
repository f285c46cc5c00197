using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// POST /containers/{id}/attach with logs=1 (docker-py's attach(logs=True), compose v1): the
/// output so far is replayed in docker's frames before the live stream; stream=0 ends after it.
/// </summary>
public sealed class AttachLogsTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private BerthDaemon Daemon => fixture.Daemon;

    [Fact]
    public async Task LogsWithoutStreamReplaysTheOutputOfAnExitedContainerAndEnds()
    {
        var id = await RunDetachedAsync("echo one; echo two >&2; echo three");
        Assert.Equal("0", (await Daemon.Berth("wait", id)).Stdout.Trim());

        using var http = Daemon.CreateHttpClient();
        // Each stream keeps its order; how the two interleave is up to the pipes (as under docker).
        var both = Frames(await PostAsync(http, $"/containers/{id}/attach?logs=1&stream=0&stdout=1&stderr=1"));
        Assert.Equal(["one\n", "three\n"], both.Where(f => f.Stream == 1).Select(f => f.Text));
        Assert.Equal(["two\n"], both.Where(f => f.Stream == 2).Select(f => f.Text));
        Assert.Equal(3, both.Count);

        var stdoutOnly = await PostAsync(http, $"/containers/{id}/attach?logs=1&stream=0&stdout=1&stderr=0");
        Assert.Equal([.. Frame(1, "one\n"), .. Frame(1, "three\n")], stdoutOnly);

        // Neither logs nor stream: dockerd answers with an empty stream.
        Assert.Empty(await PostAsync(http, $"/containers/{id}/attach?stdout=1&stderr=1"));
        await Daemon.Berth("rm", id);
    }

    [Fact]
    public async Task LogsWithStreamReplaysThenFollowsARunningContainerToItsExit()
    {
        var shared = Path.Combine(Daemon.Root, "attach-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(shared);
        // The container prints one line, waits until the test has attached, then prints another.
        var id = await RunDetachedAsync("echo before; while [ ! -e /host/go ]; do sleep 0.05; done; echo after", "-v", $"{shared}:/host");
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => (await Daemon.Berth("logs", id)).Stdout.Contains("before")));

        using var http = Daemon.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/containers/{id}/attach?logs=1&stream=1&stdout=1&stderr=1");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var replayed = new byte[Frame(1, "before\n").Length];
        await body.ReadExactlyAsync(replayed, TestContext.Current.CancellationToken);
        Assert.Equal(Frame(1, "before\n"), replayed);

        // Only now let the container go on: "after" must come through the live attach.
        await File.WriteAllTextAsync(Path.Combine(shared, "go"), "", TestContext.Current.CancellationToken);
        var rest = new MemoryStream();
        await body.CopyToAsync(rest, TestContext.Current.CancellationToken);
        Assert.Equal(Frame(1, "after\n"), rest.ToArray());
        Assert.Equal("0", (await Daemon.Berth("wait", id)).Stdout.Trim());
        await Daemon.Berth("rm", id);
    }

    [Fact]
    public async Task AttachToAQuietContainerAnswersAtOnce()
    {
        // Without an Upgrade header the response is a plain stream; its headers must not wait
        // for the container's first byte of output (they did, until it exited).
        var id = await RunDetachedAsync("sleep 300");
        using var http = Daemon.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/containers/{id}/attach?stream=1&stdout=1&stderr=1");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/vnd.docker.multiplexed-stream", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(0, (await Daemon.Berth("rm", "-f", id)).ExitCode);
    }

    [Fact]
    public async Task AWaitWhoseClientLeftBeforeTheExitStillEnds()
    {
        // The client gives up on the wait; the container dies before berthd notices the hang-up,
        // so the exit code is written to a closed socket. That request used to never finish
        // (Kestrel: "application never completed" once the connection was collected).
        using var http = Daemon.CreateHttpClient();
        var trims = 0;
        for (var i = 0; i < 3; i++)
        {
            var id = await RunDetachedAsync("sleep 300");
            using (var cancel = new CancellationTokenSource())
            {
                using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/containers/{id}/wait"), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
                cancel.CancelAfter(200);
                await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await body.ReadExactlyAsync(new byte[64], cancel.Token));
            }
            Assert.Equal(0, (await Daemon.Berth("kill", id)).ExitCode);
            trims = CountTrims(await Daemon.ReadLogAsync());
            Assert.Equal(0, (await Daemon.Berth("rm", id)).ExitCode);
        }
        // berthd collects garbage after 2 s without requests (its idle trimmer logs each collection);
        // Kestrel then finds any connection whose request never completed, on its heartbeat.
        Assert.True(await DaemonExtensions.EventuallyAsync(async () => CountTrims(await Daemon.ReadLogAsync()) > trims),
            "berthd did not collect after its last request");
        // Kestrel's heartbeat (once a second) has no event to wait for: give it two beats before
        // looking for what it would have logged.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Assert.DoesNotContain("application never completed", await Daemon.ReadLogAsync());
    }

    /// <summary>How many collections berthd's idle trimmer has logged (IdleMemoryTrimmer.TrimmedMessage).</summary>
    private static int CountTrims(string log) =>
        log.Split('\n').Count(line => line.Contains("idle: gave the GC's free memory back", StringComparison.Ordinal));

    private async Task<string> RunDetachedAsync(string script, params string[] options)
    {
        var result = await Daemon.Berth(["run", "-d", .. options, "busybox", "sh", "-c", script]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Trim();
    }

    private static async Task<byte[]> PostAsync(HttpClient http, string path)
    {
        using var response = await http.PostAsync(path, null);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.docker.multiplexed-stream", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static List<(byte Stream, string Text)> Frames(byte[] body)
    {
        var frames = new List<(byte, string)>();
        for (var at = 0; at < body.Length;)
        {
            Assert.True(body.Length - at >= 8, "truncated frame header");
            var length = (body[at + 4] << 24) | (body[at + 5] << 16) | (body[at + 6] << 8) | body[at + 7];
            frames.Add((body[at], System.Text.Encoding.UTF8.GetString(body, at + 8, length)));
            at += 8 + length;
        }
        return frames;
    }

    /// <summary>docker's stream frame: [stream, 0, 0, 0, big-endian length] + payload.</summary>
    private static byte[] Frame(byte stream, string text)
    {
        var payload = System.Text.Encoding.UTF8.GetBytes(text);
        var length = payload.Length;
        return [stream, 0, 0, 0, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, .. payload];
    }
}
