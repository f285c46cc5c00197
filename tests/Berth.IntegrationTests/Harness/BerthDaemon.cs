using System.Diagnostics;

namespace Berth.IntegrationTests.Harness;

/// <summary>
/// A real berthd on a temporary data root, exec root and socket, with its own cgroup parent,
/// and the busybox image imported. Disposing removes every container, stops the daemon (by its
/// PID), unmounts what it mounted and deletes its directories.
/// </summary>
public sealed class BerthDaemon : IAsyncDisposable
{
    private Process? _process;

    public string Root { get; }
    public string DataRoot => Path.Combine(Root, "data");
    public string ExecRoot => Path.Combine(Root, "exec");
    public string Socket => Path.Combine(ExecRoot, "berth.sock");
    public string Host => "unix://" + Socket;
    public string CgroupParent { get; }
    public int Pid => _process?.Id ?? 0;

    /// <summary>More berthd flags (e.g. --registry-certs-dir, --config-file), given at every start.</summary>
    public List<string> ExtraArgs { get; } = [];

    /// <summary>Environment variables for the next start (e.g. BERTH_CRASH_AT), on top of the test's own.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>Whether the berthd this harness started is still alive (false after a crash it did not cause).</summary>
    public bool IsRunning => _process is { HasExited: false };

    public static string BinDir { get; } = FindBinDir();
    public static string BerthPath => Path.Combine(BinDir, "berth");
    public static string? DockerCli { get; } = FindDockerCli();

    public BerthDaemon()
    {
        var unique = Guid.NewGuid().ToString("N")[..10];
        Root = Path.Combine("/tmp", "berth-it-" + unique);
        CgroupParent = "/berth-it-" + unique;
        Directory.CreateDirectory(Root);
    }

    public static async Task<BerthDaemon> StartWithBusyboxAsync()
    {
        var daemon = new BerthDaemon();
        await daemon.StartAsync();
        await daemon.ImportBusyboxAsync("busybox:latest");
        return daemon;
    }

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(BinDir, "berthd"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--host", Host, "--data-root", DataRoot, "--exec-root", ExecRoot, "--cgroup-parent", CgroupParent, "--log-level", "debug" })
            start.ArgumentList.Add(arg);
        foreach (var arg in ExtraArgs) start.ArgumentList.Add(arg);
        foreach (var (key, value) in Environment) start.Environment[key] = value;
        _process = Process.Start(start)!;
        var log = Path.Combine(Root, "berthd.log");
        _ = PumpAsync(_process.StandardOutput, log);
        _ = PumpAsync(_process.StandardError, log);
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(Socket) && (await Berth("version")).ExitCode == 0) return;
            if (_process.HasExited) throw new InvalidOperationException($"berthd exited with {_process.ExitCode}: {await ReadLogAsync()}");
            await Task.Delay(50);
        }
        throw new TimeoutException("berthd did not start: " + await ReadLogAsync());
    }

    private static async Task PumpAsync(StreamReader reader, string path)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (typeof(BerthDaemon)) File.AppendAllText(path, line + "\n");
        }
    }

    public Task<string> ReadLogAsync()
    {
        var path = Path.Combine(Root, "berthd.log");
        return File.Exists(path) ? File.ReadAllTextAsync(path) : Task.FromResult("");
    }

    /// <summary>SIGKILL, as a crash would: the shims and containers must survive it.</summary>
    public async Task KillHardAsync()
    {
        if (_process is null) return;
        _process.Kill();
        await _process.WaitForExitAsync();
        _process = null;
    }

    /// <summary>
    /// Whether berthd dies within <paramref name="grace"/>: a crash that a client has just seen
    /// (its connection cut) is not yet reaped when the client returns.
    /// </summary>
    public async Task<bool> DiesWithinAsync(TimeSpan grace)
    {
        if (_process is not { } process) return true;
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits until a berthd that was made to crash has gone, and forgets it.</summary>
    public async Task WaitCrashedAsync(TimeSpan timeout)
    {
        if (_process is null) return;
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process = null;
    }

    /// <summary>SIGTERM and wait for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        Interop.Kill(_process.Id, 15);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
        _process = null;
    }

    public Task<CommandResult> Berth(params string[] args) => BerthWithInput(null, args);

    /// <summary>berth's client config (logins); its own, so `berth login` never writes the host's ~/.docker.</summary>
    public string BerthConfigDir => Path.Combine(Root, "berth-config");

    public Task<CommandResult> BerthWithInput(Stream? stdin, params string[] args) =>
        ProcessRunner.RunAsync(BerthPath, args, new Dictionary<string, string>
        {
            ["BERTH_HOST"] = Host,
            ["DOCKER_HOST"] = Host,
            ["BERTH_CONFIG"] = BerthConfigDir,
        }, stdin);

    /// <summary>Starts `berth ARGS` and returns while it runs (for followers and streams).</summary>
    public RunningCommand StartBerth(params string[] args) =>
        new(BerthPath, args, new Dictionary<string, string>
        {
            ["BERTH_HOST"] = Host,
            ["DOCKER_HOST"] = Host,
            ["BERTH_CONFIG"] = BerthConfigDir,
        });

    /// <summary>The reference docker CLI against this berthd.</summary>
    public Task<CommandResult> Docker(params string[] args) => DockerWithInput(null, args);

    public Task<CommandResult> DockerWithInput(Stream? stdin, params string[] args)
    {
        if (DockerCli is null) throw new InvalidOperationException("the docker CLI is not installed (set BERTH_DOCKER_CLI)");
        return ProcessRunner.RunAsync(DockerCli, args, new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = Host,
            ["DOCKER_CONFIG"] = Path.Combine(Root, "docker-config"),
            ["DOCKER_BUILDKIT"] = "0",
        }, stdin);
    }

    public async Task ImportBusyboxAsync(string reference)
    {
        var tar = await BusyboxRootfs.TarAsync();
        using var stream = new MemoryStream(tar);
        var result = await BerthWithInput(stream, "import", "-c", "CMD [\"sh\"]", "-", reference);
        if (result.ExitCode != 0) throw new InvalidOperationException("import failed: " + result);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                var ids = await Berth("ps", "-aq", "--no-trunc");
                foreach (var id in ids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    try
                    {
                        await ProcessRunner.RunAsync(BerthPath, ["rm", "-f", id], new Dictionary<string, string> { ["BERTH_HOST"] = Host }, timeout: TimeSpan.FromSeconds(20));
                    }
                    catch (TimeoutException)
                    {
                        // A wedged container: the cleanup below kills what is left.
                    }
                }
                await StopAsync();
            }
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // berthd does not answer or does not stop: kill it, and let the cleanup end its containers.
            if (_process is { HasExited: false } process)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            _process = null;
        }
        finally
        {
            await Cleanup.RemoveTreeAsync(Root, CgroupParent);
        }
    }

    private static string FindBinDir()
    {
        var fromEnv = System.Environment.GetEnvironmentVariable("BERTH_BIN_DIR");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Berth.slnx"))) dir = dir.Parent;
        return dir is null ? "out" : Path.Combine(dir.FullName, "out");
    }

    private static string? FindDockerCli()
    {
        var fromEnv = System.Environment.GetEnvironmentVariable("BERTH_DOCKER_CLI");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv)) return fromEnv;
        return File.Exists("/usr/local/bin/docker") ? "/usr/local/bin/docker" : File.Exists("/usr/bin/docker") ? "/usr/bin/docker" : null;
    }
}
