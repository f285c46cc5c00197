using System.Net.Http.Headers;
using System.Text;
using Berth.Registry.Hosting;

namespace Berth.Registry.Tests.Hosting;

/// <summary>
/// A berth-registry started from command-line flags on 127.0.0.1:0, with a temp root, its log
/// captured in memory and an adjustable clock (for token expiry).
/// </summary>
public sealed class TestRegistry : IAsyncDisposable
{
    private readonly StringWriter _log = new();
    private RegistryHost _host = null!;

    private TestRegistry(string dir) => Dir = dir;

    public string Dir { get; }
    public string Root => Path.Combine(Dir, "root");
    public TestClock Clock { get; } = new();
    public Uri BaseAddress => _host.BaseAddress;
    public Uri? MetricsAddress => _host.MetricsAddress;
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Leave <see cref="Dir"/> in place on disposal (another registry reuses it).</summary>
    public bool KeepDirectory { get; set; }

    public static string NewDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "berth-registry-host-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Starts with <c>serve --addr 127.0.0.1:0 --root DIR/root</c> plus <paramref name="flags"/>.</summary>
    public static async Task<TestRegistry> StartAsync(string? dir, params string[] flags) =>
        await StartAsync(dir, null, flags);

    public static async Task<TestRegistry> StartAsync(string? dir, HttpMessageHandler? handler, params string[] flags)
    {
        var registry = new TestRegistry(dir ?? NewDir());
        var options = RegistryCommand.Parse(["serve", "--addr", "127.0.0.1:0", "--root", registry.Root, .. flags]);
        registry._host = await RegistryHost.StartAsync(options, registry._log, registry.Clock, CancellationToken.None);
        registry.Client = new HttpClient(handler ?? new HttpClientHandler()) { BaseAddress = registry._host.BaseAddress };
        return registry;
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>The access log is written after the response is sent: wait for a line to appear.</summary>
    public async Task<string> WaitForLogLineAsync(Func<string, bool> match)
    {
        for (var i = 0; i < 100; i++)
        {
            var line = Log.Split('\n').FirstOrDefault(match);
            if (line is not null) return line;
            await Task.Delay(20);
        }
        throw new TimeoutException($"no matching log line in:\n{Log}");
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _host.DisposeAsync();
        if (!KeepDirectory)
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class TestClock : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
