using System.Collections.Concurrent;
using Berth.Core.Digests;
using Berth.Engine.Containers;
using Berth.Engine.Images;
using Berth.Engine.Runtime;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Tests.Containers.Lifecycle;

/// <summary>A container directory without overlayfs: Prepare only records a "mount".</summary>
internal sealed class FakeFilesystem(string root) : IContainerFilesystem
{
    public ConcurrentDictionary<string, bool> Mounted { get; } = new();
    public ConcurrentBag<string> Deleted { get; } = [];
    /// <summary>Thrown by the next Prepare, once.</summary>
    public Exception? FailPrepare { get; set; }

    public string Dir(string id) => Path.Combine(root, id);
    public string BundleDir(string id) => Dir(id);
    public string RootfsPath(string id) => Path.Combine(Dir(id), "rootfs");
    public string LogPath(string id) => Path.Combine(Dir(id), id + "-json.log");
    public string HostnamePath(string id) => Path.Combine(Dir(id), "hostname");
    public string HostsPath(string id) => Path.Combine(Dir(id), "hosts");
    public string ResolvConfPath(string id) => Path.Combine(Dir(id), "resolv.conf");
    public string ExitFilePath(string id) => Path.Combine(Dir(id), "exit.json");
    public string UpperDir(string id) => Path.Combine(Dir(id), "upper");
    public string WorkDir(string id) => Path.Combine(Dir(id), "work");
    public string NewShimSocketPath(string id) => Path.Combine(root, "s", id[..12] + "-" + Guid.NewGuid().ToString("N")[..6] + ".sock");
    /// <summary>The fake shims' sockets are not files: the launcher knows them.</summary>
    public Func<string, IReadOnlyList<string>> Sockets { get; set; } = _ => [];
    public IReadOnlyList<string> ShimSocketPaths(string id) => Sockets(id);

    public void Create(Container container)
    {
        Directory.CreateDirectory(RootfsPath(container.Id));
        File.WriteAllText(LogPath(container.Id), "");
    }

    public void Prepare(Container container, Digest? chainId)
    {
        Directory.CreateDirectory(RootfsPath(container.Id));
        Mounted[container.Id] = true;
        if (FailPrepare is { } e)
        {
            FailPrepare = null;
            throw e;
        }
        File.WriteAllText(HostnamePath(container.Id), container.Config.Hostname + "\n");
        File.WriteAllText(HostsPath(container.Id), "");
        File.WriteAllText(ResolvConfPath(container.Id), "");
    }

    public void Release(string id) => Mounted[id] = false;

    public void Delete(string id)
    {
        Release(id);
        Deleted.Add(id);
        if (Directory.Exists(Dir(id))) Directory.Delete(Dir(id), recursive: true);
    }

    public bool IsMounted(string id) => Mounted.TryGetValue(id, out var mounted) && mounted;
}

/// <summary>A shim without a process: tests end its container with <see cref="Exit"/>.</summary>
internal sealed class FakeShim : IShimClient
{
    private readonly TaskCompletionSource<ExitStatus> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<int> Signals { get; } = new();
    /// <summary>Signals the container dies of (SIGKILL always).</summary>
    public HashSet<int> Fatal { get; } = [9];
    /// <summary>The shim process is gone: every request fails with IOException.</summary>
    public bool Gone { get; set; }
    /// <summary>Ended by berthd (the process killed).</summary>
    public bool Ended { get; set; }
    /// <summary>Created but not started: state says "created" until StartAsync.</summary>
    public bool Started { get; private set; }
    public Exception? FailStart { get; set; }
    public int StartCalls { get; private set; }

    public void Exit(int code) => _exit.TrySetResult(new ExitStatus(code, DateTimeOffset.UtcNow));

    public Task<ShimState> StartAsync(CancellationToken cancellationToken)
    {
        StartCalls++;
        if (FailStart is { } e) throw e;
        Started = true;
        return Task.FromResult(new ShimState(4242, "running", null, DateTimeOffset.UtcNow, null));
    }

    public Task KillAsync(int signal, CancellationToken cancellationToken)
    {
        if (Gone) throw new IOException("connection refused");
        if (_exit.Task.IsCompleted) throw new ShimFailureException(Berth.Core.Shim.ShimFailure.Conflict, "container has exited");
        Signals.Enqueue(signal);
        if (Fatal.Contains(signal)) Exit(128 + signal);
        return Task.CompletedTask;
    }

