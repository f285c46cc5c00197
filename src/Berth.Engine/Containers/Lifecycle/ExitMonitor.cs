using Berth.Core.Diagnostics;
using Berth.Engine.Runtime.Shim;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Follows each run to its exit and owns what comes after it (moby's daemon/monitor.go):
/// the exit is recorded (<see cref="ExitRecorder"/>), then the container is restarted when its
/// policy says so (<see cref="RestartManager"/>, showing `restarting` during the back-off), or
/// removed when it is AutoRemove (<see cref="ContainerRemover"/>). Contract: <see cref="Watch"/>
/// is called once per run, by whoever started or re-adopted it; it never throws.
/// </summary>
public sealed class ExitMonitor(
    ContainerIndex index,
    ExitRecorder exits,
    RestartManager restarts,
    RunLauncher launcher,
    ContainerRemover remover,
    ILogger<ExitMonitor> logger)
{
    /// <summary>Watches the run served by <paramref name="shim"/>; the returned task ends after what follows its exit.</summary>
    public Task Watch(ContainerHandle handle, IShimClient shim) => WatchAsync(handle, shim);

    private async Task WatchAsync(ContainerHandle handle, IShimClient shim)
    {
        ExitStatus status;
        try
        {
            status = await shim.WaitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "lost the shim of container {Id}", handle.Container.ShortId);
            status = exits.FromExitFile(handle.Container.Id);
        }
        if (!exits.Record(handle, shim, status)) return;
        await AfterExitAsync(handle);
    }

    /// <summary>What follows a recorded exit: a restart by policy, else auto-remove.</summary>
    public async Task AfterExitAsync(ContainerHandle handle)
    {
        if (RestartManager.ShouldRestart(handle.Container))
        {
            await RestartAfterExitAsync(handle);
            return;
        }
        if (handle.Container.HostConfig.AutoRemove) await AutoRemoveAsync(handle);
    }

    /// <summary>Removes an AutoRemove container (after an exit, a failed start, or found exited at start-up).</summary>
    public async Task AutoRemoveAsync(ContainerHandle handle)
    {
        CrashPoints.Reach("autoremove.before-remove");
        try
        {
            await remover.RemoveAsync(handle, force: true, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "auto-remove of container {Id} failed", handle.Container.ShortId);
        }
    }

    private async Task RestartAfterExitAsync(ContainerHandle handle)
    {
        handle.RestartBackoff = restarts.NextBackoff(handle.Container.State, handle.RestartBackoff);
        index.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Restarting } });
        await restarts.DelayAsync(handle.RestartBackoff, CancellationToken.None);
        await handle.Lock.WaitAsync();
        try
        {
            var container = handle.Container;
            if (handle.Removed.Task.IsCompleted || container.State.Running) return;
            // A stop or kill during the back-off cancels the restart.
            if (container.ManuallyStopped || container.State.Status != ContainerStatus.Restarting)
            {
                index.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Exited } });
                return;
            }
            index.Update(handle, c => c with { RestartCount = c.RestartCount + 1 });
            CrashPoints.Reach("restart.before-launch");
            _ = Watch(handle, await launcher.LaunchLockedAsync(handle, CancellationToken.None));
        }
        catch (Exception e)
        {
            logger.LogWarning("restarting container {Id} failed: {Message}", handle.Container.ShortId, e.Message);
            index.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Exited } });
        }
        finally
        {
            handle.Lock.Release();
        }
    }
}
