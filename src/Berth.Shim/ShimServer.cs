using System.Net.Sockets;
using System.Text.Json;
using Berth.Core.Interop;
using Berth.Core.Shim;

namespace Berth.Shim;

/// <summary>
/// A container and the socket that controls it. Lifecycle: created (by `runtime create`, or
/// only prepared when <paramref name="runAtStart"/> holds its stdio) → start (`runtime start`,
/// or `runtime run --detach`) → running → the init exits (reaped) → output drained → exit file
/// → waiters answered → `runtime delete` → linger for late requests → the shim exits. A
/// prepared container whose start fails ends there: the shim lingers and exits.
/// </summary>
internal sealed class ShimServer(
    ShimOptions options, Reaper reaper, RuntimeRunner runtime, Socket listener,
    int? createdPid, OutputHub hub, StdinSink? stdin, int ptyMaster, int devNull, OomKillCounter? oomKills,
    ContainerStdio? runAtStart)
{
    // After the container's exit: how long late state/wait requests are still served.
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);
    // The init died but something outside its pid namespace still holds its stdout: stop
    // waiting for EOF after this long so wait() is not held up forever.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly object _lock = new();
    private readonly TaskCompletionSource<ShimExitFile> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    // The init's pid: from `runtime create` at launch, or from the run at start (0 until then).
    private readonly TaskCompletionSource<int> _init = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pid = createdPid ?? 0;
    private DateTime? _startedAt;
    private bool _starting;
    private bool _startFailed;
    private ShimExitFile? _exit;
    private int _inflight;

    public async Task<int> RunAsync()
    {
        var socketStamp = File.GetLastWriteTimeUtc(options.Socket);
        _ = ServeAsync();
        _ = AbandonUnlessStartedAsync();
        // A created container's init exists already; watch it even before start, so that one
        // deleted unstarted (start timeout) is reaped like any other exit.
        var pid = createdPid ?? 0;
        if (pid == 0)
        {
            try { pid = await _init.Task.ConfigureAwait(false); }
            catch (OperationCanceledException) { pid = 0; } // the run at start failed or never came: nothing ran
        }
        if (pid > 0) await FinishAsync(reaper.Watch(pid)).ConfigureAwait(false);

        await Task.Delay(Linger).ConfigureAwait(false);
        for (var i = 0; i < 40 && Volatile.Read(ref _inflight) > 0; i++) await Task.Delay(50).ConfigureAwait(false);
        _stop.Cancel();
        listener.Dispose();
        // A new shim for the same container may already own the path (restart): leave it be.
        if (File.GetLastWriteTimeUtc(options.Socket) == socketStamp) File.Delete(options.Socket);
        return pid > 0 ? 0 : 1;
    }

    private async Task FinishAsync(Task<int> initExit)
    {
        var code = await initExit.ConfigureAwait(false);
        var finishedAt = DateTime.UtcNow;
        await Task.WhenAny(hub.Drained, Task.Delay(DrainTimeout)).ConfigureAwait(false);
        var exit = new ShimExitFile(code, finishedAt, OomKilled: oomKills?.Fired() ?? false);
        try { WriteExitFile(exit); }
        catch (IOException e) { Program.LogFailure(options, "writing exit file", e); }
        lock (_lock) _exit = exit;
        // Report first, clean up after: `docker run --rm` waits on this exit, and the runtime's
        // delete is not its business. berthd waits for the runtime state to be gone before it
        // creates the container again.
        _finished.TrySetResult(exit);
        if (await runtime.DeleteAsync([devNull, devNull, devNull]).ConfigureAwait(false) is null)
            runtime.RemoveLog();
    }

    private void WriteExitFile(ShimExitFile exit)
    {
        var bytes = ShimCodec.WriteExitFile(exit);
        // No CreateDirectory: a missing directory means berthd removed the container meanwhile.
        var temp = options.ExitFile + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, options.ExitFile, overwrite: true);
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            Socket connection;
            try { connection = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = HandleAsync(connection);
        }
    }

    private async Task HandleAsync(Socket connection)
    {
        Interlocked.Increment(ref _inflight);
        try
        {
            var line = await ShimWire.ReadLineAsync(connection, _stop.Token).ConfigureAwait(false);
            if (line is not { } request) return;
            ShimResponse response;
            try
            {
                var req = ShimCodec.ReadRequest(request.Line);
                if (req.Op == ShimOps.Attach)
                {
                    await AttachAsync(connection, req, request.Rest).ConfigureAwait(false);
                    return;
                }
                response = await DispatchAsync(req).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException or LinuxException)
            {
                response = new ShimResponse(Error: e.Message, Failure: ShimFailure.Runtime);
            }
            var bytes = ShimCodec.WriteResponse(response);
            for (var sent = 0; sent < bytes.Length;)
                sent += await connection.SendAsync(bytes.AsMemory(sent), SocketFlags.None, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            connection.Dispose();
            Interlocked.Decrement(ref _inflight);
        }
    }

    private async Task<ShimResponse> DispatchAsync(ShimRequest req)
    {
        switch (req.Op)
        {
            case ShimOps.State:
                return State();
            case ShimOps.Wait:
                await _finished.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
                return State();
            case ShimOps.Kill:
                int pid;
                lock (_lock)
                {
                    // Never kill(0, …): before a run at start there is no init, only our own group.
                    if (_exit is not null || _pid <= 0) return new ShimResponse(Error: "container is not running", Failure: ShimFailure.Conflict);
                    pid = _pid;
                }
                return reaper.Signal(pid, req.Signal ?? Libc.SIGKILL)
                    ? new ShimResponse(Ok: true)
                    : new ShimResponse(Error: "container is not running", Failure: ShimFailure.Conflict);
            case ShimOps.Start:
                return await StartAsync().ConfigureAwait(false);
            case ShimOps.Resize:
                // Like containerd: resizing a container without a TTY is a no-op.
                if (ptyMaster >= 0) Libc.SetWindowSize(ptyMaster, req.Height ?? 24, req.Width ?? 80);
                return new ShimResponse(Ok: true);
            default:
                return new ShimResponse(Error: $"unknown operation \"{req.Op}\"", Failure: ShimFailure.Runtime);
        }
    }

    private async Task<ShimResponse> StartAsync()
    {
        lock (_lock)
        {
            if (_exit is not null) return new ShimResponse(Error: "container has exited", Failure: ShimFailure.Conflict);
            if (_startFailed) return new ShimResponse(Error: "container failed to start", Failure: ShimFailure.Conflict);
            if (_starting || _startedAt is not null) return new ShimResponse(Error: "container already started", Failure: ShimFailure.Conflict);
            _starting = true;
        }
        var (error, pid) = runAtStart is null
            ? (await runtime.StartAsync([devNull, devNull, devNull]).ConfigureAwait(false), _pid)
            : await RunAsync(runAtStart).ConfigureAwait(false);
        lock (_lock)
        {
            _starting = false;
            if (error is not null)
            {
                if (runAtStart is not null)
                {
                    _startFailed = true;
                    _init.TrySetCanceled();
                }
                return new ShimResponse(Error: error, Failure: ShimFailure.OfRuntimeError(error));
            }
            _pid = pid;
            _startedAt = DateTime.UtcNow;
        }
        _init.TrySetResult(pid);
        return State();
    }

    /// <summary>
    /// berthd starts a container right after launching its shim; one still unstarted after
    /// --start-timeout belongs to a berthd that died in between. Its runtime state is deleted
    /// (a created init is killed, and reaped as its exit), its stdio closed, and the shim ends.
    /// </summary>
    private async Task AbandonUnlessStartedAsync()
    {
        try { await Task.Delay(TimeSpan.FromSeconds(options.StartTimeoutSeconds), _stop.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return; }
        lock (_lock)
        {
            if (_starting || _startedAt is not null || _startFailed || _exit is not null) return;
            _startFailed = true;
        }
        Program.LogFailure(options, "never started", new TimeoutException($"no start within {options.StartTimeoutSeconds} s of the launch"));
        runAtStart?.CloseRuntimeEnds();
        await runtime.DeleteAsync([devNull, devNull, devNull]).ConfigureAwait(false);
        _init.TrySetCanceled();
    }

    /// <summary>`runtime run --detach` of the prepared container; on failure nothing is left of it.</summary>
    private async Task<(string? Error, int Pid)> RunAsync(ContainerStdio stdio)
    {
        var error = await runtime.RunDetachedAsync(stdio.RuntimeFds).ConfigureAwait(false);
        stdio.CloseRuntimeEnds();
        var pid = 0;
        if (error is null)
        {
            try { pid = runtime.ReadPid(); }
            catch (Exception e) when (e is IOException or FormatException) { error = $"reading the init's pid: {e.Message}"; }
        }
        if (error is null) return (null, pid);
        if (await runtime.DeleteAsync([devNull, devNull, devNull]).ConfigureAwait(false) is null) runtime.RemoveLog();
        return (error, 0);
    }

    private ShimResponse State()
    {
        lock (_lock)
        {
            var status = _exit is not null ? ShimStatus.Exited : _startedAt is not null ? ShimStatus.Running : ShimStatus.Created;
            return new ShimResponse(Ok: true, Pid: _pid, Status: status, ExitCode: _exit?.ExitCode,
                StartedAt: _startedAt, FinishedAt: _exit?.FinishedAt, OomKilled: _exit?.OomKilled);
        }
    }

    /// <summary>
    /// Streams output to the connection until the container's output ends, and feeds what the
    /// client sends to the container's stdin; the client's half-close ends stdin when stdin-once.
    /// </summary>
    private async Task AttachAsync(Socket connection, ShimRequest req, ReadOnlyMemory<byte> rest)
    {
        var sink = new AttachSink(connection, req.Stdout ?? false, req.Stderr ?? false);
        // The ok line goes out under the hub's lock, so no output frame can precede it.
        hub.Add(sink, ShimCodec.WriteResponse(new ShimResponse(Ok: true)));
        var input = req.Stdin == true ? stdin : null;
        // A dedicated thread: writes to the container's stdin block while it does not read (or
        // has not started yet), and must never hold a pool thread the socket server needs.
        var pump = new Thread(() => PumpStdin(connection, input, rest)) { IsBackground = true, Name = "stdin" };
        pump.Start();
        await sink.Done.ConfigureAwait(false);
        try { connection.Shutdown(SocketShutdown.Both); }
        catch (SocketException) { }
    }

    private void PumpStdin(Socket connection, StdinSink? input, ReadOnlyMemory<byte> rest)
    {
        try
        {
            if (input is not null && !rest.IsEmpty) input.Write(rest.Span);
            var buffer = new byte[4096];
            while (true)
            {
                var n = connection.Receive(buffer, SocketFlags.None);
                if (n == 0) break;
                input?.Write(buffer.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is gone: for stdin that is the same as the client closing it.
        }
        if (input is not null && options.StdinOnce) input.Close();
    }
}
