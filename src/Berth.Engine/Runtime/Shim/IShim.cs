namespace Berth.Engine.Runtime.Shim;

/// <summary>How berthd asks for a container's shim.</summary>
/// <param name="ContainerId">64-hex container ID (also the runtime's container ID).</param>
/// <param name="BundleDir">OCI bundle with config.json and rootfs mounted.</param>
/// <param name="RuntimePath">OCI runtime binary (runc).</param>
/// <param name="RuntimeRoot">--root for the runtime's state (under the exec root).</param>
/// <param name="SocketPath">Unix socket the shim serves (under the exec root).</param>
/// <param name="LogPath">json-file log the shim appends to (docker's format).</param>
/// <param name="ExitFilePath">Where the shim writes the exit status, atomically, when the container exits.</param>
/// <param name="RunAtStart">
/// Without a TTY: create nothing at launch, and run the container at start with one
/// `runtime run --detach` instead of `create` + `start` (one runtime process less). A TTY
/// container is created at launch so that its terminal can be sized before its process runs.
/// </param>
/// <param name="LogMaxSize">json-file's max-size in bytes (0: the log is never rotated).</param>
/// <param name="LogMaxFiles">json-file's max-file: the log and its rotated files, PATH.1 … PATH.(N-1).</param>
/// <param name="OomKillFile">The container's cgroup file counting OOM kills (see CgroupFiles); null: OOMKilled stays false.</param>
/// <param name="StartTimeoutSeconds">How long the shim waits for start before it deletes the container and exits (null: its default, 60 s).</param>
public sealed record ShimStartOptions(
    string ContainerId,
    string BundleDir,
    string RuntimePath,
    string RuntimeRoot,
    string SocketPath,
    string LogPath,
    string ExitFilePath,
    bool Stdin,
    bool StdinOnce,
    bool Tty,
    bool RunAtStart = false,
    int? StartTimeoutSeconds = null,
    long LogMaxSize = 0,
    int LogMaxFiles = 1,
    string? OomKillFile = null);

/// <summary>What the shim reports about its container.</summary>
public sealed record ShimState(int Pid, string Status, int? ExitCode, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>How a container ended; also the content of the exit file.</summary>
public sealed record ExitStatus(int ExitCode, DateTimeOffset FinishedAt, bool OomKilled = false);

/// <summary>
/// Starts shims. Lifecycle of a shim: launch (the shim detaches into its own session, holds
/// the container's stdio, runs `runtime create` and reports the init pid — or, with RunAtStart,
/// reports ready) → start (`runtime start`, or `runtime run --detach`) → running (serves attach, kill, resize, state, wait on its socket;
/// writes the json-file log) → exit (reaps init, writes the exit file, `runtime delete`, exits).
/// A shim outlives berthd; a restarted berthd reconnects through <see cref="Connect"/>.
/// </summary>
public interface IShimLauncher
{
    /// <summary>
    /// Launches a shim and waits until the container is created (not started), or with
    /// RunAtStart until the shim is ready to run it. Fails with <see cref="ShimFailureException"/>
    /// carrying the runtime's own error text (e.g. `exec: "nope": executable file not found in
    /// $PATH`) and its kind; with RunAtStart that error comes from start.
    /// </summary>
    Task<IShimClient> LaunchAsync(ShimStartOptions options, CancellationToken cancellationToken);

    /// <summary>Client for an existing shim's socket (after a daemon restart). Does not connect yet.</summary>
    IShimClient Connect(string socketPath);

    /// <summary>
    /// Ends the shim serving <paramref name="socketPath"/> at once (SIGKILL to the process at the
    /// other end of the socket) and removes the socket; a no-op when nothing serves it. Used for
    /// shims whose container never started or is being removed: they must not linger.
    /// </summary>
    Task EndAsync(string socketPath, CancellationToken cancellationToken);
}

/// <summary>Requests to one container's shim. Each call is one connection to its socket.</summary>
public interface IShimClient
{
    /// <summary>Runs `runtime start` (or `runtime run --detach`): the container's process begins. Returns its state (pid, start time).</summary>
    Task<ShimState> StartAsync(CancellationToken cancellationToken);

    /// <summary>Sends a signal to the container's init process.</summary>
    Task KillAsync(int signal, CancellationToken cancellationToken);

    /// <summary>Current state; throws IOException when the shim is gone.</summary>
    Task<ShimState> StateAsync(CancellationToken cancellationToken);

    /// <summary>Completes when the container has exited and its output is fully written.</summary>
    Task<ExitStatus> WaitAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Attaches to the live stdio. Without a TTY the returned stream yields docker's 8-byte
    /// framed stdout/stderr; with a TTY, raw bytes. Writes go to the container's stdin (when it
    /// was opened with Stdin); disposing or completing writes closes stdin when StdinOnce.
    /// The stream ends when the container's output ends.
    /// </summary>
    Task<ShimAttachment> AttachAsync(bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken);

    Task ResizeAsync(int height, int width, CancellationToken cancellationToken);
}

/// <summary>A live attach session: read output from <see cref="Output"/>, write stdin with <see cref="WriteStdinAsync"/>.</summary>
public abstract class ShimAttachment : IAsyncDisposable
{
    public abstract Stream Output { get; }
    public abstract ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
    /// <summary>Half-closes the attach connection: the shim closes the container's stdin when StdinOnce.</summary>
    public abstract ValueTask CloseStdinAsync();
    public abstract ValueTask DisposeAsync();
}
