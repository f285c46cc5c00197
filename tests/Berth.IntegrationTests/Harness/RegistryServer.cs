using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Berth.IntegrationTests.Harness;

/// <summary>How a test registry is secured: plain HTTP, or TLS with a test CA, optionally behind htpasswd.</summary>
public sealed record RegistrySecurity(string? CertificatePath = null, string? KeyPath = null, string? HtpasswdPath = null)
{
    public static RegistrySecurity Plain { get; } = new();
    public bool Tls => CertificatePath is not null;
}

/// <summary>
/// A registry on 127.0.0.1 for a test: <c>out/berth-registry</c> or distribution 2.8 (Debian's
/// <c>docker-registry</c>), on a free port and a temporary root. Disposing stops it (by its PID)
/// and deletes the root.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    public const string DistributionBinary = "/usr/bin/docker-registry";

    private readonly Process _process;

    private RegistryServer(Process process, string root, int port, bool tls)
    {
        _process = process;
        Root = root;
        Port = port;
        Tls = tls;
    }

    public string Root { get; }
    public int Port { get; }
    public bool Tls { get; }
    /// <summary>HOST:PORT, the registry part of an image reference.</summary>
    public string Address => $"127.0.0.1:{Port}";
    public Uri BaseAddress => new($"{(Tls ? "https" : "http")}://{Address}/");
    public string StorageRoot => Path.Combine(Root, "storage");
    public string LogPath => Path.Combine(Root, "registry.log");
    public int Pid => _process.Id;

    public static bool DistributionInstalled => File.Exists(DistributionBinary);

    /// <summary>Starts out/berth-registry with <paramref name="extraArgs"/> appended to <c>serve</c>.</summary>
    public static Task<RegistryServer> StartBerthAsync(RegistrySecurity? security = null, params string[] extraArgs)
    {
        security ??= RegistrySecurity.Plain;
        var root = NewRoot("berth-reg");
        var port = FreePort();
        var args = new List<string> { "serve", "--addr", $"127.0.0.1:{port}", "--root", Path.Combine(root, "storage") };
        if (security.Tls) args.AddRange(["--tls-cert", security.CertificatePath!, "--tls-key", security.KeyPath!]);
        if (security.HtpasswdPath is not null) args.AddRange(["--htpasswd", security.HtpasswdPath]);
        args.AddRange(extraArgs);
        return StartAsync(Path.Combine(BerthDaemon.BinDir, "berth-registry"), args, root, port, security.Tls);
    }

    /// <summary>Starts distribution 2.8 with a config written for this run (deletes enabled).</summary>
    public static Task<RegistryServer> StartDistributionAsync(RegistrySecurity? security = null)
    {
        security ??= RegistrySecurity.Plain;
        var root = NewRoot("dist-reg");
        var port = FreePort();
        var config = $"""
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: {Path.Combine(root, "storage")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """;
        if (security.Tls) config += $"\n  tls:\n    certificate: {security.CertificatePath}\n    key: {security.KeyPath}";
        if (security.HtpasswdPath is not null) config += $"\nauth:\n  htpasswd:\n    realm: test\n    path: {security.HtpasswdPath}";
        var configPath = Path.Combine(root, "config.yml");
        File.WriteAllText(configPath, config + "\n");
        return StartAsync(DistributionBinary, ["serve", configPath], root, port, security.Tls);
    }

    private static async Task<RegistryServer> StartAsync(string binary, IEnumerable<string> args, string root, int port, bool tls)
    {
        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {binary}");
        var server = new RegistryServer(process, root, port, tls);
        _ = server.PumpAsync(process.StandardOutput);
        _ = server.PumpAsync(process.StandardError);
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited)
            {
                var log = await server.ReadLogAsync();
                await server.DisposeAsync();
                throw new InvalidOperationException($"{binary} exited with {process.ExitCode}: {log}");
            }
            if (await AcceptsAsync(port)) return server;
            await Task.Delay(50);
        }
        await server.DisposeAsync();
        throw new TimeoutException($"{binary} did not listen on port {port}");
    }

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_process) File.AppendAllText(LogPath, line + "\n");
        }
    }

    public Task<string> ReadLogAsync() => File.Exists(LogPath) ? File.ReadAllTextAsync(LogPath) : Task.FromResult("");

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A port the kernel just handed out; the registry binds it right after.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string NewRoot(string prefix)
    {
        var root = Path.Combine("/tmp", $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}");
        Directory.CreateDirectory(root);
        return root;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
