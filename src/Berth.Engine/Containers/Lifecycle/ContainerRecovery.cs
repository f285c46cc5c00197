using Berth.Engine.Runtime;
using Berth.Engine.Runtime.Shim;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// At daemon start (live restore), brings each container's record in line with what is
/// really there, so that what berthd shows is the truth whatever point a crash hit:
/// <list type="bullet">
/// <item>a removal cut short is finished;</item>
/// <item>recorded running: a shim that answers is re-adopted (watched again), or its exit is
/// recorded; a gone shim's container is killed and deleted by the runtime and its exit taken
/// from the exit file;</item>
/// <item>a start in flight (a shim socket recorded, not yet running): a run that began is
/// adopted as running, or recorded as exited; one that never began has its shim ended and
/// the runtime's state deleted, and stays as it was;</item>
/// <item>runtime state no container owns any more is deleted (its processes killed);</item>
/// <item>AutoRemove containers that are not running are removed, as dockerd does on restore.</item>
/// </list>
/// Every step can be repeated: a berthd killed during recovery recovers again.
/// </summary>
public sealed class ContainerRecovery(
    ContainerIndex index,
    IShimLauncher shims,
    IOciRuntime runtime,
    IContainerFilesystem filesystem,
    ExitRecorder exits,
    ExitMonitor monitor,
    ContainerRemover remover,
    ILogger<ContainerRecovery> logger)
{
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var handle in index.All.ToList())
        {
            var container = handle.Container;
            if (container.State.Status == ContainerStatus.Removing)
                await remover.RemoveAsync(handle, force: true, cancellationToken);
            else if (container.State.Running)
                await RecoverRunAsync(handle, cancellationToken);
            else if (container.State.ShimSocket is { } socket)
                await RecoverStartAsync(handle, socket, cancellationToken);
        }
        await DeleteOrphanedRuntimeStateAsync(cancellationToken);
        foreach (var handle in index.All.Where(h => h.Container.HostConfig.AutoRemove && !h.Container.State.Running).ToList())
            await remover.RemoveAsync(handle, force: true, cancellationToken);
    }

    /// <summary>A container recorded as running.</summary>
    private async Task RecoverRunAsync(ContainerHandle handle, CancellationToken cancellationToken)
    {
        var id = handle.Container.Id;
        if (handle.Container.State.ShimSocket is not { } socket)
        {
            exits.Record(handle, null, exits.FromExitFile(id));
            return;
        }
        var shim = shims.Connect(socket);
        if (await StateOrNullAsync(shim, cancellationToken) is not { } state)
        {
            // The shim is gone. Its container must not outlive it unseen: the runtime kills
            // and deletes whatever is left of it.
            await runtime.DeleteForceAsync(id, cancellationToken);
            exits.Record(handle, null, exits.FromExitFile(id));
            return;
        }
        if (IsLive(state))
        {
            handle.Shim = shim;
            _ = monitor.Watch(handle, shim);
            return;
        }
        exits.Record(handle, null, new ExitStatus(state.ExitCode ?? 255, state.FinishedAt ?? DateTimeOffset.UtcNow));
    }

    /// <summary>A start berthd did not finish: the shim socket of the run was recorded, `running` was not.</summary>
    private async Task RecoverStartAsync(ContainerHandle handle, string socket, CancellationToken cancellationToken)
    {
        var id = handle.Container.Id;
        var shim = shims.Connect(socket);
        var state = await SettledStateAsync(shim, cancellationToken);
        if (state is { Status: ContainerStatus.Running or ContainerStatus.Paused })
        {
            logger.LogInformation("adopting container {Id}, started before berthd stopped", id[..12]);
            handle.Shim = shim;
            index.Update(handle, c => c with
            {
                State = new ContainerState { Status = ContainerStatus.Running, Pid = state.Pid, StartedAt = state.StartedAt ?? DateTimeOffset.UtcNow, ShimSocket = socket },
            });
            _ = monitor.Watch(handle, shim);
            return;
        }
        if (state is { Status: ContainerStatus.Exited })
        {
            exits.Record(handle, null, new ExitStatus(state.ExitCode ?? 255, state.FinishedAt ?? DateTimeOffset.UtcNow));
            return;
        }
        // Never started (the shim waits for a start that will not come), or the shim is gone;
        // without a shim, the runtime and the exit file say whether the process ran. Decided
        // before anything is ended, and the shim ended first, so that it records nothing of
        // the kill that follows.
        var ran = state is null
            && (await runtime.StatusAsync(id, cancellationToken) is "running" or "paused" || File.Exists(filesystem.ExitFilePath(id)));
        await shims.EndAsync(socket, cancellationToken);
        await runtime.DeleteForceAsync(id, cancellationToken);
        if (ran)
        {
            exits.Record(handle, null, exits.FromExitFile(id));
            return;
        }
        index.Update(handle, c => c with { State = c.State with { ShimSocket = null } });
        filesystem.Release(id);
    }

    /// <summary>
    /// The shim's state once a start under way has finished: a shim says "created" while its
    /// `runtime run`/`start` still runs (berthd may have died right after asking), so that
    /// answer is asked again for as long as a start takes.
    /// </summary>
    private static async Task<ShimState?> SettledStateAsync(IShimClient shim, CancellationToken cancellationToken)
    {
        var state = await StateOrNullAsync(shim, cancellationToken);
        for (var i = 0; i < 40 && state is { Status: ContainerStatus.Created }; i++)
        {
            await Task.Delay(50, cancellationToken);
            state = await StateOrNullAsync(shim, cancellationToken);
        }
        return state;
    }

    /// <summary>Runtime state of containers that are not (or no longer) running: nothing will ever delete it otherwise.</summary>
    private async Task DeleteOrphanedRuntimeStateAsync(CancellationToken cancellationToken)
    {
        foreach (var id in runtime.ContainersWithState())
        {
            if (index.TryGet(id) is { Container.State.Running: true }) continue;
            logger.LogInformation("deleting runtime state of container {Id}, which no running container owns", id[..Math.Min(12, id.Length)]);
            await runtime.DeleteForceAsync(id, cancellationToken);
        }
    }

    private static bool IsLive(ShimState state) => state.Status is ContainerStatus.Running or ContainerStatus.Created or ContainerStatus.Paused;

    private static async Task<ShimState?> StateOrNullAsync(IShimClient shim, CancellationToken cancellationToken)
    {
        try
        {
            return await shim.StateAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
