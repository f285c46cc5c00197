using Berth.Core.Diagnostics;
using Berth.Core.Errors;
using Berth.Engine.Images;
using Berth.Engine.Runtime;
using Berth.Engine.Runtime.Oci;
using Berth.Engine.Runtime.Shim;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Begins one run of a container, under its lock: bundle prepared, the run's shim socket
/// recorded (the intent: before any process exists, so a berthd killed from then on finds
/// the run at start-up), shim launched on it, waiting attaches connected, terminal sized,
/// process started, `running` recorded. Contract: returns the run's shim (the caller hands it
/// to the exit monitor), or throws with the container left `created`/`exited` with
/// State.Error, its shim ended, its runtime state deleted, the intent cleared and its rootfs
/// released, whatever the exception.
/// </summary>
public sealed class RunLauncher(
    EngineOptions options,
    ContainerIndex index,
    IContainerFilesystem filesystem,
    BundlePreparer bundles,
    IImageService images,
    IShimLauncher shims,
    IOciRuntime runtime,
    ILogger<RunLauncher> logger)
{
    public async Task<IShimClient> LaunchLockedAsync(ContainerHandle handle, CancellationToken cancellationToken)
    {
        var container = handle.Container;
        var id = container.Id;
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var started = false;
        string? socket = null;
        try
        {
            var chainId = container.ImageChainId ?? images.Resolve(container.ImageId.ToString()).ChainId;
            await WaitForPreviousRunDeletedAsync(id, cancellationToken);
            await bundles.PrepareAsync(container, chainId, cancellationToken);
            var prepared = timer.Elapsed;

            socket = filesystem.NewShimSocketPath(id);
            index.Update(handle, c => c with { State = c.State with { ShimSocket = socket } });
            CrashPoints.Reach("start.after-intent");
            IShimClient shim;
            try
            {
                File.Delete(filesystem.ExitFilePath(id));
                var logLimits = LogDriver.Validate(container.HostConfig.LogConfig);
                var logPath = container.HostConfig.LogConfig.Type == LogDriver.None ? "/dev/null" : filesystem.LogPath(id);
                shim = await shims.LaunchAsync(new ShimStartOptions(
                    id, filesystem.BundleDir(id), options.RuntimePath, options.RuntimeRoot,
                    socket, logPath, filesystem.ExitFilePath(id),
                    Stdin: container.Config.OpenStdin, StdinOnce: container.Config.StdinOnce, Tty: container.Config.Tty,
                    RunAtStart: !container.Config.Tty, LogMaxSize: logLimits.MaxSize, LogMaxFiles: logLimits.MaxFiles,
                    OomKillFile: CgroupFiles.OomKillCounter(bundles.CgroupsPath(id), OciHostInfo.Current)),
                    cancellationToken);
            }
            catch (Exception e) when (e is BerthException or IOException)
            {
                throw RecordStartFailure(handle, e);
            }
            var launched = timer.Elapsed;
            CrashPoints.Reach("start.after-launch");

            await ConnectPendingAttachesAsync(handle, shim, cancellationToken);
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
                logger.LogDebug("started {Id}: bundle {Bundle:F1} ms, shim launch {Launch:F1} ms, start {Start:F1} ms",
                    container.ShortId, prepared.TotalMilliseconds, (launched - prepared).TotalMilliseconds, (timer.Elapsed - launched).TotalMilliseconds);
            handle.Shim = shim;
            index.Update(handle, c => c with
            {
                State = new ContainerState { Status = ContainerStatus.Running, Pid = state.Pid, StartedAt = state.StartedAt ?? DateTimeOffset.UtcNow, ShimSocket = socket },
            });
            started = true;
            CrashPoints.Reach("start.after-record");
            return shim;
        }
        finally
        {
            // Whatever went wrong (a bug, a cancellation, a failed start), a container that is
            // not running holds no shim, no runtime state and no mount.
            if (!started) await AbandonRunAsync(handle, socket);
        }
    }

    private async Task AbandonRunAsync(ContainerHandle handle, string? socket)
    {
        var id = handle.Container.Id;
        try
        {
            if (socket is not null)
            {
                await runtime.DeleteForceAsync(id, CancellationToken.None);
                await shims.EndAsync(socket, CancellationToken.None);
                index.Update(handle, c => c with { State = c.State with { ShimSocket = null } });
            }
            filesystem.Release(id);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "cleaning up the failed start of {Id} failed", id[..12]);
        }
    }

    private static async Task ConnectPendingAttachesAsync(ContainerHandle handle, IShimClient shim, CancellationToken cancellationToken)
    {
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
    }

    /// <summary>
    /// The shim of the previous run reports the exit before it runs `runtime delete`; creating
    /// the container again must wait until the runtime's state of that run is gone.
    /// </summary>
    private async Task WaitForPreviousRunDeletedAsync(string id, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 200 && runtime.HasState(id); i++)
            await Task.Delay(10, cancellationToken);
    }

    /// <summary>
    /// Docker keeps a container that could not run "created" and records why, with the exit
    /// code of its kind (127 missing, 126 not executable).
    /// </summary>
    private Exception RecordStartFailure(ContainerHandle handle, Exception e)
    {
        var exitCode = e is ShimFailureException failure ? failure.StartExitCode : 128;
        index.Update(handle, c => c with { State = c.State with { ExitCode = exitCode, Error = e.Message } });
        return e is BerthException ? e : new SystemFailureException(e.Message, e);
    }
}
