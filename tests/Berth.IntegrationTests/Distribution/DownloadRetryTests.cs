using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>A layer download cut mid-body is retried after dockerd's 5 s ("Retrying in N seconds") and resumed by Range.</summary>
public sealed class DownloadRetryTests
{
    [Fact]
    public async Task ACutDownloadIsRetriedAndResumed()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        using var images = new TestRegistryImages(registry.BaseAddress);
        var content = new byte[2 << 20];
        new Random(11).NextBytes(content);
        var (_, _, layers) = await images.PushImageAsync("team/flaky", "v1", "amd64", [("big.bin", content)]);
        var layer = layers[0].Digest;

        await using var proxy = CuttingProxy.Start(registry.Port, $"GET /v2/team/flaky/blobs/{layer} ", cutAfter: 256 << 10);
        await using var daemon = new BerthDaemon();
        await daemon.StartAsync();
        var pull = Ok(await daemon.Docker("pull", $"127.0.0.1:{proxy.Port}/team/flaky:v1"));
        Assert.True(proxy.Cut, "the proxy never cut the layer download");
        Assert.Contains($"{layer[7..19]}: Retrying in 5 seconds", pull.Stdout);
        Assert.Contains($"{layer[7..19]}: Pull complete", pull.Stdout);

        // The retry asked distribution for the rest only.
        var log = (await registry.ReadLogAsync()).Split('\n');
        Assert.Contains(log, line => line.Contains($"\"GET /v2/team/flaky/blobs/{layer} ") && line.Contains("\" 206 "));
    }

    /// <summary>A TCP proxy to the registry that, once, closes the connection <paramref name="cutAfter"/> bytes into the answer to a request starting with a given line.</summary>
    private sealed class CuttingProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly int _target;
        private readonly string _request;
        private readonly long _cutAfter;
        private readonly CancellationTokenSource _stop = new();
        private int _cut;

        private CuttingProxy(int target, string request, long cutAfter)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _target = target;
            _request = request;
            _cutAfter = cutAfter;
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public bool Cut => Volatile.Read(ref _cut) == 1;

        public static CuttingProxy Start(int target, string request, long cutAfter)
        {
            var proxy = new CuttingProxy(target, request, cutAfter);
            proxy._listener.Start();
            _ = proxy.AcceptAsync();
            return proxy;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch { return; }
                _ = RelayAsync(client);
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using var _ = client;
            using var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var armed = false;
                var up = Task.Run(async () =>
                {
                    var buffer = new byte[65536];
                    int n;
                    while ((n = await client.GetStream().ReadAsync(buffer, _stop.Token)) > 0)
                    {
                        if (Volatile.Read(ref _cut) == 0 && Encoding.ASCII.GetString(buffer, 0, n).Contains(_request)) armed = true;
                        await server.GetStream().WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                    }
                });
                var buffer = new byte[16384];
                long sent = 0;
                int read;
                while ((read = await server.GetStream().ReadAsync(buffer, _stop.Token)) > 0)
                {
                    await client.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                    if (armed) sent += read;
                    if (armed && sent > _cutAfter && Interlocked.Exchange(ref _cut, 1) == 0)
                    {
                        client.Client.Close(); // a reset in the middle of the body
                        break;
                    }
                }
                await Task.WhenAny(up, Task.Delay(100));
            }
            catch
            {
                // A side closed: the relay ends.
            }
        }

        public ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
