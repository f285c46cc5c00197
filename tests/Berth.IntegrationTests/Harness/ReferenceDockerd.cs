using System.Diagnostics;

namespace Berth.IntegrationTests.Harness;

/// <summary>
/// Debian's dockerd (docker.io) on a temporary data root, exec root and socket, with no bridge
/// and no iptables rules, for interoperability tests (push with dockerd, pull with berthd, …).
/// Disposing removes its containers, stops it by PID and deletes its directories.
/// </summary>
public sealed class ReferenceDockerd : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/dockerd";

    private Process? _process;

    private ReferenceDockerd(string root) => Root = root;

    /// <summary>Short, because containerd's socket paths live under it.</summary>
    public string Root { get; }
    public string Socket => Path.Combine(Root, "docker.sock");
    public string Host => "unix://" + Socket;
    public string ConfigDir => Path.Combine(Root, "client");
    public string LogPath => Path.Combine(Root, "dockerd.log");

    public static bool Installed => File.Exists(Binary) && BerthDaemon.DockerCli is not null;

    /// <summary>
    /// dockerd trusts a registry's CA only through /etc/docker/certs.d/HOST:PORT/ca.crt (no flag
    /// moves it): the test's port is unique, and disposing removes the entry (and certs.d if it
    /// is left empty).
    /// </summary>
    public static IDisposable TrustRegistryCa(string address, string caCertificatePath)
    {
        var dir = $"/etc/docker/certs.d/{address}";
        Directory.CreateDirectory(dir);
        File.Copy(caCertificatePath, Path.Combine(dir, "ca.crt"), overwrite: true);
        return new CertsDEntry(dir);
    }

    private sealed class CertsDEntry(string dir) : IDisposable
    {
        public void Dispose()
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            if (Directory.Exists("/etc/docker/certs.d") && !Directory.EnumerateFileSystemEntries("/etc/docker/certs.d").Any())
                Directory.Delete("/etc/docker/certs.d");
        }
    }

    public static async Task<ReferenceDockerd> StartAsync()
    {
        var dockerd = new ReferenceDockerd(Path.Combine("/tmp", "rd-" + Guid.NewGuid().ToString("N")[..8]));
        Directory.CreateDirectory(dockerd.ConfigDir);
        File.WriteAllText(Path.Combine(dockerd.Root, "daemon.json"), "{}");
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     "-H", dockerd.Host, "--data-root", Path.Combine(dockerd.Root, "data"), "--exec-root", Path.Combine(dockerd.Root, "exec"),
                     "--pidfile", Path.Combine(dockerd.Root, "docker.pid"), "--config-file", Path.Combine(dockerd.Root, "daemon.json"),
                     "--bridge", "none", "--iptables=false", "--ip-masq=false",
                 })
            start.ArgumentList.Add(arg);
        dockerd._process = Process.Start(start)!;
        _ = dockerd.PumpAsync(dockerd._process.StandardOutput);
        _ = dockerd.PumpAsync(dockerd._process.StandardError);
        for (var i = 0; i < 600; i++)
        {
            if (dockerd._process.HasExited)
                throw new InvalidOperationException($"dockerd exited with {dockerd._process.ExitCode}: {File.ReadAllText(dockerd.LogPath)}");
            if (File.Exists(dockerd.Socket) && (await dockerd.Docker("version")).ExitCode == 0) return dockerd;
            await Task.Delay(100);
        }
        await dockerd.DisposeAsync();
        throw new TimeoutException("dockerd did not start");
    }

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (this) File.AppendAllText(LogPath, line + "\n");
        }
    }

    /// <summary>The docker CLI against this dockerd, with its own client config (logins).</summary>
    public Task<CommandResult> Docker(params string[] args) =>
        ProcessRunner.RunAsync(BerthDaemon.DockerCli!, args,
            new Dictionary<string, string> { ["DOCKER_HOST"] = Host, ["DOCKER_CONFIG"] = ConfigDir, ["DOCKER_BUILDKIT"] = "0" },
            timeout: TimeSpan.FromMinutes(3));

    /// <summary>Imports the busybox rootfs as <paramref name="reference"/> (CMD sh), as BerthDaemon does.</summary>
    public async Task ImportBusyboxAsync(string reference)
    {
        using var tar = new MemoryStream(await BusyboxRootfs.TarAsync());
        var result = await ProcessRunner.RunAsync(BerthDaemon.DockerCli!, ["import", "-c", "CMD [\"sh\"]", "-", reference],
            new Dictionary<string, string> { ["DOCKER_HOST"] = Host, ["DOCKER_CONFIG"] = ConfigDir }, tar);
        if (result.ExitCode != 0) throw new InvalidOperationException("import failed: " + result);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            var ids = await Docker("ps", "-aq");
            foreach (var id in ids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)) await Docker("rm", "-f", id);
            Interop.Kill(process.Id, 15);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
        await Cleanup.RemoveTreeAsync(Root, cgroupParent: null);
    }
}
