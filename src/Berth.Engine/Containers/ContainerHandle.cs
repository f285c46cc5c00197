using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Containers;

/// <summary>
/// The daemon's live view of one container: its current record, the lock that orders
/// lifecycle operations on it, its shim while it runs, and the events waiters block on.
/// </summary>
public sealed class ContainerHandle(Container container)
{
    private volatile Container _container = container;
    private TaskCompletionSource<ExitStatus> _nextExit = NewSignal<ExitStatus>();
    private readonly List<PendingAttach> _pendingAttach = [];

    /// <summary>Serialises start/stop/kill/remove/rename of this container.</summary>
    public SemaphoreSlim Lock { get; } = new(1, 1);

    public Container Container => _container;

    public IShimClient? Shim { get; set; }

    /// <summary>Delay before the next automatic restart (restart policies).</summary>
    public TimeSpan RestartBackoff { get; set; }

    /// <summary>Completes when the container has been removed.</summary>
    public TaskCompletionSource Removed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next exit of the container's process.</summary>
    public Task<ExitStatus> NextExit
    {
        get { lock (_pendingAttach) return _nextExit.Task; }
    }

    /// <summary>Replaces the record; only <see cref="ContainerIndex.Update"/> calls this, under its per-handle lock.</summary>
    internal void Update(Func<Container, Container> change) => _container = change(_container);

    /// <summary>Signals waiters of the exit that just happened and arms the next one.</summary>
    public void SignalExit(ExitStatus status)
    {
        TaskCompletionSource<ExitStatus> fired;
        lock (_pendingAttach)
        {
            fired = _nextExit;
            _nextExit = NewSignal<ExitStatus>();
        }
        fired.TrySetResult(status);
    }

    /// <summary>
    /// Registers an attach that must be connected before the process starts (docker run
    /// attaches to a created container, then starts it, and must not miss early output).
    /// </summary>
    public Task<ShimAttachment> AttachAtStart(bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken)
    {
        var pending = new PendingAttach(stdin, stdout, stderr, NewSignal<ShimAttachment>());
        lock (_pendingAttach) _pendingAttach.Add(pending);
        cancellationToken.Register(() =>
        {
            lock (_pendingAttach) _pendingAttach.Remove(pending);
            pending.Connected.TrySetCanceled(cancellationToken);
        });
        return pending.Connected.Task;
    }

    /// <summary>Attaches waiting for the process to start; start connects them to the new shim.</summary>
    public IReadOnlyList<PendingAttach> TakePendingAttaches()
    {
        lock (_pendingAttach)
        {
            var taken = _pendingAttach.ToList();
            _pendingAttach.Clear();
            return taken;
        }
    }

    private static TaskCompletionSource<T> NewSignal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>An attach request made before start.</summary>
public sealed record PendingAttach(bool Stdin, bool Stdout, bool Stderr, TaskCompletionSource<ShimAttachment> Connected);