    public Task<ShimState> StateAsync(CancellationToken cancellationToken)
    {
        if (Gone) throw new IOException("connection refused");
        return Task.FromResult(_exit.Task.IsCompleted
            ? new ShimState(0, "exited", _exit.Task.Result.ExitCode, null, _exit.Task.Result.FinishedAt)
            : Started ? new ShimState(4242, "running", null, DateTimeOffset.UtcNow, null)
            : new ShimState(0, "created", null, null, null));
    }

    public Task<ExitStatus> WaitAsync(CancellationToken cancellationToken) =>
        Gone ? Task.FromException<ExitStatus>(new IOException("connection refused")) : _exit.Task.WaitAsync(cancellationToken);

    public Task<ShimAttachment> AttachAsync(bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task ResizeAsync(int height, int width, CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class FakeShimLauncher : IShimLauncher
{
    public ConcurrentQueue<FakeShim> Launched { get; } = new();
    public ConcurrentDictionary<string, FakeShim> BySocket { get; } = new();
    /// <summary>Thrown by the next launch, once.</summary>
    public Exception? FailLaunch { get; set; }
    /// <summary>Applied to each new shim before it is returned.</summary>
    public Action<FakeShim>? Configure { get; set; }
    /// <summary>Called at each launch, before anything else.</summary>
    public Action<ShimStartOptions>? OnLaunch { get; set; }

    public Task<IShimClient> LaunchAsync(ShimStartOptions options, CancellationToken cancellationToken)
    {
        OnLaunch?.Invoke(options);
        if (FailLaunch is { } e)
        {
            FailLaunch = null;
            throw e;
        }
        var shim = new FakeShim();
        Configure?.Invoke(shim);
        Launched.Enqueue(shim);
        BySocket[options.SocketPath] = shim;
        return Task.FromResult<IShimClient>(shim);
    }

    public IShimClient Connect(string socketPath) =>
        BySocket.TryGetValue(socketPath, out var shim) ? shim : new FakeShim { Gone = true };

    public Task EndAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (BySocket.TryRemove(socketPath, out var shim))
        {
            shim.Ended = true;
            shim.Gone = true;
        }
        return Task.CompletedTask;
    }

    /// <summary>The sockets of the live shims of container <paramref name="id"/>.</summary>
    public IReadOnlyList<string> SocketsOf(string id) => BySocket.Keys.Where(s => Path.GetFileName(s).StartsWith(id[..12], StringComparison.Ordinal)).ToList();

    public FakeShim Last => Launched.Last();
}

/// <summary>The runtime's state as a dictionary: ID → status ("created", "running").</summary>
internal sealed class FakeRuntime : IOciRuntime
{
    public ConcurrentBag<string> Deleted { get; } = [];
    public ConcurrentDictionary<string, string> States { get; } = new();
    public bool HasState(string id) => States.ContainsKey(id);
    public IReadOnlyList<string> ContainersWithState() => States.Keys.ToList();
    public Task<string?> StatusAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(States.TryGetValue(id, out var status) ? status : null);

    public Task DeleteForceAsync(string id, CancellationToken cancellationToken)
    {
        if (States.TryRemove(id, out _)) Deleted.Add(id);
        return Task.CompletedTask;
    }
}

/// <summary>Images are never asked: every test container records its chain ID.</summary>
internal sealed class NoImages : IImageService
{
    public Task<Image> ImportAsync(Stream rootfsArchive, ImportOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();
    public IReadOnlyList<Image> List() => [];
    public Image Resolve(string nameOrId) => throw new NotSupportedException();
    public Image? TryResolve(string nameOrId) => null;
    public Task TagAsync(string source, string repository, string? tag, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<ImageDeleteEntry>> RemoveAsync(string nameOrId, bool force, bool noPrune, CancellationToken cancellationToken) => throw new NotSupportedException();
    public IReadOnlyList<ImageHistoryEntry> History(string nameOrId) => throw new NotSupportedException();
    public Task SaveAsync(IReadOnlyList<string> names, Stream destination, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<string>> LoadAsync(Stream archive, CancellationToken cancellationToken) => throw new NotSupportedException();
}

/// <summary>A clock that moves only when told; timers fire on <see cref="Advance"/>.</summary>
internal sealed class ManualClock : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() { lock (_timers) return _now; }

    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (_timers)
        {
            _now += by;
            due = _timers.Where(t => t.DueAt <= _now).ToList();
            foreach (var t in due) _timers.Remove(t);
        }
        foreach (var t in due) t.Fire();
    }

    public int PendingTimers { get { lock (_timers) return _timers.Count; } }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset DueAt { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._timers)
            {
                clock._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                DueAt = clock._now + dueTime;
                clock._timers.Add(this);
            }
            return true;
        }

        public void Dispose() { lock (clock._timers) clock._timers.Remove(this); }
        public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
    }
}
