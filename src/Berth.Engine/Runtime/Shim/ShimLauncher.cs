using System.Diagnostics;
using System.Text.Json;
using Berth.Core.Errors;
using Berth.Core.Shim;

namespace Berth.Engine.Runtime.Shim;

/// <summary>
/// Spawns berth-shim processes. The shim stays our child while berthd lives (.NET's Process
/// reaps it when it exits, even after the Process object is disposed) and detaches itself
/// into its own session, so it outlives berthd.
/// </summary>
public sealed class ShimLauncher(string shimPath) : IShimLauncher
{
    public async Task<IShimClient> LaunchAsync(ShimStartOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var start = new ProcessStartInfo(shimPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in Arguments(options)) start.ArgumentList.Add(arg);

        using var process = Process.Start(start) ?? throw new SystemFailureException($"cannot start {shimPath}");
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Abandon the launch; the half-created runtime state is berthd's to clean up by ID.
            try { process.Kill(); } catch (InvalidOperationException) { }
            throw;
        }
        if (string.IsNullOrWhiteSpace(line))
        {
            // The shim died before reporting (crash, bad binary): its stderr says why.
            var stderr = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            throw new SystemFailureException($"berth-shim exited without reporting: {stderr.Trim()}");
        }
        ShimLaunchResult result;
        try
        {
            result = JsonSerializer.Deserialize(line, ShimJsonContext.Default.ShimLaunchResult)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new SystemFailureException($"berth-shim reported garbage: {line}", e);
        }
        if (result.Error is not null) throw new ShimFailureException(result.Failure ?? ShimFailure.Runtime, result.Error);
        if (result.Ready == true && options.RunAtStart) return new ShimClient(options.SocketPath, options.ExitFilePath);
        if (result.Pid is not int pid) throw new SystemFailureException($"berth-shim reported no pid: {line}");
        return new ShimClient(options.SocketPath, options.ExitFilePath, pid);
    }

    public IShimClient Connect(string socketPath) => new ShimClient(socketPath);

    public async Task EndAsync(string socketPath, CancellationToken cancellationToken)
    {
        // The process at the other end of a live connection is the shim itself (SO_PEERCRED),
        // so no recorded pid can have been reused by another process.
        if (await Berth.Core.Interop.Libc.UnixSocketServerPidAsync(socketPath, cancellationToken).ConfigureAwait(false) is int pid)
            Berth.Core.Interop.Libc.Kill(pid, Berth.Core.Interop.Libc.SIGKILL);
        File.Delete(socketPath);
    }

    /// <summary>Client for an existing shim that also knows its exit file (answers after the shim is gone).</summary>
    public IShimClient Connect(string socketPath, string exitFilePath) => new ShimClient(socketPath, exitFilePath);

    /// <summary>The shim's command line for <paramref name="options"/>.</summary>
    public static IReadOnlyList<string> Arguments(ShimStartOptions options)
    {
        List<string> args =
        [
            "--id", options.ContainerId,
            "--bundle", options.BundleDir,
            "--runtime", options.RuntimePath,
            "--runtime-root", options.RuntimeRoot,
            "--socket", options.SocketPath,
            "--log-file", options.LogPath,
            "--exit-file", options.ExitFilePath,
        ];
        if (options.Stdin) args.Add("--stdin");
        if (options.StdinOnce) args.Add("--stdin-once");
        if (options.Tty) args.Add("--tty");
        if (options.RunAtStart) args.Add("--run-at-start");
        if (options.LogMaxSize > 0)
            args.AddRange(["--log-max-size", options.LogMaxSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--log-max-files", options.LogMaxFiles.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (options.OomKillFile is { } oomKillFile) args.AddRange(["--oom-kill-file", oomKillFile]);
        if (options.StartTimeoutSeconds is int seconds) args.AddRange(["--start-timeout", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return args;
    }
}
