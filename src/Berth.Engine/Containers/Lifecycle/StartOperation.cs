using Berth.Core.Errors;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// POST /containers/{id}/start: refuses a running or removing container, clears
/// ManuallyStopped, launches a run and hands it to the exit monitor. An AutoRemove container
/// whose start failed is removed, as dockerd does (`run --rm` waits for that).
/// </summary>
public sealed class StartOperation(ContainerIndex index, RunLauncher launcher, ExitMonitor monitor)
{
    public async Task StartAsync(string idOrName, CancellationToken cancellationToken)
    {
        var handle = index.Resolve(idOrName);
        var removeAfterFailure = false;
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            var container = handle.Container;
            if (container.State.Running) throw new NotModifiedException("container already started");
            if (container.State.Status == ContainerStatus.Removing)
                throw new ConflictException($"container is marked for removal and cannot be started");
            index.Update(handle, c => c with { ManuallyStopped = false });
            _ = monitor.Watch(handle, await launcher.LaunchLockedAsync(handle, cancellationToken));
        }
        catch (BerthException) when (handle.Container.HostConfig.AutoRemove && !handle.Container.State.Running)
        {
            removeAfterFailure = true;
            throw;
        }
        finally
        {
            handle.Lock.Release();
            if (removeAfterFailure) await monitor.AutoRemoveAsync(handle);
        }
    }
}
