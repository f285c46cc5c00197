using Berth.Engine.Runtime;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// At daemon start (live restore), brings each container's record in line with what is
/// really there: a removal cut short is finished; a container recorded as running whose shim
/// answers is re-adopted (watched again); one whose shim reports the exit gets that exit; one
/// whose shim is gone has whatever the runtime still holds of it killed and deleted, and the
/// exit from its exit file. What follows each exit (restart, auto-remove) is the monitor's.
/// </summary>
public sealed class ContainerRecovery(
    ContainerIndex index,
    IShimLauncher shims,
    IOciRuntime runtime,
    ExitRecorder exits,
    ExitMonitor monitor,
    ContainerRemover remover)
{
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var handle in index.All.ToList())
        {
            var container = handle.Container;
            if (container.State.Status == ContainerStatus.Removing)
            {
                await remover.RemoveAsync(handle, force: true, cancellationToken);
                continue;
            }
            if (!container.State.Running) continue;
            if (container.State.ShimSocket is not { } socket)
            {
                exits.Record(handle, null, exits.FromExitFile(container.Id));
                continue;
            }
            var shim = shims.Connect(socket);
            try
            {
                var state = await shim.StateAsync(cancellationToken);
                if (state.Status is ContainerStatus.Running or ContainerStatus.Created or ContainerStatus.Paused)
                {
                    handle.Shim = shim;
                    _ = monitor.Watch(handle, shim);
                    continue;
                }
                exits.Record(handle, null, new ExitStatus(state.ExitCode ?? 255, state.FinishedAt ?? DateTimeOffset.UtcNow));
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                // The shim is gone. Its container must not outlive it unseen: the runtime kills
                // and deletes whatever is left of it.
                await runtime.DeleteForceAsync(container.Id, cancellationToken);
                exits.Record(handle, null, exits.FromExitFile(container.Id));
            }
            if (handle.Container.HostConfig.AutoRemove) await remover.RemoveAsync(handle, force: true, cancellationToken);
        }
    }
}
