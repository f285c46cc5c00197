using System.Net.Sockets;
using Berth.Core.Interop;
using Berth.Core.Shim;

namespace Berth.Shim;

/// <summary>
/// berth-shim: one per container. Detaches from berthd (own session, child subreaper), holds
/// the container's stdio, runs `runtime create` (or, with --run-at-start, leaves it all to
/// start), reports `{"pid":N}` (`{"ready":true}`) or `{"error":"…"}` as the single line on its
/// stdout, then serves the container's socket until the container exits.
/// </summary>
internal static class Program
{
    private const nint SIG_IGN = 1;
    // sun_path is 108 bytes including the terminating NUL.
    private const int MaxSocketPath = 107;

    public static int Main(string[] args)
    {
        ShimOptions options;
        try { options = ShimOptions.Parse(args); }
        catch (ArgumentException e)
        {
            Report(new ShimLaunchResult(Error: e.Message, Failure: ShimFailure.Runtime));
            return 2;
        }
        try
        {
            return RunAsync(options).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            LogFailure(options, "shim failed", e);
            Report(new ShimLaunchResult(Error: $"shim: {e.Message}", Failure: ShimFailure.Runtime));
            return 1;
        }
    }

    private static async Task<int> RunAsync(ShimOptions options)
    {
        // Writing to a pipe whose reader is gone must fail with EPIPE, not kill the shim.
        Libc.Signal(Libc.SIGPIPE, SIG_IGN);
        // Own session: berthd's terminal and process-group signals do not reach us, and a
        // SIGKILLed berthd leaves us running. EPERM only if we already lead a group; harmless.
        Libc.Setsid();
        // The container's init is re-parented to us once runc exits, so we can reap it.
        if (Libc.Prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) Libc.ThrowLastError("prctl(PR_SET_CHILD_SUBREAPER)");
        var devNull = Libc.Open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (devNull < 0) Libc.ThrowLastError("open", "/dev/null");

        var reaper = new Reaper();
        var runtime = new RuntimeRunner(reaper, options);
        var listener = Listen(options.Socket);

        string? error = null;
        ContainerStdio? runAtStart = null;
        int ptyMaster = -1, stdinFd = -1, stdoutFd = -1, stderrFd = -1;
        if (options.Tty)
        {
            (error, ptyMaster) = await CreateWithTerminalAsync(options, runtime, devNull).ConfigureAwait(false);
        }
        else
        {
            var stdout = Libc.CreatePipe();
            var stderr = Libc.CreatePipe();
            var stdin = options.Stdin ? Libc.CreatePipe() : (Read: devNull, Write: -1);
            var stdio = new ContainerStdio([stdin.Read, stdout.Write, stderr.Write],
                options.Stdin ? [stdout.Write, stderr.Write, stdin.Read] : [stdout.Write, stderr.Write]);
            if (options.RunAtStart)
            {
                runAtStart = stdio;
            }
            else
            {
                error = await runtime.CreateAsync(stdio.RuntimeFds, null).ConfigureAwait(false);
                stdio.CloseRuntimeEnds();
            }
            (stdinFd, stdoutFd, stderrFd) = (stdin.Write, stdout.Read, stderr.Read);
        }

        if (error is not null)
        {
            // Leave nothing behind: a half-created container would block the next create.
            await runtime.DeleteAsync([devNull, devNull, devNull]).ConfigureAwait(false);
            runtime.RemoveLog();
            listener.Dispose();
            File.Delete(options.Socket);
            Report(new ShimLaunchResult(Error: error, Failure: ShimFailure.OfRuntimeError(error)));
            return 1;
        }

        int? pid = runAtStart is null ? runtime.ReadPid() : null;
        var log = new JsonLogWriter(options.LogFile, options.LogMaxSize, options.LogMaxFiles);
        var hub = new OutputHub(log, options.Tty);
        StdinSink? stdinSink = null;
        if (options.Tty)
        {
            hub.Start(ptyMaster, StdFrame.Stdout);
            if (options.Stdin) stdinSink = new StdinSink(ptyMaster, tty: true);
        }
        else
        {
            hub.Start(stdoutFd, StdFrame.Stdout);
            hub.Start(stderrFd, StdFrame.Stderr);
            if (options.Stdin) stdinSink = new StdinSink(stdinFd, tty: false);
        }

        Report(pid is null ? new ShimLaunchResult(Ready: true) : new ShimLaunchResult(Pid: pid));
        // From here on nothing ties us to berthd: it may close its end of our stdout, or die.
        Libc.Dup2(devNull, 0);
        Libc.Dup2(devNull, 1);
        Libc.Dup2(devNull, 2);

        var server = new ShimServer(options, reaper, runtime, listener, pid, hub, stdinSink, ptyMaster, devNull, options.OomKillFile is { } oomKillFile ? new OomKillCounter(oomKillFile) : null, runAtStart);
        var code = await server.RunAsync().ConfigureAwait(false);
        log.Dispose();
        return code;
    }

    /// <summary>
    /// `runtime create --console-socket`: the runtime makes the pty inside the container and
    /// sends us its master over a unix socket (SCM_RIGHTS) before create returns.
    /// </summary>
    private static async Task<(string? Error, int Master)> CreateWithTerminalAsync(ShimOptions options, RuntimeRunner runtime, int devNull)
    {
        var path = options.Socket + ".console";
        if (path.Length > MaxSocketPath) path = Path.Combine(Path.GetTempPath(), $"berth-console-{Environment.ProcessId}.sock");
        using var console = Listen(path);
        // Blocking accept + recvmsg on a pool thread: the accepted socket stays in blocking
        // mode, which recvmsg needs. Disposing the listener aborts it if create fails.
        var master = Task.Run(() =>
        {
            using var connection = console.Accept();
            return Libc.ReceiveFd((int)connection.SafeHandle.DangerousGetHandle());
        });
        var error = await runtime.CreateAsync([devNull, devNull, devNull], path).ConfigureAwait(false);
        File.Delete(path);
        if (error is not null) return (error, -1);
        return (null, await master.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false));
    }

    private static Socket Listen(string path)
    {
        if (path.Length > MaxSocketPath) throw new ArgumentException($"socket path too long: {path}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path); // a stale socket from an earlier shim of this container
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(64);
        return socket;
    }

    /// <summary>The one line berthd reads from us.</summary>
    private static void Report(ShimLaunchResult result) =>
        Libc.WriteAll(1, ShimCodec.WriteLaunchResult(result));

    /// <summary>Our stderr is /dev/null once detached: failures go to BUNDLE/shim.log.</summary>
    public static void LogFailure(ShimOptions options, string what, Exception e)
    {
        try
        {
            using var log = new FileStream(Path.Combine(options.Bundle, "shim.log"), FileModes.Create(FileMode.Append, FileAccess.Write, FileModes.PrivateFile));
            log.Write(System.Text.Encoding.UTF8.GetBytes($"{DateTime.UtcNow:O} {what}: {e}\n"));
        }
        catch (IOException) { }
    }
}
