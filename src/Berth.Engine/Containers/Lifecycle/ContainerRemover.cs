using Berth.Core.Diagnostics;
using Berth.Core.Errors;
using Berth.Engine.Runtime;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Removes a container: refused while it runs unless forced (then killed and its exit
/// awaited); status `removing` recorded first, so that a removal cut short by a crash is
/// finished at the next start; then whatever the container still has, whatever its record
/// says, is ended (runtime state with its processes and cgroup, every shim, even one launched
/// and never started, the rootfs mount), and the directory and the record deleted. Used by
/// the API's DELETE, by the exit monitor (auto-remove) and by recovery; it calls none of them.
/// </summary>
public sealed class ContainerRemover(
    ContainerIndex index, IContainerFilesystem filesystem, ContainerSignaller signaller, IShimLauncher shims, IOciRuntime runtime)
{
    public async Task RemoveAsync(ContainerHandle handle, bool force, CancellationToken cancellationToken)
    {
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (handle.Removed.Task.IsCompleted) return;
            var container = handle.Container;
            if (container.State.Running)
            {
                if (!force)
                    throw new ConflictException($"You cannot remove a running container {container.Id}. Stop the container before attempting removal or force remove");
                await signaller.KillAndWaitLockedAsync(handle, cancellationToken);
            }
            index.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Removing } });
            CrashPoints.Reach("remove.after-marking");
            // Not cancellable from here: a removal half done is worse than a slow one.
            await runtime.DeleteForceAsync(container.Id, CancellationToken.None);
            foreach (var socket in filesystem.ShimSocketPaths(container.Id))
                await shims.EndAsync(socket, CancellationToken.None);
            CrashPoints.Reach("remove.before-files");
            filesystem.Delete(container.Id);
            CrashPoints.Reach("remove.before-record");
            index.Remove(handle);
        }
        finally
        {
            handle.Lock.Release();
        }
    }
}
