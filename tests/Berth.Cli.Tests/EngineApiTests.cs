using System.Text;
using System.Text.Json;
using Berth.EngineApi.Client;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;
using Berth.EngineApi.Streams;
using Xunit;

namespace Berth.Cli.Tests;

public class EngineApiTests
{
    [Fact]
    public async Task FramingRoundTrip()
    {
        var ms = new MemoryStream();
        await using (var w = new StdStreamWriter(ms, leaveOpen: true))
        {
            await w.WriteAsync(StdStreamType.Stdout, "out1\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await w.WriteAsync(StdStreamType.Stderr, "err\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await w.WriteAsync(StdStreamType.Stdout, ReadOnlyMemory<byte>.Empty, TestContext.Current.CancellationToken);
            await w.GetStream(StdStreamType.Stdout).WriteAsync(new byte[70_000], TestContext.Current.CancellationToken);
        }
        var bytes = ms.ToArray();
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0, 0, 0, 5 }, bytes[..8]);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var total = await new StdStreamReader(new MemoryStream(bytes)).CopyToAsync(stdout, stderr, TestContext.Current.CancellationToken);
        Assert.Equal(5 + 4 + 70_000, total);
        Assert.Equal("out1\n", Encoding.UTF8.GetString(stdout.ToArray(), 0, 5));
        Assert.Equal(70_005, stdout.Length);
        Assert.Equal("err\n", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public async Task TruncatedFrameIsAnError()
    {
        var bad = new byte[] { 1, 0, 0, 0, 0, 0, 0, 9, (byte)'x' };
        await Assert.ThrowsAsync<InvalidDataException>(async () => await new StdStreamReader(new MemoryStream(bad)).ReadFrameAsync(TestContext.Current.CancellationToken));
        var badType = new byte[] { 7, 0, 0, 0, 0, 0, 0, 0 };
        await Assert.ThrowsAsync<InvalidDataException>(async () => await new StdStreamReader(new MemoryStream(badType)).ReadFrameAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ConcurrentFramesStayWhole()
    {
        var ms = new MemoryStream();
        var w = new StdStreamWriter(ms, leaveOpen: true);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            w.WriteAsync(i % 2 == 0 ? StdStreamType.Stdout : StdStreamType.Stderr, new byte[100 + i]).AsTask()));
        ms.Position = 0;
        var reader = new StdStreamReader(ms);
        var count = 0;
        while (await reader.ReadFrameAsync(TestContext.Current.CancellationToken) is not null)
        {
            count++;
        }
        Assert.Equal(50, count);
    }

    [Fact]
    public void ModelsSerialiseWithDockerNamesAndNulls()
    {
        var json = JsonSerializer.Serialize(new ContainerCreateRequest { Image = "busybox", Cmd = ["sh"], HostConfig = new HostConfig { AutoRemove = true } },
            EngineJson.Context.ContainerCreateRequest);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("busybox", root.GetProperty("Image").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("Entrypoint").ValueKind);
        Assert.False(root.TryGetProperty("ExposedPorts", out _));
        Assert.False(root.TryGetProperty("StopTimeout", out _));
        Assert.True(root.GetProperty("HostConfig").GetProperty("AutoRemove").GetBoolean());
        Assert.False(root.TryGetProperty("NetworkingConfig", out _));
    }

    [Fact]
    public void ReadsDockerdInspectJson()
    {
        const string json = """{"Id":"c0","Created":"2026-11-28T06:24:02.254216388Z","Path":"sh","Args":["-c","x"],"State":{"Status":"exited","Running":false,"OOMKilled":false,"Pid":0,"ExitCode":3,"StartedAt":"0001-01-01T00:00:00Z"},"Name":"/t1","HostConfig":{"PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"OomKillDisable":false,"PidsLimit":null},"Config":{"ExposedPorts":{"80/tcp":{}},"Cmd":["sh"]},"NetworkSettings":{"Networks":{"bridge":{"IPAMConfig":null}}}}""";
        var c = JsonSerializer.Deserialize(json, EngineJson.Context.ContainerInspectResponse)!;
        Assert.Equal(3, c.State!.ExitCode);
        Assert.Equal("/t1", c.Name);
        Assert.Equal("no", c.HostConfig!.RestartPolicy.Name);
        Assert.True(c.Config!.ExposedPorts!.ContainsKey("80/tcp"));
        Assert.True(DockerTime.IsZero(c.State.StartedAt));
        Assert.True(c.NetworkSettings!.Networks!.ContainsKey("bridge"));
    }

    [Fact]
    public void JsonMessageOmitsEmptyFields()
    {
        Assert.Equal("{\"status\":\"sha256:ab\"}", JsonSerializer.Serialize(new JsonMessage { Status = "sha256:ab" }, EngineJson.Context.JsonMessage));
    }

    [Fact]
    public void DockerTimeFormatsLikeGo()
    {
        Assert.Equal("0001-01-01T00:00:00Z", DockerTime.Format(DateTimeOffset.MinValue));
        Assert.Equal("2026-11-28T06:24:02.2542163Z", DockerTime.Format(new DateTimeOffset(2026, 11, 28, 6, 24, 2, TimeSpan.Zero).AddTicks(2542163)));
        Assert.Equal("2026-11-28T06:24:02.5Z", DockerTime.Format(new DateTimeOffset(2026, 11, 28, 6, 24, 2, 500, TimeSpan.Zero)));
        Assert.True(DockerTime.TryParse("2026-11-28T06:24:02.254216388Z", out var t));
        Assert.Equal(2542163, t.Ticks % TimeSpan.TicksPerSecond);
    }

    [Theory]
    [InlineData("unix:///run/berth/berth.sock", "/run/berth/berth.sock", null, 0)]
    [InlineData("tcp://127.0.0.1:2376", null, "127.0.0.1", 2376)]
    [InlineData("tcp://example", null, "example", 2375)]
    public void ParsesHosts(string host, string? socket, string? tcpHost, int port)
    {
        var e = DaemonEndpoint.Parse(host);
        Assert.Equal(socket, e.SocketPath);
        Assert.Equal(tcpHost, e.TcpHost);
        Assert.Equal(port, e.TcpPort);
    }

    [Fact]
    public void VersionCompare()
    {
        Assert.True(EngineClient.CompareVersions("1.41", "1.47") < 0);
        Assert.True(EngineClient.CompareVersions("1.9", "1.41") < 0);
        Assert.Equal(0, EngineClient.CompareVersions("1.47", "1.47"));
    }

    [Fact]
    public void FiltersEncodeLikeDocker() =>
        Assert.Equal("{\"name\":{\"a\":true,\"b\":true}}", EngineClient.EncodeFilters([new("name", "a"), new("name", "b")]));

    [Fact]
    public async Task UnreachableDaemonIsReported()
    {
        using var client = new EngineClient("unix:///nonexistent/berth.sock");
        await Assert.ThrowsAsync<DaemonUnreachableException>(() => client.PingAsync(TestContext.Current.CancellationToken));
    }
}
