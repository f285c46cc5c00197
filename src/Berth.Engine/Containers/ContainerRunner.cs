using Berth.Core.Errors;
using Berth.Engine.Images;
using Berth.Engine.Runtime.Oci;
using Berth.Engine.Runtime.Shim;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Containers;

/// <summary>
/// Runs containers: start (mount rootfs, write the bundle, launch the shim, connect waiting
/// attaches, start the process), stop, kill, wait, attach, and the monitor that records each
/// exit. Operations on one container are ordered by its handle's lock; the exit monitor never
/// takes that lock before signalling, so stop can hold it while waiting for the exit.
/// </summary>
public sealed class ContainerRunner(
    EngineOptions options,
    ContainerRegistry registry,
    ContainerFilesystem filesystem,
    IImageService images,
    IShimLauncher shims,
    ILogger<ContainerRunner> logger)
{
    /// <summary>Called after an exit of an AutoRemove container (set by the container service).</summary>
    public Func<ContainerHandle, Task>? AutoRemove { get; set; }

    public async Task StartAsync(string idOrName, CancellationToken cancellationToken)
    {
        var handle = registry.Resolve(idOrName);
        var removeAfterFailure = false;
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            var container = handle.Container;
            if (container.State.Running) throw new NotModifiedException("container already started");
            if (container.State.Status == ContainerStatus.Removing)
                throw new ConflictException($"container is marked for removal and cannot be started");
            registry.Update(handle, c => c with { ManuallyStopped = false });
            await StartLockedAsync(handle, cancellationToken);
        }
        catch (BerthException) when (handle.Container.HostConfig.AutoRemove && !handle.Container.State.Running)
        {
            // dockerd removes an AutoRemove container whose start failed; `run --rm` waits for that.
            removeAfterFailure = true;
            throw;
        }
        finally
        {
            handle.Lock.Release();
            if (removeAfterFailure && AutoRemove is { } remove) await remove(handle);
        }
    }

    private async Task StartLockedAsync(ContainerHandle handle, CancellationToken cancellationToken)
    {
        var container = handle.Container;
        var id = container.Id;
        var chainId = container.ImageChainId ?? images.Resolve(container.ImageId.ToString()).ChainId;
        var timer = System.Diagnostics.Stopwatch.StartNew();
        await WaitForPreviousRunDeletedAsync(id, cancellationToken);
        filesystem.Prepare(container, chainId);
        var mounted = timer.Elapsed;

        IShimClient shim;
        TimeSpan specWritten = default;
        var socket = filesystem.NewShimSocketPath(id);
        try
        {
            var spec = OciSpecBuilder.Build(SpecInput(container));
            await OciSpecBuilder.WriteAsync(spec, filesystem.BundleDir(id), cancellationToken);
            specWritten = timer.Elapsed;
            File.Delete(filesystem.ExitFilePath(id));
            Directory.CreateDirectory(options.ShimSocketsRoot);
            var logLimits = LogDriver.Validate(container.HostConfig.LogConfig);
            var logPath = container.HostConfig.LogConfig.Type == LogDriver.None ? "/dev/null" : filesystem.LogPath(id);
            shim = await shims.LaunchAsync(new ShimStartOptions(
                id, filesystem.BundleDir(id), options.RuntimePath, options.RuntimeRoot,
                socket, logPath, filesystem.ExitFilePath(id),
                Stdin: container.Config.OpenStdin, StdinOnce: container.Config.StdinOnce, Tty: container.Config.Tty,
                RunAtStart: !container.Config.Tty, LogMaxSize: logLimits.MaxSize, LogMaxFiles: logLimits.MaxFiles,
                OomKillFile: CgroupFiles.OomKillCounter(CgroupsPath(id), OciHostInfo.Current)),
                cancellationToken);
        }
        catch (Exception e) when (e is BerthException or IOException)
        {
            throw RecordStartFailure(handle, e);
        }

        foreach (var pending in handle.TakePendingAttaches())
        {
            try
            {
                pending.Connected.TrySetResult(await shim.AttachAsync(pending.Stdin, pending.Stdout, pending.Stderr, cancellationToken));
            }
            catch (Exception e)
            {
                pending.Connected.TrySetException(e);
            }
        }

        var created = timer.Elapsed;
        ShimState state;
        try
        {
            // Size the terminal before the process runs, so its first `stty size` is right.
            if (container.Config.Tty && container.HostConfig.ConsoleSize is [> 0 and var height, > 0 and var width])
                await shim.ResizeAsync((int)height, (int)width, cancellationToken);
            state = await shim.StartAsync(cancellationToken);
        }
        catch (BerthException e)
        {
            // Without a TTY the run at start is where the runtime's create errors (126/127) surface.
            throw RecordStartFailure(handle, e);
        }
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("started {Id}: rootfs {Mount:F1} ms, spec {Spec:F1} ms, shim launch {Create:F1} ms, start {Start:F1} ms",
            container.ShortId, mounted.TotalMilliseconds, (specWritten - mounted).TotalMilliseconds,
            (created - specWritten).TotalMilliseconds, (timer.Elapsed - created).TotalMilliseconds);
        handle.Shim = shim;
        registry.Update(handle, c => c with
        {
            State = new ContainerState { Status = ContainerStatus.Running, Pid = state.Pid, StartedAt = state.StartedAt ?? DateTimeOffset.UtcNow, ShimSocket = socket },
        });
        _ = MonitorAsync(handle, shim);
    }

    /// <summary>
    /// The shim of the previous run reports the exit before it runs `runtime delete`; creating
    /// the container again must wait until the runtime's state of that run is gone.
    /// </summary>
    private async Task WaitForPreviousRunDeletedAsync(string id, CancellationToken cancellationToken)
    {
        var state = Path.Combine(options.RuntimeRoot, id);
        for (var i = 0; i < 200 && Directory.Exists(state); i++)
            await Task.Delay(10, cancellationToken);
    }

    private async Task ForceDeleteRuntimeStateAsync(string id)
    {
        if (!Directory.Exists(Path.Combine(options.RuntimeRoot, id))) return;
        var start = new System.Diagnostics.ProcessStartInfo(options.RuntimePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--root", options.RuntimeRoot, "delete", "--force", id }) start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) logger.LogWarning("runtime delete of orphaned container {Id} failed: {Error}", id[..12], stderr.Trim());
    }

    /// <summary>
    /// Docker keeps a container that could not run "created" and records why, with the exit
    /// code of its kind (127 missing, 126 not executable); the rootfs is released.
    /// </summary>
    private Exception RecordStartFailure(ContainerHandle handle, Exception e)
    {
        var exitCode = e is ShimFailureException failure ? failure.StartExitCode : 128;
        registry.Update(handle, c => c with { State = c.State with { ExitCode = exitCode, Error = e.Message } });
        filesystem.Release(handle.Container.Id);
        return e is BerthException ? e : new SystemFailureException(e.Message, e);
    }

    private ContainerSpecInput SpecInput(Container container)
    {
        var id = container.Id;
        var host = container.HostConfig;
        return new ContainerSpecInput
        {
            Id = id,
            RootfsPath = filesystem.RootfsPath(id),
            Args = [container.Path, .. container.Args],
            Env = container.Config.Env ?? [],
            WorkingDir = container.Config.WorkingDir,
            User = container.Config.User,
            Hostname = container.Config.Hostname,
            Domainname = container.Config.Domainname,
            Tty = container.Config.Tty,
            OpenStdin = container.Config.OpenStdin,
            ReadonlyRootfs = host.ReadonlyRootfs,
            Privileged = host.Privileged,
            CapAdd = host.CapAdd ?? [],
            CapDrop = host.CapDrop ?? [],
            GroupAdd = host.GroupAdd ?? [],
            SecurityOpt = host.SecurityOpt ?? [],
            Sysctls = host.Sysctls ?? new Dictionary<string, string>(),
            Mounts =
            [
                new BindMount(filesystem.ResolvConfPath(id), "/etc/resolv.conf"),
                new BindMount(filesystem.HostnamePath(id), "/etc/hostname"),
                new BindMount(filesystem.HostsPath(id), "/etc/hosts"),
                .. UserMounts(host),
            ],
            NetworkNamespacePath = NetworkNamespaceOf(host.NetworkMode),
            // Namespace sysctls are set only in a namespace of the container's own.
            NetworkIsPrivate = host.NetworkMode != "host" && !host.NetworkMode.StartsWith("container:", StringComparison.Ordinal),
            CgroupsPath = CgroupsPath(id),
            Memory = host.Memory,
            MemorySwap = host.MemorySwap,
            CpuShares = host.CpuShares,
            NanoCpus = host.NanoCpus,
            PidsLimit = host.PidsLimit ?? 0,
            MemoryReservation = host.MemoryReservation,
            OomScoreAdj = host.OomScoreAdj,
            Ulimits = host.Ulimits ?? [],
            MaskedPaths = host.MaskedPaths,
            ReadonlyPaths = host.ReadonlyPaths,
            ShmSize = host.ShmSize > 0 ? host.ShmSize : 64 * 1024 * 1024,
        };
    }

    private string CgroupsPath(string id) => $"{options.CgroupParent}/{id}";

    /// <summary>Bind mounts the user asked for; a missing -v source directory is created, as docker does.</summary>
    private static IEnumerable<BindMount> UserMounts(ContainerHostConfig host)
    {
        var binds = host.Binds?.Count ?? 0;
        var index = 0;
        foreach (var mount in ContainerMounts.Resolve(host))
        {
            if (index++ < binds && !File.Exists(mount.Source)) Directory.CreateDirectory(mount.Source);
            yield return new BindMount(mount.Source, mount.Destination, mount.ReadOnly, mount.Propagation);
        }
    }

    /// <summary>host: berthd's own namespace; container:NAME: that running container's; otherwise a new one.</summary>
    private string? NetworkNamespaceOf(string mode)
    {
        if (mode == "host") return $"/proc/{Environment.ProcessId}/ns/net";
        if (!mode.StartsWith("container:", StringComparison.Ordinal)) return null;
        var other = registry.Resolve(mode["container:".Length..]).Container;
        if (!other.State.Running || other.State.Pid == 0)
            throw new ConflictException($"cannot join network of a non running container: {other.Id}");
        return $"/proc/{other.State.Pid}/ns/net";
    }

    /// <summary>Waits for the container's exit and records it; the one place exits are applied.</summary>
    private async Task MonitorAsync(ContainerHandle handle, IShimClient shim)
    {
        ExitStatus status;
        try
        {
            status = await shim.WaitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "lost the shim of container {Id}", handle.Container.ShortId);
            status = ReadExitFile(handle.Container.Id) ?? new ExitStatus(255, DateTimeOffset.UtcNow);
        }
        if (!RecordExit(handle, shim, status)) return;
        if (ShouldRestart(handle.Container))
        {
            await RestartAfterExitAsync(handle);
            return;
        }
        if (handle.Container.HostConfig.AutoRemove && AutoRemove is { } remove)
        {
            try
            {
                await remove(handle);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "auto-remove of container {Id} failed", handle.Container.ShortId);
            }
        }
    }

    /// <summary>Docker's restart policies: always, unless-stopped, on-failure[:max]; never after stop or kill.</summary>
    private static bool ShouldRestart(Container container)
    {
        if (container.ManuallyStopped) return false;
        var policy = container.HostConfig.RestartPolicy;
        return policy.Name switch
        {
            "always" or "unless-stopped" => true,
            "on-failure" => container.State.ExitCode != 0
                && (policy.MaximumRetryCount == 0 || container.RestartCount < policy.MaximumRetryCount),
            _ => false,
        };
    }

    /// <summary>
    /// Restarts after an exit with docker's back-off: 100 ms doubling per quick failure, reset
    /// when the previous run lasted at least 10 s. Shows "restarting" meanwhile.
    /// </summary>
    private async Task RestartAfterExitAsync(ContainerHandle handle)
    {
        var state = handle.Container.State;
        var ranFor = (state.FinishedAt ?? DateTimeOffset.UtcNow) - (state.StartedAt ?? DateTimeOffset.UtcNow);
        handle.RestartBackoff = ranFor >= TimeSpan.FromSeconds(10) ? TimeSpan.FromMilliseconds(100)
            : handle.RestartBackoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100)
            : TimeSpan.FromTicks(Math.Min(handle.RestartBackoff.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
        registry.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Restarting } });
        await Task.Delay(handle.RestartBackoff);
        await handle.Lock.WaitAsync();
        try
        {
            var container = handle.Container;
            if (handle.Removed.Task.IsCompleted || container.State.Running) return;
            if (container.ManuallyStopped || container.State.Status != ContainerStatus.Restarting)
            {
                registry.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Exited } });
                return;
            }
            registry.Update(handle, c => c with { RestartCount = c.RestartCount + 1 });
            await StartLockedAsync(handle, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning("restarting container {Id} failed: {Message}", handle.Container.ShortId, e.Message);
            registry.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Exited } });
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    /// <summary>
    /// Records an exit of the run served by <paramref name="shim"/> (null: a run whose shim was
    /// never reconnected). Returns false when that run's exit was already recorded.
    /// </summary>
    private bool RecordExit(ContainerHandle handle, IShimClient? shim, ExitStatus status)
    {
        lock (handle)
        {
            if (!ReferenceEquals(handle.Shim, shim)) return false;
            handle.Shim = null;
        }
        registry.Update(handle, c => c with
        {
            State = c.State with
            {
                Status = ContainerStatus.Exited,
                Pid = 0,
                ExitCode = status.ExitCode,
                OomKilled = status.OomKilled,
                FinishedAt = status.FinishedAt,
                Error = "",
                ShimSocket = null,
            },
        });
        try
        {
            filesystem.Release(handle.Container.Id);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "unmounting the rootfs of {Id} failed", handle.Container.ShortId);
        }
        handle.SignalExit(status);
        return true;
    }

    private ExitStatus? ReadExitFile(string id) => ShimClient.ReadExitFile(filesystem.ExitFilePath(id));

    public async Task StopAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken)
    {
        var handle = registry.Resolve(idOrName);
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            registry.Update(handle, c => c with { ManuallyStopped = true });
            if (handle.Container.State.Status == ContainerStatus.Restarting)
            {
                registry.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Exited } });
                return;
            }
            await StopLockedAsync(handle, timeoutSeconds, signal, cancellationToken);
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    private const int MaxStopTimeoutSeconds = (int)(uint.MaxValue / 1000) - 1;

    /// <summary>Stop signal, then SIGKILL after the timeout (docker's default 10 s; negative waits forever).</summary>
    internal async Task StopLockedAsync(ContainerHandle handle, int? timeoutSeconds, string? signal, CancellationToken cancellationToken)
    {
        var container = handle.Container;
        if (!container.State.Running || handle.Shim is not { } shim)
            throw new NotModifiedException("container already stopped");
        var exit = handle.NextExit;
        var stopSignal = Signals.Parse(signal ?? container.Config.StopSignal, Signals.SIGTERM);
        var timeout = timeoutSeconds ?? container.Config.StopTimeout ?? 10;
        await SignalQuietly(handle, shim, stopSignal, cancellationToken);
        // Task.Delay takes at most ~49 days: a longer timeout (t=2147483647) waits as a negative one does.
        if (timeout is >= 0 and <= MaxStopTimeoutSeconds && await Task.WhenAny(exit, Task.Delay(TimeSpan.FromSeconds(timeout), cancellationToken)) != exit)
            await SignalQuietly(handle, shim, Signals.SIGKILL, cancellationToken);
        await exit.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Signals the container; when its shim cannot be reached it is gone (with its container),
    /// and the exit is recorded from the exit file so waiters are not left hanging.
    /// </summary>
    private async Task SignalQuietly(ContainerHandle handle, IShimClient shim, int signal, CancellationToken cancellationToken)
    {
        try
        {
            await shim.KillAsync(signal, cancellationToken);
        }
        catch (ShimFailureException e) when (e.Kind == ErrorKind.Conflict)
        {
            // Already exited; the monitor records it.
        }
        catch (IOException e)
        {
            logger.LogWarning("shim of container {Id} unreachable: {Message}", handle.Container.ShortId, e.Message);
            RecordExit(handle, shim, ReadExitFile(handle.Container.Id) ?? new ExitStatus(255, DateTimeOffset.UtcNow));
        }
    }

    public async Task KillAsync(string idOrName, string? signal, CancellationToken cancellationToken)
    {
        var handle = registry.Resolve(idOrName);
        var number = Signals.Parse(signal, Signals.SIGKILL);
        var container = handle.Container;
        if (!container.State.Running || handle.Shim is not { } shim)
            throw new ConflictException($"Cannot kill container: {idOrName}: Container {container.Id} is not running");
        var exit = handle.NextExit;
        registry.Update(handle, c => c with { ManuallyStopped = true });
        await shim.KillAsync(number, cancellationToken);
        // Docker returns once a SIGKILL has taken effect, so `kill` then `inspect` says exited.
        if (number == Signals.SIGKILL)
            await Task.WhenAny(exit, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken));
    }

    /// <summary>Kills and waits for the exit; used by forced removal.</summary>
    internal async Task KillAndWaitLockedAsync(ContainerHandle handle, CancellationToken cancellationToken)
    {
        if (!handle.Container.State.Running || handle.Shim is not { } shim) return;
        var exit = handle.NextExit;
        await SignalQuietly(handle, shim, Signals.SIGKILL, cancellationToken);
        await exit.WaitAsync(cancellationToken);
    }

    public async Task RestartAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken)
    {
        var handle = registry.Resolve(idOrName);
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (handle.Container.State.Running)
            {
                registry.Update(handle, c => c with { ManuallyStopped = true });
                await StopLockedAsync(handle, timeoutSeconds, signal, cancellationToken);
            }
            registry.Update(handle, c => c with { ManuallyStopped = false, RestartCount = 0 });
            await StartLockedAsync(handle, cancellationToken);
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    /// <summary>
    /// Returns a task for the wait condition (not-running, next-exit, removed). The returned task
    /// is registered before this method returns, so a caller may then start the container safely.
    /// </summary>
    public Task<int> Wait(string idOrName, string? condition, CancellationToken cancellationToken)
    {
        var handle = registry.Resolve(idOrName);
        var exit = handle.NextExit;
        switch (condition)
        {
            case null or "" or "not-running":
                if (!handle.Container.State.Running) return Task.FromResult(handle.Container.State.ExitCode);
                return ExitCodeOf(exit, cancellationToken);
            case "next-exit":
                return ExitCodeOf(exit, cancellationToken);
            case "removed":
                return WaitRemovedAsync(handle, cancellationToken);
            default:
                throw new InvalidParameterException($"invalid condition: \"{condition}\"");
        }
    }

    private static async Task<int> ExitCodeOf(Task<ExitStatus> exit, CancellationToken cancellationToken) =>
        (await exit.WaitAsync(cancellationToken)).ExitCode;

    private static async Task<int> WaitRemovedAsync(ContainerHandle handle, CancellationToken cancellationToken)
    {
        await handle.Removed.Task.WaitAsync(cancellationToken);
        return handle.Container.State.ExitCode;
    }

    /// <summary>
    /// Attaches to the container's stdio. A running container is attached at once; a created one
    /// when it starts (returned task completes then); an exited one yields null (nothing to stream).
    /// </summary>
    public Task<ShimAttachment>? Attach(string idOrName, bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken)
    {
        var handle = registry.Resolve(idOrName);
        if (handle.Container.State.Running && handle.Shim is { } shim)
            return shim.AttachAsync(stdin, stdout, stderr, cancellationToken);
        if (handle.Container.State.Status == ContainerStatus.Created || handle.Container.State.Status == ContainerStatus.Exited)
            return handle.AttachAtStart(stdin, stdout, stderr, cancellationToken);
        return null;
    }

    public async Task ResizeAsync(string idOrName, int height, int width, CancellationToken cancellationToken)
    {
        var handle = registry.Resolve(idOrName);
        if (handle.Shim is not { } shim)
            throw new ConflictException($"Container {handle.Container.Id} is not running");
        await shim.ResizeAsync(height, width, cancellationToken);
    }

    /// <summary>
    /// Re-adopts containers after a daemon restart: live shims are reconnected and monitored;
    /// containers whose shim is gone get the exit recorded in their exit file.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var handle in registry.All.ToList())
        {
            var container = handle.Container;
            if (container.State.Status == ContainerStatus.Removing && AutoRemove is { } finishRemoval)
            {
                await finishRemoval(handle);
                continue;
            }
            if (!container.State.Running) continue;
            if (container.State.ShimSocket is not { } socket)
            {
                RecordExit(handle, null, ReadExitFile(container.Id) ?? new ExitStatus(255, DateTimeOffset.UtcNow));
                continue;
            }
            var shim = shims.Connect(socket);
            try
            {
                var state = await shim.StateAsync(cancellationToken);
                if (state.Status is ContainerStatus.Running or ContainerStatus.Created or ContainerStatus.Paused)
                {
                    handle.Shim = shim;
                    _ = MonitorAsync(handle, shim);
                    continue;
                }
                RecordExit(handle, null, new ExitStatus(state.ExitCode ?? 255, state.FinishedAt ?? DateTimeOffset.UtcNow));
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                // The shim is gone. Its container must not outlive it unseen: the runtime kills
                // and deletes whatever is left of it.
                await ForceDeleteRuntimeStateAsync(container.Id);
                RecordExit(handle, null, ReadExitFile(container.Id) ?? new ExitStatus(255, DateTimeOffset.UtcNow));
            }
            if (handle.Container.HostConfig.AutoRemove && AutoRemove is { } remove)
                await remove(handle);
        }
    }
}
