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
